//! The two cookies of a signed-in shopper, both written with `platform::cookie` (HttpOnly,
//! `SameSite=Lax`, `Secure` and name-prefixed over HTTPS):
//!
//! - [`SESSION`] (`account_session`, `Path=/api/account/`; over HTTPS
//!   `__Secure-account_session`): the session's secret, kept as long as the session lives.
//!   Only this BFF reads it, and only to hand it to account-service in a header — so the
//!   browser sends it nowhere else.
//! - [`identity::IDENTITY`] (`identity`, `Path=/`; over HTTPS `__Host-identity`): the
//!   identity token, kept as long as the token is valid (at most
//!   [`identity::TOKEN_LIFETIME`]). The other BFFs read it; this one renews it
//!   ([`identity_needs_renewal`]).
//!
//! Before, the session cookie was `session` with `Path=/`, sent to every BFF. A browser may
//! hold one for up to 30 days: it is still read (when there is no new one), and the answer
//! keeps that session under the new cookie and clears the old one
//! ([`migrate_legacy_cookies`]). The new cookie has a new name because a browser never says
//! which path a cookie was set for: only the name tells an old one from a new one.

use account_service_api::ExposeSecret;
use account_service_api::{IdentityToken, SessionState};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use identity::{Verifier, IDENTITY, IDENTITY_COOKIE, TOKEN_LIFETIME};
use platform::cookie::{self, ShopCookie};

/// Where account-bff answers: every path of `account_api` starts with it.
pub const API_PATH: &str = "/api/account/";

/// The plain name of the cookie that holds the session's secret.
pub const SESSION_COOKIE: &str = "account_session";
/// The cookie that holds the session's secret, sent only to this BFF.
pub const SESSION: ShopCookie = ShopCookie::under(API_PATH, SESSION_COOKIE);
/// The session cookie as it was until it was scoped to [`API_PATH`]: `session`, `Path=/`.
pub const LEGACY_SESSION_COOKIE: &str = "session";

/// An identity token that runs out sooner than this is replaced: half its lifetime, so a
/// shopper whose pages ask `/me` now and then never shows another BFF an expired one.
pub const RENEW_WITHIN_SECONDS: i64 = 150;

