//! Signing up, in and out. A sign-in always starts a new session — the secret the browser
//! held before is revoked and replaced, so a secret planted in a browser (session
//! fixation) never becomes a signed-in one.

use super::{live_session, refuse, signed_out};
use crate::{cookies, presenter, startup::State};
use account_api::{codes, ErrorBody, Me, SignInForm, SignUpForm};
use account_service_api::{
    paths, Credentials, ExposeSecret, NewUser, SignedIn, ATTEMPT_WINDOW_SECONDS, CLIENT_HEADER,
    SESSION_HEADER,
};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use platform::upstream::{HttpMethod, Rejection};
use platform::{Error, Result};
use std::net::{IpAddr, SocketAddr};

/// `POST /api/account/sign-up` — makes the account and signs it in: 201 [`Me`] (also when
/// the email has an account and the password is its password: the shopper is signed in);
/// 409 `sign_up_refused` for an email that cannot be used; 429 `too_many_attempts` with
/// the service's `Retry-After`.
pub async fn sign_up(
    request: HttpRequest,
    form: web::Json<SignUpForm>,
    state: web::Data<State>,
) -> Result<HttpResponse> {
    let form = form.into_inner();
    refuse(form.problems())?;
    let new_user = NewUser {
        email: form.email.trim().to_owned(),
        name: form.name.trim().to_owned(),
        password: form.password.into(),
    };
    let answer = state
        .account
        .call(HttpMethod::POST, paths::USERS)
        .header(CLIENT_HEADER, client_address(&request))
        .json(&new_user)?
        .send_or_rejection::<SignedIn>()
        .await?;
    match answer {
        Ok(signed_in) => Ok(start_session(&request, &state, StatusCode::CREATED, signed_in).await),
        Err(rejection) if rejection.status == StatusCode::TOO_MANY_REQUESTS => {
            Ok(too_many_attempts(&rejection))
        }
        Err(rejection) => Err(rejection.into_error()),
    }
}

/// `POST /api/account/sign-in` — 200 [`Me`]; 401 `invalid_credentials` for an unknown
/// email and a wrong password alike; 429 `too_many_attempts` with the service's
/// `Retry-After`.
pub async fn sign_in(
    request: HttpRequest,
    form: web::Json<SignInForm>,
    state: web::Data<State>,
) -> Result<HttpResponse> {
    let form = form.into_inner();
    refuse(form.problems())?;
    let credentials = Credentials {
        email: form.email.trim().to_owned(),
        password: form.password.into(),
    };
    let answer = state
        .account
        .call(HttpMethod::POST, paths::SESSIONS)
        .header(CLIENT_HEADER, client_address(&request))
        .json(&credentials)?
        .send_or_rejection::<SignedIn>()
        .await?;
    match answer {
        Ok(signed_in) => Ok(start_session(&request, &state, StatusCode::OK, signed_in).await),
        Err(rejection) if rejection.status == StatusCode::TOO_MANY_REQUESTS => {
            Ok(too_many_attempts(&rejection))
        }
        Err(rejection) => Err(rejection.into_error()),
    }
}

/// `POST /api/account/sign-out` — ends this session: 200 [`Me`] of a guest, cookies
/// cleared. While account-service cannot be reached the answer is 503 and the cookies
/// stay, so that "signed out" always means the session is over and a retry can end it.
pub async fn sign_out(request: HttpRequest, state: web::Data<State>) -> Result<HttpResponse> {
    if let Some(secret) = cookies::session_secret(&request) {
        match revoke(&state, secret).await {
            Ok(()) => {}
            // Over already (expired, or revoked elsewhere).
            Err(Error::Upstream { status, .. }) if status == StatusCode::UNAUTHORIZED => {}
            Err(error) => return Err(error),
        }
    }
    Ok(guest(&request))
}

/// `POST /api/account/sign-out-everywhere` — ends every session of the shopper, this one
/// too: 200 [`Me`] of a guest; 401 `signed_out` when there is no live session to say whose.
pub async fn sign_out_everywhere(
    request: HttpRequest,
    state: web::Data<State>,
) -> Result<HttpResponse> {
    let Some(session) = live_session(&request, &state).await? else {
        return Ok(signed_out(&request));
    };
    let ended = state
        .account
        .call(HttpMethod::DELETE, paths::SESSIONS)
        .header(SESSION_HEADER, &session.secret)
        .send_empty()
        .await;
    match ended {
        Ok(()) => Ok(guest(&request)),
        Err(Error::Upstream { status, .. }) if status == StatusCode::UNAUTHORIZED => {
            Ok(signed_out(&request))
        }
        Err(error) => Err(error),
    }
}

