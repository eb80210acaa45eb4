//! The HTTP API (the route table and the types are in `account_service_api`). Handlers
//! parse, call `users`, `sessions` or `addresses`, and map the answer.

mod addresses;
mod health;
mod sessions;
mod users;

use crate::attempts::{Attempt, TooManyAttempts};
use crate::startup::AppState;
use account_service_api::{codes, is_valid_id, FieldError, CLIENT_HEADER};
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use platform::Error;

pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/healthz", web::get().to(platform::server::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/users", web::post().to(users::sign_up))
        .route("/users/{user_id}", web::get().to(users::show))
        .route("/users/{user_id}", web::patch().to(users::rename))
        .route("/sessions", web::post().to(sessions::sign_in))
        .route("/sessions", web::delete().to(sessions::sign_out_everywhere))
        .route("/session", web::get().to(sessions::current))
        .route("/session", web::delete().to(sessions::sign_out))
        .route("/users/{user_id}/addresses", web::get().to(addresses::list))
        .route("/users/{user_id}/addresses", web::post().to(addresses::add))
        .route(
            "/users/{user_id}/addresses/{address_id}",
            web::put().to(addresses::replace),
        )
        .route(
            "/users/{user_id}/addresses/{address_id}",
            web::delete().to(addresses::remove),
        )
        .route(
            "/users/{user_id}/addresses/{address_id}/default",
            web::post().to(addresses::make_default),
        );
}

/// One 422 naming every field at fault among `checked`.
fn invalid_fields<const N: usize>(checked: [Option<FieldError>; N]) -> Error {
    Error::InvalidFields(checked.into_iter().flatten().collect())
}

/// An id from the path (`field` names it): 400 when it cannot be one.
fn valid_id<'a>(field: &str, id: &'a str) -> Result<&'a str, Error> {
    if is_valid_id(id) {
        Ok(id)
    } else {
        Err(Error::invalid(
            field,
            "An id is 1 to 64 letters, digits, '-' or '_'.",
        ))
    }
}

fn no_such_user() -> Error {
    Error::NotFound("There is no such user.".into())
}

/// A header's value, trimmed; `None` when it is missing, empty or not text.
fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

/// The shopper's address account-bff passed (`Client-Address`), for per-client limits.
fn client_address(request: &HttpRequest) -> Option<&str> {
    header(request, CLIENT_HEADER)
}

/// A sign-in attempt succeeded: it no longer counts. Best effort — when the database
/// cannot say so now, the attempt stays counted as a failure, which only errs on the side
/// of caution.
async fn succeeded(state: &AppState, attempt: Attempt) {
    if let Err(error) = state.attempts.succeeded(attempt).await {
        tracing::warn!(%error, "a successful sign-in still counts as a failed attempt");
    }
}

/// 429 `too_many_attempts`, with the real wait in `Retry-After` (the platform's 429 says 10).
fn too_many_attempts(refused: TooManyAttempts, message: &str) -> HttpResponse {
    let mut response = Error::refused(
        StatusCode::TOO_MANY_REQUESTS,
        codes::TOO_MANY_ATTEMPTS,
        None,
        message,
    )
    .error_response();
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(refused.retry_after_seconds));
    response
}
