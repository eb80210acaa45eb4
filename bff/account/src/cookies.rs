//! The two cookies of a signed-in shopper, both written with `platform::cookie` (HttpOnly,
//! `SameSite=Lax`, `Path=/`, `Secure` over HTTPS):
//!
//! - [`SESSION_COOKIE`]: the session's secret, kept as long as the session lives. Only this
//!   BFF reads it, and only to hand it to account-service in a header.
//! - [`IDENTITY_COOKIE`]: the identity token, kept as long as the token is valid (at most
//!   [`identity::TOKEN_LIFETIME`]). The other BFFs read it; this one renews it
//!   ([`identity_needs_renewal`]).

use account_service_api::{IdentityToken, SessionState};
use actix_web::{HttpRequest, HttpResponse};
use identity::{Verifier, IDENTITY_COOKIE, TOKEN_LIFETIME};
use platform::cookie;

/// The cookie that holds the session's secret.
pub const SESSION_COOKIE: &str = "session";

/// An identity token that runs out sooner than this is replaced: half its lifetime, so a
/// shopper whose pages ask `/me` now and then never shows another BFF an expired one.
pub const RENEW_WITHIN_SECONDS: i64 = 150;

/// The session secret the request's cookie holds. A value that cannot be a secret
/// (base64url, at most 128 characters) counts as none, so nothing odd reaches a header.
pub fn session_secret(request: &HttpRequest) -> Option<&str> {
    cookie::read(request, SESSION_COOKIE).filter(|secret| {
        !secret.is_empty()
            && secret.len() <= 128
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// Whether the request carries either cookie (so a guest's answer has any to clear).
pub fn has_any(request: &HttpRequest) -> bool {
    cookie::read(request, SESSION_COOKIE).is_some()
        || cookie::read(request, IDENTITY_COOKIE).is_some()
}

/// Keeps the session's secret until the session expires.
pub fn keep_session(
    response: &mut HttpResponse,
    request: &HttpRequest,
    secret: &str,
    expires_at: i64,
    now: i64,
) {
    cookie::set(
        response,
        request,
        SESSION_COOKIE,
        secret,
        seconds_until(expires_at, now),
    );
}

/// Keeps the identity token until it expires (never longer than a token may live).
pub fn keep_identity(
    response: &mut HttpResponse,
    request: &HttpRequest,
    token: &IdentityToken,
    now: i64,
) {
    let max_age = seconds_until(token.expires_at, now).min(TOKEN_LIFETIME.as_secs());
    cookie::set(response, request, IDENTITY_COOKIE, &token.token, max_age);
}

/// Makes the browser forget both cookies.
pub fn forget(response: &mut HttpResponse, request: &HttpRequest) {
    cookie::clear(response, request, SESSION_COOKIE);
    cookie::clear(response, request, IDENTITY_COOKIE);
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

    #[test]
    fn only_a_plausible_secret_is_read() {
        let secret = "Ab3_-".repeat(8);
        assert_eq!(
            session_secret(&request(&format!("session={secret}"))),
            Some(secret.as_str())
        );
        for bad in [
            "session=".to_owned(),
            "session=a b".to_owned(),
            "session=a%0d%0aX".to_owned(),
            format!("session={}", "a".repeat(129)),
            "identity=abc".to_owned(),
        ] {
            assert_eq!(session_secret(&request(&bad)), None, "{bad}");
        }
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
                "session=s3cret; Path=/; Max-Age=86400; HttpOnly; SameSite=Lax",
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
                token: String::new(),
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
                "session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax",
                "identity=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax",
            ]
        );
    }
}
