use super::sessions::signed_in;
use super::{invalid_fields, no_such_user, valid_id};
use crate::domain::{fields, Email, Name, NewPassword};
use crate::startup::AppState;
use crate::users::{self, EmailTaken};
use account_service_api::{codes, NewUser, UserUpdate};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use platform::database::DbResultExt;
use platform::{Error, Result};

/// `POST /users`: a new user, signed in. A body that does not fit `NewUser` is the
/// platform's 400 naming the field; a value the rules refuse is a 422 naming every field
/// at fault.
pub async fn sign_up(body: web::Json<NewUser>, state: web::Data<AppState>) -> Result<HttpResponse> {
    let NewUser {
        email,
        name,
        password,
    } = body.into_inner();
    let checked = (
        Email::parse(&email),
        Name::parse(&name),
        NewPassword::parse(password, &email),
    );
    let (email, name, password) = match checked {
        (Ok(email), Ok(name), Ok(password)) => (email, name, password),
        (email, name, password) => {
            return Err(invalid_fields([email.err(), name.err(), password.err()]))
        }
    };
    let password_hash = state.passwords.hash(password.into_string()).await?;
    match users::sign_up(&state.db, email, name, password_hash, chrono::Utc::now()).await? {
        Ok((user, session)) => Ok(HttpResponse::Created().json(signed_in(&state, &user, session)?)),
        Err(EmailTaken) => Err(Error::refused(
            StatusCode::CONFLICT,
            codes::EMAIL_TAKEN,
            Some(fields::EMAIL),
            "There is an account with this email address already. Sign in instead.",
        )),
    }
}

/// `GET /users/{id}`.
pub async fn show(path: web::Path<String>, state: web::Data<AppState>) -> Result<HttpResponse> {
    let user_id = valid_id("user_id", &path)?;
    let user = users::find(&state.db, user_id)
        .await
        .or_db_error("looking up a user")?
        .ok_or_else(no_such_user)?;
    Ok(HttpResponse::Ok().json(users::view(&user)))
}

/// `PATCH /users/{id}`: a new name.
pub async fn rename(
    path: web::Path<String>,
    body: web::Json<UserUpdate>,
    state: web::Data<AppState>,
) -> Result<HttpResponse> {
    let user_id = valid_id("user_id", &path)?;
    let name = Name::parse(&body.name).map_err(|problem| invalid_fields([Some(problem)]))?;
    let user = users::rename(&state.db, user_id, name)
        .await
        .or_db_error("renaming a user")?
        .ok_or_else(no_such_user)?;
    Ok(HttpResponse::Ok().json(users::view(&user)))
}
