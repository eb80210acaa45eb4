//! The shop's cookies, read and written the same way by every BFF.
//!
//! Every cookie the shop sets is `HttpOnly` (page code never reads it), `SameSite=Lax`, and
//! `Secure` when the shopper reached the shop over HTTPS (nginx says so with
//! `X-Forwarded-Proto: https`). A [`ShopCookie`] is sent either with every request to the
//! shop ([`ShopCookie::site_wide`], `Path=/`: the identity token every BFF reads, the guest
//! cart) or only under one BFF's path ([`ShopCookie::under`]: the session, which only
//! account-bff reads).
//!
//! Over HTTPS a cookie carries the strongest name prefix its path allows, which the browser
//! enforces: `__Host-` for a site-wide cookie (only this host, over HTTPS, `Path=/`, no
//! `Domain` — so neither a sibling subdomain nor a plain-HTTP answer can set or shadow it)
//! and `__Secure-` for a cookie under a path (only over HTTPS). Over plain HTTP (local runs)
//! browsers refuse both prefixes, so the plain name is used. A BFF reads the name that fits
//! the request it answers: the prefixed one on HTTPS, the plain one otherwise — a plain-named
//! cookie sent over HTTPS is ignored, as anyone could have set it.
//!
//! Values are safe tokens by construction (ids, base64url, JWTs), so nothing needs
//! escaping. Written by hand rather than with actix-web's `cookies` feature, which would
//! change actix-web for every server in the workspace.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use std::borrow::Cow;

/// A cookie of the shop: its plain name and the path it is sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShopCookie {
    name: &'static str,
    path: &'static str,
}

impl ShopCookie {
    /// A cookie sent with every request to the shop (`Path=/`); `__Host-<name>` over HTTPS.
    pub const fn site_wide(name: &'static str) -> Self {
        Self { name, path: "/" }
    }

    /// A cookie sent only to paths under `path` (which ends with `/`, e.g.
    /// `/api/account/`); `__Secure-<name>` over HTTPS.
    pub const fn under(path: &'static str, name: &'static str) -> Self {
        Self { name, path }
    }

    /// The name without any prefix (what it is called over plain HTTP).
    pub const fn plain_name(&self) -> &'static str {
        self.name
    }

    /// The path the browser sends it to.
    pub const fn path(&self) -> &'static str {
        self.path
    }

    /// Its name over HTTPS (`https`) or plain HTTP.
    pub fn name(&self, https: bool) -> Cow<'static, str> {
        match (https, self.path == "/") {
            (false, _) => Cow::Borrowed(self.name),
            (true, true) => Cow::Owned(format!("__Host-{}", self.name)),
            (true, false) => Cow::Owned(format!("__Secure-{}", self.name)),
        }
    }

    /// Its name for the answer to `request`.
    pub fn name_for(&self, request: &HttpRequest) -> Cow<'static, str> {
        self.name(is_https(request))
    }

    /// Its value in `request`, under the name that fits the request (see the module).
    pub fn read<'r>(&self, request: &'r HttpRequest) -> Option<&'r str> {
        read(request, &self.name_for(request))
    }

    /// The `Set-Cookie` value that keeps it at `value` for `max_age_seconds`.
    pub fn set_cookie_value(&self, value: &str, max_age_seconds: u64, https: bool) -> String {
        set_cookie_value(&self.name(https), self.path, value, max_age_seconds, https)
    }

    /// Adds `Set-Cookie` keeping it at `value` for `max_age_seconds` to `response`. A value
    /// that cannot be a header value (never one of the shop's) is left out.
    pub fn set(
        &self,
        response: &mut HttpResponse,
        request: &HttpRequest,
        value: &str,
        max_age_seconds: u64,
    ) {
        append(
            response,
            &self.set_cookie_value(value, max_age_seconds, is_https(request)),
        );
    }

    /// Adds the `Set-Cookie` that makes the browser forget it.
    pub fn clear(&self, response: &mut HttpResponse, request: &HttpRequest) {
        self.set(response, request, "", 0);
    }
}

/// The value of the request's cookie named exactly `name`, if it has one (the first, if
/// several).
pub fn read<'r>(request: &'r HttpRequest, name: &str) -> Option<&'r str> {
    request
        .headers()
        .get_all(header::COOKIE)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(key, value)| (key.trim() == name).then_some(value.trim()))
}

/// The `Set-Cookie` value that keeps `name=value` under `path` for `max_age_seconds`.
pub fn set_cookie_value(
    name: &str,
    path: &str,
    value: &str,
    max_age_seconds: u64,
    secure: bool,
) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{name}={value}; Path={path}; Max-Age={max_age_seconds}; HttpOnly; SameSite=Lax{secure}"
    )
}