/// The answer to a sign-up or sign-in: the new session's cookies and the shopper. The
/// session the browser held before, if any, is revoked first (best effort: it expires by
/// itself otherwise, and its cookie is replaced either way).
async fn start_session(
    request: &HttpRequest,
    state: &State,
    status: StatusCode,
    signed_in: SignedIn,
) -> HttpResponse {
    let secret = signed_in.session_secret.expose_secret();
    if let Some(previous) = cookies::session_secret(request) {
        if previous != secret {
            if let Err(error) = revoke(state, previous).await {
                tracing::info!(%error, "the previous session was not revoked; it expires by itself");
            }
        }
    }
    let now = identity::now();
    let me = Me {
        user: Some(presenter::profile(signed_in.user)),
        renewed: true,
    };
    let mut response = HttpResponse::build(status).json(me);
    cookies::keep_session(
        &mut response,
        request,
        secret,
        signed_in.session_expires_at,
        now,
    );
    cookies::keep_identity(&mut response, request, &signed_in.identity, now);
    response
}

/// Revokes the session `secret` names.
async fn revoke(state: &State, secret: &str) -> Result<()> {
    state
        .account
        .call(HttpMethod::DELETE, paths::SESSION)
        .header(SESSION_HEADER, secret)
        .send_empty()
        .await
}

/// A guest's [`Me`], the browser told to forget both cookies.
fn guest(request: &HttpRequest) -> HttpResponse {
    let mut response = HttpResponse::Ok().json(Me::default());
    cookies::forget(&mut response, request);
    response
}

/// The service's 429 (too many sign-ins, or sign-ups), passed on with its body and its
/// `Retry-After` (when the shopper may try again is the service's to say; a sign-in window
/// when it did not).
fn too_many_attempts(rejection: &Rejection) -> HttpResponse {
    let body = rejection.json::<ErrorBody>().unwrap_or_else(|| {
        ErrorBody::new(
            codes::TOO_MANY_ATTEMPTS,
            "Too many attempts to sign in. Please wait a minute and try again.",
        )
    });
    let retry_after = rejection
        .retry_after
        .as_deref()
        .and_then(|value| HeaderValue::from_str(value).ok())
        .unwrap_or_else(|| HeaderValue::from(ATTEMPT_WINDOW_SECONDS));
    HttpResponse::TooManyRequests()
        .insert_header((header::RETRY_AFTER, retry_after))
        .json(body)
}

/// The shopper's address, for account-service's per-client limits: the last
/// `X-Forwarded-For` entry — the one nginx appended, the address it saw; entries before it
/// are whatever the client sent — or else the connection's peer.
fn client_address(request: &HttpRequest) -> String {
    let forwarded = request
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .last()
        .and_then(parse_address);
    forwarded
        .or_else(|| request.peer_addr().map(|peer| peer.ip()))
        .map_or_else(|| "unknown".to_owned(), |address| address.to_string())
}

/// An IP address, with or without a port.
fn parse_address(text: &str) -> Option<IpAddr> {
    text.parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|address| address.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn address_of(request: TestRequest) -> String {
        client_address(&request.to_http_request())
    }

    #[test]
    fn the_client_is_the_address_nginx_saw() {
        let peer: SocketAddr = "10.0.0.5:50000".parse().unwrap();
        assert_eq!(
            address_of(TestRequest::default().peer_addr(peer)),
            "10.0.0.5"
        );
        let forwarded = TestRequest::default()
            .peer_addr(peer)
            .insert_header(("x-forwarded-for", "1.2.3.4, 203.0.113.9"));
        assert_eq!(address_of(forwarded), "203.0.113.9");
        let garbage = TestRequest::default()
            .peer_addr(peer)
            .insert_header(("x-forwarded-for", "not an address"));
        assert_eq!(address_of(garbage), "10.0.0.5");
        let with_port = TestRequest::default().insert_header(("x-forwarded-for", "[::1]:443"));
        assert_eq!(address_of(with_port), "::1");
    }

    #[test]
    fn a_429_keeps_the_services_retry_after() {
        let rejection = Rejection {
            status: StatusCode::TOO_MANY_REQUESTS,
            body: br#"{"error":{"code":"too_many_attempts","message":"Wait."}}"#.to_vec(),
            retry_after: Some("42".into()),
        };
        let response = too_many_attempts(&rejection);
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "42");
        let without = Rejection {
            retry_after: None,
            ..rejection
        };
        assert_eq!(
            too_many_attempts(&without)
                .headers()
                .get(header::RETRY_AFTER)
                .unwrap(),
            "60"
        );
    }
}
