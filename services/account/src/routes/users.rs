use super::sessions::signed_in;
use super::{client_address, invalid_fields, no_such_user, succeeded, too_many_attempts, valid_id};
use crate::domain::{Email, Name, NewPassword};
use crate::sessions;
use crate::startup::AppState;
use crate::users::{self, EmailTaken};
use account_service_api::{codes, NewUser, UserUpdate};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use platform::database::DbResultExt;
use platform::{Error, Result};

const TOO_MANY_SIGN_UPS: &str =
    "Too many attempts to sign up. Please wait a few minutes and try again.";

/// `POST /users`: a new user, signed in. A body that does not fit `NewUser` is the
/// platform's 400 naming the field; a value the rules refuse is a 422 naming every field
/// at fault.
///
/// Every sign-up from a client counts against its limit, before any password is hashed
/// (429 with `Retry-After`). The email's password is then checked (or hashed) — the same
/// work for every outcome, so the time of the answer tells nothing:
/// - an email without an account: the new user, signed in (201);
/// - an email with an account, and its password: its owner, who signed up before, signed
///   in — the same answer (201);
/// - an email with an account, and another password: 409 `sign_up_refused`, which names no
///   field and gives no reason. That check of a password is a guess like a sign-in's, so
///   it is let in (and counted) by the same limits.
pub async fn sign_up(
    request: HttpRequest,
    body: web::Json<NewUser>,
    state: web::Data<AppState>,
) -> Result<HttpResponse> {
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
        (Ok(email), Ok(name), Ok(password)) => (email, name, password.into_secret()),
        (email, name, password) => {
            return Err(invalid_fields([email.err(), name.err(), password.err()]))
        }
    };
    let client = client_address(&request);
    if let Err(refused) = state
        .attempts
        .admit_sign_up(client)
        .await
        .or_db_error("counting a sign-up")?
    {
        tracing::warn!(
            retry_after_seconds = refused.retry_after_seconds,
            client,
            "sign-up refused: too many from this client"
        );
        return Ok(too_many_attempts(refused, TOO_MANY_SIGN_UPS));
    }
    let attempt = match state
        .attempts
        .admit_sign_in(email.as_str(), client)
        .await
        .or_db_error("counting a sign-in attempt")?
    {
        Ok(attempt) => attempt,
        Err(refused) => {
            tracing::warn!(
                retry_after_seconds = refused.retry_after_seconds,
                client,
                "sign-up refused: too many failed attempts at the account"
            );
            return Ok(too_many_attempts(refused, TOO_MANY_SIGN_UPS));
        }
    };
    let now = chrono::Utc::now();
    let found = users::find_by_email(&state.db, email.as_str())
        .await
        .or_db_error("looking up an account")?;
    let user = match found {
        Some(user) => user,
        None => {
            let password_hash = state.passwords.hash(password.clone()).await?;
            match users::sign_up(&state.db, email.clone(), name, password_hash, now).await? {
                Ok((user, session)) => {
                    succeeded(&state, attempt).await;
                    tracing::info!(user_id = %user.id, "signed up");
                    return Ok(HttpResponse::Created().json(signed_in(&state, &user, session)?));
                }
                // Someone signed up with this email a moment ago: as if it had been there.
                Err(EmailTaken) => users::find_by_email(&state.db, email.as_str())
                    .await
                    .or_db_error("looking up an account")?
                    .ok_or_else(|| Error::Internal(anyhow::anyhow!("a taken email has no user")))?,
            }
        }
    };
    let verified = state
        .passwords
        .verify(password, Some(user.password_hash.clone()))
        .await?;
    if !verified {
        tracing::info!("sign-up refused: the email has an account, and another password");
        return Err(sign_up_refused());
    }
    succeeded(&state, attempt).await;
    let session = sessions::start(&state.db, &user.id, now).await?;
    tracing::info!(user_id = %user.id, "signed up again: signed in");
    Ok(HttpResponse::Created().json(signed_in(&state, &user, session)?))
}

/// 409 `sign_up_refused`: no field, no reason, the way on offered.
fn sign_up_refused() -> Error {
    Error::refused(
        StatusCode::CONFLICT,
        codes::SIGN_UP_REFUSED,
        None,
        "We could not make an account with these details. If you have an account already, \
         sign in instead.",
    )
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
