//! The shopper's saved addresses. Only ids of the signed-in shopper's own addresses work:
//! account-service looks an address up under the user this BFF names (from the live
//! session), so another shopper's id is a 404, like an id that never existed.

use super::{for_shopper, live_session, refuse, signed_out};
use crate::{presenter, startup::State};
use account_api::AddressForm;
use account_service_api::{is_valid_id, paths, Address, AddressInput, AddressList};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use platform::upstream::HttpMethod;
use platform::{Error, Result};

/// `GET /api/account/addresses` — [`account_api::Addresses`], the default first.
pub async fn list(request: HttpRequest, state: web::Data<State>) -> Result<HttpResponse> {
    let Some(session) = live_session(&request, &state).await? else {
        return Ok(signed_out(&request));
    };
    let list = state
        .account
        .get_json::<AddressList>(&paths::addresses(&session.state.user.id))
        .await?;
    Ok(for_shopper(
        &request,
        &state,
        &session.state,
        StatusCode::OK,
        &presenter::addresses(list),
    ))
}

/// `POST /api/account/addresses` — saves a new address: 201 [`account_api::SavedAddress`];
/// 422 `too_many_addresses` past [`account_api::MAX_ADDRESSES`].
pub async fn add(
    request: HttpRequest,
    form: web::Json<AddressForm>,
    state: web::Data<State>,
) -> Result<HttpResponse> {
    let input = address_input(form.into_inner())?;
    let Some(session) = live_session(&request, &state).await? else {
        return Ok(signed_out(&request));
    };
    let saved = state
        .account
        .call(HttpMethod::POST, &paths::addresses(&session.state.user.id))
        .json(&input)?
        .send::<Address>()
        .await?;
    Ok(for_shopper(
        &request,
        &state,
        &session.state,
        StatusCode::CREATED,
        &presenter::saved_address(saved),
    ))
}

/// `PUT /api/account/addresses/{id}` — changes one: 200 [`account_api::SavedAddress`].
pub async fn replace(
    request: HttpRequest,
    id: web::Path<String>,
    form: web::Json<AddressForm>,
    state: web::Data<State>,
) -> Result<HttpResponse> {
    let id = known_id(&id)?;
    let input = address_input(form.into_inner())?;
    let Some(session) = live_session(&request, &state).await? else {
        return Ok(signed_out(&request));
    };
    let saved = state
        .account
        .call(HttpMethod::PUT, &paths::address(&session.state.user.id, id))
        .json(&input)?
        .send::<Address>()
        .await
        .map_err(unknown_address)?;
    Ok(for_shopper(
        &request,
        &state,
        &session.state,
        StatusCode::OK,
        &presenter::saved_address(saved),
    ))
}

/// `DELETE /api/account/addresses/{id}` — 200 with the [`account_api::Addresses`] left
/// (account-service makes the oldest one the default when the default goes).
pub async fn remove(
    request: HttpRequest,
    id: web::Path<String>,
    state: web::Data<State>,
) -> Result<HttpResponse> {
    let id = known_id(&id)?;
    let Some(session) = live_session(&request, &state).await? else {
        return Ok(signed_out(&request));
    };
    let user = &session.state.user.id;
    state
        .account
        .call(HttpMethod::DELETE, &paths::address(user, id))
        .send_empty()
        .await
        .map_err(unknown_address)?;
    let left = state
        .account
        .get_json::<AddressList>(&paths::addresses(user))
        .await?;
    Ok(for_shopper(
        &request,
        &state,
        &session.state,
        StatusCode::OK,
        &presenter::addresses(left),
    ))
}

/// `POST /api/account/addresses/{id}/default` — 200 [`account_api::Addresses`].
pub async fn make_default(
    request: HttpRequest,
    id: web::Path<String>,
    state: web::Data<State>,
) -> Result<HttpResponse> {
    let id = known_id(&id)?;
    let Some(session) = live_session(&request, &state).await? else {
        return Ok(signed_out(&request));
    };
    let list = state
        .account
        .call(
            HttpMethod::POST,
            &paths::default_address(&session.state.user.id, id),
        )
        .send::<AddressList>()
        .await
        .map_err(unknown_address)?;
    Ok(for_shopper(
        &request,
        &state,
        &session.state,
        StatusCode::OK,
        &presenter::addresses(list),
    ))
}

/// The form, checked by `account-api`'s rules, in the service's terms (trimmed).
fn address_input(form: AddressForm) -> Result<AddressInput> {
    refuse(form.problems())?;
    Ok(AddressInput {
        address: form.address().trimmed(),
        make_default: form.make_default,
    })
}

/// An id that can name an address; anything else is no address at all (404).
fn known_id(id: &str) -> Result<&str> {
    if is_valid_id(id) {
        Ok(id)
    } else {
        Err(no_such_address())
    }
}

/// account-service's 404 — no such address, or another shopper's — in account-api's words.
fn unknown_address(error: Error) -> Error {
    match error {
        Error::Upstream { status, .. } if status == StatusCode::NOT_FOUND => no_such_address(),
        other => other,
    }
}

fn no_such_address() -> Error {
    Error::refused(
        StatusCode::NOT_FOUND,
        account_api::codes::NOT_FOUND,
        None,
        "There is no such address in your account.",
    )
}
