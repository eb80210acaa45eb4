use super::{client_address, header, succeeded, too_many_attempts};
use crate::domain::{first_name, normalise_email};
use crate::entities::user;
use crate::sessions::{self, secret_hash, NewSession};
use crate::startup::AppState;
use crate::users;
use account_service_api::{self as api, codes, Credentials, SESSION_HEADER};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use platform::database::DbResultExt;
use platform::{Error, Result};

/// `POST /sessions`: signs in. A wrong password and an unknown email get the same answer
/// after the same work; too many failures refuse the attempt before any check.
pub async fn sign_in(
    request: HttpRequest,
    body: web::Json<Credentials>,
    state: web::Data<AppState>,
) -> Result<HttpResponse> {
    let Credentials { email, password } = body.into_inner();
    let account = normalise_email(&email);
    let client = client_address(&request);
    let attempt = match state
        .attempts
        .admit_sign_in(&account, client)
        .await
        .or_db_error("counting a sign-in attempt")?
    {
        Ok(attempt) => attempt,
        Err(refused) => {
            tracing::warn!(
                retry_after_seconds = refused.retry_after_seconds,
                client,
                "sign-in refused: too many failed attempts"
            );
            return Ok(too_many_attempts(
                refused,
                "Too many attempts to sign in. Please wait a minute and try again.",
            ));
        }
    };
    let user = users::find_by_email(&state.db, &account)
        .await
        .or_db_error("looking up an account")?;
    let hash = user.as_ref().map(|user| user.password_hash.clone());
    let verified = state.passwords.verify(password, hash).await?;
    let user = match user {
        Some(user) if verified => user,
        user => {
            tracing::debug!(known_email = user.is_some(), "sign-in refused: no match");
            return Err(invalid_credentials());
        }
    };
    succeeded(&state, attempt).await;
    let session = sessions::start(&state.db, &user.id, chrono::Utc::now()).await?;
    tracing::info!(user_id = %user.id, handle = %session.session.handle, "signed in");
    Ok(HttpResponse::Created().json(signed_in(&state, &user, session)?))
}

/// `GET /session`: who the session belongs to, with a fresh identity token.
pub async fn current(request: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse> {
    let secret = header(&request, SESSION_HEADER).ok_or_else(signed_out)?;
    let now = chrono::Utc::now();
    let (session, user) = sessions::alive(&state.db, &secret_hash(secret), now)
        .await
        .or_db_error("looking up a session")?
        .ok_or_else(signed_out)?;
    sessions::seen(&state.db, &session, now)
        .await
        .or_db_error("noting a session's use")?;
    Ok(HttpResponse::Ok().json(api::SessionState {
        user: users::view(&user),
        identity: identity_token(&state, &user, &session.handle)?,
        handle: session.handle,
        session_expires_at: session.expires_at.timestamp(),
    }))
}

/// `DELETE /session`: signs this session out (done already, or never known: the same 204).
pub async fn sign_out(request: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse> {
    if let Some(secret) = header(&request, SESSION_HEADER) {
        sessions::revoke(&state.db, &secret_hash(secret), chrono::Utc::now())
            .await
            .or_db_error("revoking a session")?;
    }
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /sessions`: signs out every session of the session's user.
pub async fn sign_out_everywhere(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse> {
    let secret = header(&request, SESSION_HEADER).ok_or_else(signed_out)?;
    let now = chrono::Utc::now();
    let (_, user) = sessions::alive(&state.db, &secret_hash(secret), now)
        .await
        .or_db_error("looking up a session")?
        .ok_or_else(signed_out)?;
    let revoked = sessions::revoke_all(&state.db, &user.id, now)
        .await
        .or_db_error("revoking sessions")?;
    tracing::info!(user_id = %user.id, revoked, "signed out everywhere");
    Ok(HttpResponse::NoContent().finish())
}

/// A new session's answer: the user, the secret (this once) and a first identity token.
pub(super) fn signed_in(
    state: &AppState,
    user: &user::Model,
    new: NewSession,
) -> Result<api::SignedIn> {
    Ok(api::SignedIn {
        user: users::view(user),
        identity: identity_token(state, user, &new.session.handle)?,
        session_secret: new.secret.into(),
        session_expires_at: new.session.expires_at.timestamp(),
    })
}

fn identity_token(
    state: &AppState,
    user: &user::Model,
    handle: &str,
) -> Result<api::IdentityToken> {
    let now = identity::now();
    let token = state
        .signer
        .sign(&user.id, handle, first_name(&user.name), now)?;
    Ok(api::IdentityToken {
        token: token.into(),
        expires_at: now.saturating_add_unsigned(identity::TOKEN_LIFETIME.as_secs()),
    })
}

fn invalid_credentials() -> Error {
    Error::refused(
        StatusCode::UNAUTHORIZED,
        codes::INVALID_CREDENTIALS,
        None,
        "That email address and password do not match an account.",
    )
}

fn signed_out() -> Error {
    Error::refused(
        StatusCode::UNAUTHORIZED,
        codes::SIGNED_OUT,
        None,
        "You are signed out. Please sign in again.",
    )
}