/// Adds the `Set-Cookie` that makes the browser forget the cookie `name` it keeps for
/// `path` — for a cookie the shop no longer sets under that name and path (a migration).
pub fn clear_named(response: &mut HttpResponse, request: &HttpRequest, name: &str, path: &str) {
    append(
        response,
        &set_cookie_value(name, path, "", 0, is_https(request)),
    );
}

/// Whether `request` reached the shop over HTTPS (so its cookies must be `Secure`).
pub fn is_https(request: &HttpRequest) -> bool {
    request.connection_info().scheme() == "https"
}

/// Whether `response` sets (or clears) a cookie named exactly `name`.
pub fn sets(response: &HttpResponse, name: &str) -> bool {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .filter_map(|value| value.to_str().ok())
        .any(|cookie| {
            cookie
                .split_once('=')
                .is_some_and(|(key, _)| key.trim() == name)
        })
}

fn append(response: &mut HttpResponse, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    const CART: ShopCookie = ShopCookie::site_wide("cart_id");
    const SESSION: ShopCookie = ShopCookie::under("/api/account/", "account_session");

    fn request(cookie: &str) -> HttpRequest {
        TestRequest::default()
            .insert_header((header::COOKIE, cookie))
            .to_http_request()
    }

    fn over_https(cookie: &str) -> HttpRequest {
        TestRequest::default()
            .insert_header((header::COOKIE, cookie))
            .insert_header(("x-forwarded-proto", "https"))
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
    fn a_cookie_is_found_among_others() {
        let request = request("theme=dark; cart_id=c-1 ; lang=en");
        assert_eq!(read(&request, "cart_id"), Some("c-1"));
        assert_eq!(read(&request, "lang"), Some("en"));
        assert_eq!(read(&request, "cart"), None);
        assert_eq!(read(&request, "art_id"), None);
        assert_eq!(CART.read(&request), Some("c-1"));
    }

    #[test]
    fn cookies_are_http_only_lax_and_sent_where_they_are_needed() {
        assert_eq!(
            CART.set_cookie_value("b", 60, false),
            "cart_id=b; Path=/; Max-Age=60; HttpOnly; SameSite=Lax"
        );
        assert_eq!(
            SESSION.set_cookie_value("s", 60, false),
            "account_session=s; Path=/api/account/; Max-Age=60; HttpOnly; SameSite=Lax"
        );
    }

    #[test]
    fn over_https_a_site_wide_cookie_is_host_prefixed_and_a_scoped_one_secure_prefixed() {
        assert_eq!(
            CART.set_cookie_value("b", 60, true),
            "__Host-cart_id=b; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure"
        );
        assert_eq!(
            SESSION.set_cookie_value("s", 60, true),
            "__Secure-account_session=s; Path=/api/account/; Max-Age=60; HttpOnly; SameSite=Lax; Secure"
        );
        let mut response = HttpResponse::Ok().finish();
        CART.set(&mut response, &over_https(""), "c-1", 60);
        assert!(set_cookies(&response)[0].starts_with("__Host-cart_id=c-1; Path=/;"));
    }

    #[test]
    fn over_https_only_the_prefixed_name_is_read_and_over_http_only_the_plain_one() {
        let both = "cart_id=planted; __Host-cart_id=mine";
        assert_eq!(CART.read(&over_https(both)), Some("mine"));
        assert_eq!(CART.read(&request(both)), Some("planted"));
        assert_eq!(CART.read(&over_https("cart_id=planted")), None);
        assert_eq!(CART.read(&request("__Host-cart_id=mine")), None);
        assert_eq!(
            SESSION.read(&over_https("__Secure-account_session=s")),
            Some("s")
        );
        assert_eq!(SESSION.read(&over_https("account_session=s")), None);
    }

    #[test]
    fn clearing_expires_the_cookie_at_once_under_its_name_and_path() {
        let mut response = HttpResponse::Ok().finish();
        CART.clear(&mut response, &request(""));
        SESSION.clear(&mut response, &over_https(""));
        clear_named(&mut response, &request(""), "session", "/");
        assert_eq!(
            set_cookies(&response),
            [
                "cart_id=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax",
                "__Secure-account_session=; Path=/api/account/; Max-Age=0; HttpOnly; SameSite=Lax; Secure",
                "session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax",
            ]
        );
        assert!(sets(&response, "session"));
        assert!(sets(&response, "cart_id"));
        assert!(!sets(&response, "account_session"));
    }
}