/// Whether `secret` can be a session secret (base64url, at most 128 characters), so
/// nothing odd reaches a header.
fn plausible(secret: &&str) -> bool {
    !secret.is_empty()
        && secret.len() <= 128
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The session secret the request's cookie holds — the [`SESSION`] cookie, or else a
/// [`LEGACY_SESSION_COOKIE`]. A value that cannot be a secret counts as none.
pub fn session_secret(request: &HttpRequest) -> Option<&str> {
    found_session(request).map(|(secret, _)| secret)
}

/// The session secret and whether it came from the legacy cookie.
fn found_session(request: &HttpRequest) -> Option<(&str, bool)> {
    if let Some(secret) = SESSION.read(request) {
        return Some(secret).filter(plausible).map(|secret| (secret, false));
    }
    cookie::read(request, LEGACY_SESSION_COOKIE)
        .filter(plausible)
        .map(|secret| (secret, true))
}

/// Whether the request carries any of the shopper's cookies (so a guest's answer has any
/// to clear).
pub fn has_any(request: &HttpRequest) -> bool {
    SESSION.read(request).is_some()
        || IDENTITY.read(request).is_some()
        || cookie::read(request, LEGACY_SESSION_COOKIE).is_some()
}

/// Keeps the session's secret until the session expires.
pub fn keep_session(
    response: &mut HttpResponse,
    request: &HttpRequest,
    secret: &str,
    expires_at: i64,
    now: i64,
) {
    SESSION.set(response, request, secret, seconds_until(expires_at, now));
}

/// Keeps the identity token until it expires (never longer than a token may live).
pub fn keep_identity(
    response: &mut HttpResponse,
    request: &HttpRequest,
    token: &IdentityToken,
    now: i64,
) {
    let max_age = seconds_until(token.expires_at, now).min(TOKEN_LIFETIME.as_secs());
    IDENTITY.set(response, request, token.token.expose_secret(), max_age);
}

/// Makes the browser forget both cookies.
pub fn forget(response: &mut HttpResponse, request: &HttpRequest) {
    SESSION.clear(response, request);
    IDENTITY.clear(response, request);
}

/// Whether the browser's identity cookie must be replaced by the live session's token:
/// it is missing or not valid (forged, altered, expired, another key), it names another
/// user or another session, or it runs out within [`RENEW_WITHIN_SECONDS`].
pub fn identity_needs_renewal(
    verifier: &Verifier,
    request: &HttpRequest,
    session: &SessionState,
    now: i64,
) -> bool {
    match verifier.identify(request) {
        Some(identity) => {
            identity.user_id != session.user.id
                || identity.session != session.handle
                || identity.expires_at - now < RENEW_WITHIN_SECONDS
        }
        None => true,
    }
}

/// A live session found through the legacy cookie: its answer keeps it under [`SESSION`].
#[derive(Clone)]
struct LegacySession {
    secret: String,
    expires_at: i64,
}

/// Notes, for [`migrate_legacy_cookies`], that `request` named the live `session` with the
/// legacy cookie only.
pub fn found_live(request: &HttpRequest, session: &SessionState) {
    if let Some((secret, true)) = found_session(request) {
        let legacy = LegacySession {
            secret: secret.to_owned(),
            expires_at: session.session_expires_at,
        };
        request.extensions_mut().insert(legacy);
    }
}

/// Wraps every route: moves a legacy session cookie. When the request named a live session
/// with it alone, the answer keeps that session under [`SESSION`] (unless it sets the
/// session cookie itself) and clears the legacy one; when the answer sets or clears the
/// session cookie anyway (signed in anew, signed out, a session that is over), the legacy
/// one goes too. Any other answer — account-service unreachable, a failed sign-in, a health
/// check — leaves it alone, so nobody is signed out by a migration. Over HTTPS, an identity
/// cookie under its plain name (set before it was `__Host-` prefixed, and no longer read
/// there) is cleared.
pub async fn migrate_legacy_cookies(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let mut response = next.call(request).await?.map_into_boxed_body();
    let request = response.request().clone();
    if cookie::read(&request, LEGACY_SESSION_COOKIE).is_some() {
        let sets_session = cookie::sets(response.response(), &SESSION.name_for(&request));
        let live = request.extensions().get::<LegacySession>().cloned();
        if let (Some(live), false) = (&live, sets_session) {
            keep_session(
                response.response_mut(),
                &request,
                &live.secret,
                live.expires_at,
                identity::now(),
            );
        }
        if live.is_some() || sets_session {
            cookie::clear_named(
                response.response_mut(),
                &request,
                LEGACY_SESSION_COOKIE,
                "/",
            );
        }
    }
    if cookie::is_https(&request) && cookie::read(&request, IDENTITY_COOKIE).is_some() {
        cookie::clear_named(response.response_mut(), &request, IDENTITY_COOKIE, "/");
    }
    Ok(response)
}

fn seconds_until(expires_at: i64, now: i64) -> u64 {
    u64::try_from(expires_at.saturating_sub(now)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header;
    use actix_web::test::TestRequest;

    fn request(cookie: &str) -> HttpRequest {
        TestRequest::default()
            .insert_header((header::COOKIE, cookie))
            .to_http_request()
    }

    fn set_cookies(response: &HttpResponse) -> Vec<String> {
        response
            .headers()
            .get_all(header::SET_COOKIE)
            .map(|value| value.to_str().unwrap().to_owned())
            .collect()
    }

    fn over_https(cookie: &str) -> HttpRequest {
        TestRequest::default()
            .insert_header((header::COOKIE, cookie))
            .insert_header(("x-forwarded-proto", "https"))
            .to_http_request()
    }

    #[test]
    fn only_a_plausible_secret_is_read() {
        let secret = "Ab3_-".repeat(8);
        assert_eq!(
            session_secret(&request(&format!("account_session={secret}"))),
            Some(secret.as_str())
        );
        for bad in [
            "account_session=".to_owned(),
            "account_session=a b".to_owned(),
            "account_session=a%0d%0aX".to_owned(),
            format!("account_session={}", "a".repeat(129)),
            "identity=abc".to_owned(),
            "session=a b".to_owned(),
        ] {
            assert_eq!(session_secret(&request(&bad)), None, "{bad}");
        }
    }

    #[test]
    fn the_legacy_session_cookie_is_read_only_when_there_is_no_new_one() {
        assert_eq!(session_secret(&request("session=old")), Some("old"));
        assert_eq!(
            session_secret(&request("session=old; account_session=new")),
            Some("new")
        );
        assert_eq!(session_secret(&over_https("session=old")), Some("old"));
        assert!(has_any(&request("session=old")));
        // A bad new cookie is not made good by an old one.
        assert_eq!(
            session_secret(&request("account_session=a b; session=old")),
            None
        );
    }

    #[test]
    fn over_https_the_session_is_secure_prefixed_and_the_identity_host_prefixed() {
        let secret = "Ab3_-".repeat(8);
        let request = over_https(&format!("__Secure-account_session={secret}; session=x"));
        assert_eq!(session_secret(&request), Some(secret.as_str()));
        assert_eq!(
            session_secret(&over_https(&format!("account_session={secret}"))),
            None,
            "the plain name is not ours over HTTPS"
        );
        let mut response = HttpResponse::Ok().finish();
        keep_session(&mut response, &request, "s3cret", 1_000 + 86_400, 1_000);
        let token = IdentityToken {
            token: "a.b.c".into(),
            expires_at: 1_000 + 290,
        };
        keep_identity(&mut response, &request, &token, 1_000);
        assert_eq!(
            set_cookies(&response),
            [
                "__Secure-account_session=s3cret; Path=/api/account/; Max-Age=86400; HttpOnly; SameSite=Lax; Secure",
                "__Host-identity=a.b.c; Path=/; Max-Age=290; HttpOnly; SameSite=Lax; Secure",
            ]
        );
    }

    #[test]
    fn the_session_is_sent_only_to_this_bff() {
        for path in [
            account_api::ME_PATH,
            account_api::SIGN_IN_PATH,
            account_api::SIGN_UP_PATH,
            account_api::SIGN_OUT_PATH,
            account_api::SIGN_OUT_EVERYWHERE_PATH,
            account_api::PROFILE_PATH,
            account_api::ADDRESSES_PATH,
            account_api::HEALTH_PATH,
        ] {
            assert!(path.starts_with(API_PATH), "{path}");
        }
        assert_eq!(SESSION.path(), "/api/account/");
    }

    #[test]
    fn cookies_live_as_long_as_what_they_hold() {
        let request = TestRequest::default().to_http_request();
        let mut response = HttpResponse::Ok().finish();
        keep_session(&mut response, &request, "s3cret", 1_000 + 86_400, 1_000);
        let token = IdentityToken {
            token: "a.b.c".into(),
            expires_at: 1_000 + 290,
        };
        keep_identity(&mut response, &request, &token, 1_000);
        assert_eq!(
            set_cookies(&response),
            [
                "account_session=s3cret; Path=/api/account/; Max-Age=86400; HttpOnly; SameSite=Lax",
                "identity=a.b.c; Path=/; Max-Age=290; HttpOnly; SameSite=Lax",
            ]
        );
    }

    #[test]
    fn an_identity_cookie_never_outlives_a_token_nor_goes_negative() {
        let request = TestRequest::default().to_http_request();
        let mut response = HttpResponse::Ok().finish();
        let far = IdentityToken {
            token: "t".into(),
            expires_at: 10_000,
        };
        keep_identity(&mut response, &request, &far, 0);
        let past = IdentityToken {
            token: "t".into(),
            expires_at: 0,
        };
        keep_identity(&mut response, &request, &past, 10);
        let cookies = set_cookies(&response);
        assert!(cookies[0].contains("Max-Age=300;"), "{cookies:?}");
        assert!(cookies[1].contains("Max-Age=0;"), "{cookies:?}");
    }

    fn session(user: &str, handle: &str) -> SessionState {
        SessionState {
            user: account_service_api::User {
                id: user.into(),
                email: "ada@example.com".into(),
                name: "Ada Lovelace".into(),
                created_at: "2026-03-01T10:00:00Z".into(),
                updated_at: "2026-03-01T10:00:00Z".into(),
            },
            handle: handle.into(),
            session_expires_at: identity::now() + 86_400,
            identity: IdentityToken {
                token: String::new().into(),
                expires_at: 0,
            },
        }
    }

    #[test]
    fn the_identity_cookie_is_renewed_unless_it_is_good_for_a_while() {
        let pair = identity::KeyPair::generate().unwrap();
        let signer = identity::Signer::from_private_pem(&pair.private_pem).unwrap();
        let verifier = Verifier::from_public_pem(&pair.public_pem).unwrap();
        let now = identity::now();
        let live = session("u1", "h1");
        let with = |token: String| request(&format!("identity={token}"));
        let fresh = signer.sign("u1", "h1", "Ada", now).unwrap();
        assert!(!identity_needs_renewal(
            &verifier,
            &with(fresh.clone()),
            &live,
            now
        ));

        let mut tampered = fresh.into_bytes();
        let middle = tampered.len() / 2;
        tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
        let (foreign, _) = {
            let other = identity::KeyPair::generate().unwrap();
            let signer = identity::Signer::from_private_pem(&other.private_pem).unwrap();
            (signer.sign("u1", "h1", "Ada", now).unwrap(), ())
        };
        for (why, request) in [
            ("missing", TestRequest::default().to_http_request()),
            ("tampered", with(String::from_utf8(tampered).unwrap())),
            ("another key", with(foreign)),
            (
                "another user",
                with(signer.sign("u2", "h1", "Bob", now).unwrap()),
            ),
            (
                "another session",
                with(signer.sign("u1", "h0", "Ada", now).unwrap()),
            ),
            // Signed 151 s ago: it runs out in 149 s.
            (
                "running out",
                with(signer.sign("u1", "h1", "Ada", now - 151).unwrap()),
            ),
            (
                "expired",
                with(signer.sign("u1", "h1", "Ada", now - 400).unwrap()),
            ),
        ] {
            assert!(
                identity_needs_renewal(&verifier, &request, &live, now),
                "{why}"
            );
        }
        let aging = signer.sign("u1", "h1", "Ada", now - 149).unwrap();
        assert!(!identity_needs_renewal(&verifier, &with(aging), &live, now));
    }

    #[test]
    fn forgetting_clears_both() {
        let request = TestRequest::default().to_http_request();
        let mut response = HttpResponse::Ok().finish();
        forget(&mut response, &request);
        assert_eq!(
            set_cookies(&response),
            [
                "account_session=; Path=/api/account/; Max-Age=0; HttpOnly; SameSite=Lax",
                "identity=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax",
            ]
        );
    }
}
