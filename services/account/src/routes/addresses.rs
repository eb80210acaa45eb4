use super::{no_such_user, valid_id};
use crate::addresses::{self, Change, MAX_ADDRESSES};
use crate::startup::AppState;
use account_service_api::{codes, AddressInput};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use platform::database::DbResultExt;
use platform::{Error, Result};
use postal_address::PostalAddress;

/// `GET /users/{id}/addresses`: the default first, then oldest first.
pub async fn list(path: web::Path<String>, state: web::Data<AppState>) -> Result<HttpResponse> {
    let user_id = valid_id("user_id", &path)?;
    let addresses = addresses::list(&state.db, user_id)
        .await
        .or_db_error("listing addresses")?
        .ok_or_else(no_such_user)?;
    Ok(HttpResponse::Ok().json(addresses::view_list(&addresses)))
}

/// `POST /users/{id}/addresses`: 201 with the new address.
pub async fn add(
    path: web::Path<String>,
    body: web::Json<AddressInput>,
    state: web::Data<AppState>,
) -> Result<HttpResponse> {
    let user_id = valid_id("user_id", &path)?;
    let AddressInput {
        address,
        make_default,
    } = body.into_inner();
    let address = checked(&address)?;
    let address = done(addresses::add(&state.db, user_id, address, make_default).await?)?;
    Ok(HttpResponse::Created().json(addresses::view(&address)))
}

/// `PUT /users/{id}/addresses/{address_id}`: the address as changed.
pub async fn replace(
    path: web::Path<(String, String)>,
    body: web::Json<AddressInput>,
    state: web::Data<AppState>,
) -> Result<HttpResponse> {
    let (user_id, address_id) = ids(&path)?;
    let AddressInput {
        address,
        make_default,
    } = body.into_inner();
    let address = checked(&address)?;
    let address = done(
        addresses::replace(&state.db, user_id, address_id, address, make_default)
            .await
            .or_db_error("changing an address")?,
    )?;
    Ok(HttpResponse::Ok().json(addresses::view(&address)))
}

/// `DELETE /users/{id}/addresses/{address_id}`: 204.
pub async fn remove(
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse> {
    let (user_id, address_id) = ids(&path)?;
    done(
        addresses::remove(&state.db, user_id, address_id)
            .await
            .or_db_error("deleting an address")?,
    )?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /users/{id}/addresses/{address_id}/default`: all addresses, this one first.
pub async fn make_default(
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse> {
    let (user_id, address_id) = ids(&path)?;
    let addresses = done(
        addresses::make_default(&state.db, user_id, address_id)
            .await
            .or_db_error("choosing the default address")?,
    )?;
    Ok(HttpResponse::Ok().json(addresses::view_list(&addresses)))
}

fn ids(path: &(String, String)) -> Result<(&str, &str)> {
    Ok((
        valid_id("user_id", &path.0)?,
        valid_id("address_id", &path.1)?,
    ))
}

/// The address trimmed, or a 422 naming each field at fault.
fn checked(address: &PostalAddress) -> Result<PostalAddress> {
    let address = address.trimmed();
    let problems = address.problems();
    if problems.is_empty() {
        Ok(address)
    } else {
        Err(Error::InvalidFields(problems))
    }
}

fn done<T>(change: Change<T>) -> Result<T> {
    match change {
        Change::Done(value) => Ok(value),
        Change::NoSuchUser => Err(no_such_user()),
        Change::NoSuchAddress => Err(Error::NotFound("There is no such address.".into())),
        Change::TooMany => Err(Error::refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::TOO_MANY_ADDRESSES,
            None,
            format!("You can keep at most {MAX_ADDRESSES} addresses. Delete one to add another."),
        )),
    }
}
