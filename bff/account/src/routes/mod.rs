//! `/api/account/...`, as listed in `account_api`'s paths.
//!
//! Every answer is about one shopper (or says there is none), so every answer carries
//! `Cache-Control: no-store`: no cache between the browser and here may keep one.

mod addresses;
mod fragments;
mod me;
mod profile;
mod sessions;

use crate::cookies;
use crate::startup::State;
use account_api::{codes, FieldError, ADDRESSES_PATH};
use account_service_api::{paths, SessionState, SESSION_HEADER};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::{from_fn, DefaultHeaders};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use platform::upstream::HttpMethod;
use platform::{Error, Result};

pub fn configure(config: &mut web::ServiceConfig) {
    config.service(
        web::scope("")
            .wrap(DefaultHeaders::new().add((header::CACHE_CONTROL, "no-store")))
            .wrap(from_fn(cookies::migrate_legacy_cookies))
            .route(
                account_api::HEALTH_PATH,
                web::get().to(platform::server::healthz),
            )
            .route("/api/account/readyz", web::get().to(readyz))
            .route(
                "/api/account/fragments/menu",
                web::get().to(fragments::menu),
            )
            .route(
                "/api/account/fragments/page/{path:.*}",
                web::get().to(fragments::page),
            )
            .route(account_api::ME_PATH, web::get().to(me::me))
            .route(account_api::SIGN_UP_PATH, web::post().to(sessions::sign_up))
            .route(account_api::SIGN_IN_PATH, web::post().to(sessions::sign_in))
            .route(
                account_api::SIGN_OUT_PATH,
                web::post().to(sessions::sign_out),
            )
            .route(
                account_api::SIGN_OUT_EVERYWHERE_PATH,
                web::post().to(sessions::sign_out_everywhere),
            )
            .service(
                web::resource(account_api::PROFILE_PATH)
                    .route(web::get().to(profile::view))
                    .route(web::patch().to(profile::update)),
            )
            .service(
                web::resource(ADDRESSES_PATH)
                    .route(web::get().to(addresses::list))
                    .route(web::post().to(addresses::add)),
            )
            .service(
                web::resource(format!("{ADDRESSES_PATH}/{{id}}"))
                    .route(web::put().to(addresses::replace))
                    .route(web::delete().to(addresses::remove)),
            )
            .route(
                &format!("{ADDRESSES_PATH}/{{id}}/default"),
                web::post().to(addresses::make_default),
            ),
    );
}

/// Ready when account-service is.
async fn readyz(state: web::Data<State>) -> HttpResponse {
    // A public answer: it names the service, never its internal address.
    let problem = (!state.account.is_healthy("/readyz").await)
        .then(|| "account-service is not ready".to_owned());
    platform::server::readiness(problem)
}

/// A session account-service says is alive, with the secret that names it.
pub(crate) struct Session {
    pub secret: String,
    pub state: SessionState,
}

/// The live session the request's cookie names, or `None` for a guest: no cookie, or a
/// session that expired or was revoked. An account-service that cannot say is an error
/// (503): not knowing is not the same as signed out.
pub(crate) async fn live_session(request: &HttpRequest, state: &State) -> Result<Option<Session>> {
    let Some(secret) = cookies::session_secret(request) else {
        return Ok(None);
    };
    let found = state
        .account
        .call(HttpMethod::GET, paths::SESSION)
        .header(SESSION_HEADER, secret)
        .send::<SessionState>()
        .await;
    match found {
        Ok(session) => {
            cookies::found_live(request, &session);
            Ok(Some(Session {
                secret: secret.to_owned(),
                state: session,
            }))
        }
        Err(Error::Upstream { status, .. }) if status == StatusCode::UNAUTHORIZED => Ok(None),
        Err(error) => Err(error),
    }
}

/// The answer to a page that needs a signed-in shopper when there is none: 401
/// `signed_out`, and the browser forgets whatever cookies it still had.
pub(crate) fn signed_out(request: &HttpRequest) -> HttpResponse {
    let mut response = Error::refused(
        StatusCode::UNAUTHORIZED,
        codes::SIGNED_OUT,
        None,
        "You are signed out. Please sign in again.",
    )
    .error_response();
    cookies::forget(&mut response, request);
    response
}

/// A signed-in shopper's answer: `body` with `status`, and a new identity cookie when the
/// browser's one needs renewing.
pub(crate) fn for_shopper<T: serde::Serialize>(
    request: &HttpRequest,
    state: &State,
    session: &SessionState,
    status: StatusCode,
    body: &T,
) -> HttpResponse {
    let mut response = HttpResponse::build(status).json(body);
    let now = identity::now();
    if cookies::identity_needs_renewal(&state.verifier, request, session, now) {
        cookies::keep_identity(&mut response, request, &session.identity, now);
    }
    response
}

/// A form's problems, by `account-api`'s rules, as a 422 naming each field; nothing is
/// sent to account-service then.
pub(crate) fn refuse(problems: Vec<FieldError>) -> Result<()> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::InvalidFields(problems))
    }
}
