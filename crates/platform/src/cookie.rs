//! The shop's cookies, read and written the same way by every BFF.
//!
//! Every cookie the shop sets is `HttpOnly` (page code never reads it), `SameSite=Lax`,
//! `Path=/`, and `Secure` when the shopper reached the shop over HTTPS (nginx says so with
//! `X-Forwarded-Proto: https`). Values are safe tokens by construction (ids, base64url,
//! JWTs), so nothing needs escaping. Written by hand rather than with actix-web's
//! `cookies` feature, which would change actix-web for every server in the workspace.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

/// The value of the request's cookie `name`, if it has one (the first, if several).
pub fn read<'r>(request: &'r HttpRequest, name: &str) -> Option<&'r str> {
    request
        .headers()
        .get_all(header::COOKIE)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(key, value)| (key.trim() == name).then_some(value.trim()))
}

/// The `Set-Cookie` value that keeps `name=value` for `max_age_seconds`.
pub fn set_cookie_value(name: &str, value: &str, max_age_seconds: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; Max-Age={max_age_seconds}; HttpOnly; SameSite=Lax{secure}")
}

/// Whether `request` reached the shop over HTTPS (so its cookies must be `Secure`).
pub fn is_https(request: &HttpRequest) -> bool {
    request.connection_info().scheme() == "https"
}

/// Adds `Set-Cookie: name=value` (see [`set_cookie_value`]) to `response`. A value that
/// cannot be a header value (never one of the shop's) is left out.
pub fn set(
    response: &mut HttpResponse,
    request: &HttpRequest,
    name: &str,
    value: &str,
    max_age_seconds: u64,
) {
    let cookie = set_cookie_value(name, value, max_age_seconds, is_https(request));
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// Adds the `Set-Cookie` that makes the browser forget cookie `name`.
pub fn clear(response: &mut HttpResponse, request: &HttpRequest, name: &str) {
    set(response, request, name, "", 0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn request(cookie: &str) -> HttpRequest {
        TestRequest::default()
            .insert_header((header::COOKIE, cookie))
            .to_http_request()
    }

    #[test]
    fn a_cookie_is_found_among_others() {
        let request = request("theme=dark; cart_id=c-1 ; lang=en");
        assert_eq!(read(&request, "cart_id"), Some("c-1"));
        assert_eq!(read(&request, "lang"), Some("en"));
        assert_eq!(read(&request, "cart"), None);
        assert_eq!(read(&request, "art_id"), None);
    }

    #[test]
    fn cookies_are_http_only_lax_and_site_wide() {
        assert_eq!(
            set_cookie_value("a", "b", 60, false),
            "a=b; Path=/; Max-Age=60; HttpOnly; SameSite=Lax"
        );
        assert!(set_cookie_value("a", "b", 60, true).ends_with("; HttpOnly; SameSite=Lax; Secure"));
    }

    #[test]
    fn clearing_expires_the_cookie_at_once() {
        let request = TestRequest::default().to_http_request();
        let mut response = HttpResponse::Ok().finish();
        clear(&mut response, &request, "session");
        let header = response.headers().get(header::SET_COOKIE).unwrap();
        assert_eq!(
            header.to_str().unwrap(),
            "session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
        );
    }
}
