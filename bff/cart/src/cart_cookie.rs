//! The guest cart's cookie: `cart_id`, holding the id cart-service gave the cart.
//!
//! HttpOnly (page code never reads it), `SameSite=Lax`, `Path=/`, kept 30 days, and
//! `Secure` when the shopper reached the shop over HTTPS. Written by hand rather than with
//! actix-web's `cookies` feature: one cookie with a value that is a safe key by
//! construction needs no escaping, and the feature would change actix-web for every
//! server in the workspace.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

/// The cookie's name.
pub const NAME: &str = "cart_id";
/// How long a browser keeps a guest cart: 30 days.
pub const MAX_AGE_SECONDS: u64 = 30 * 24 * 60 * 60;

/// A cart id as cart-service hands it out (1 to 64 of `[A-Za-z0-9_-]`), so it is safe in
/// a cookie and in a service path. Only [`CartId::parse`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartId(String);

impl CartId {
    /// `None` for anything that is not a valid cart id.
    pub fn parse(text: &str) -> Option<Self> {
        cart_service_api::is_valid_key(text).then(|| Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The cart the request's cookie names. A malformed value counts as no cart at all.
pub fn read(request: &HttpRequest) -> Option<CartId> {
    let value = request
        .headers()
        .get_all(header::COOKIE)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(name, value)| (name.trim() == NAME).then_some(value.trim()))?;
    CartId::parse(value)
}

/// The `Set-Cookie` value that names `cart` for the next 30 days.
pub fn set_cookie_value(cart: &CartId, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{NAME}={}; Path=/; Max-Age={MAX_AGE_SECONDS}; HttpOnly; SameSite=Lax{secure}",
        cart.0
    )
}

/// Adds the cookie naming `cart` to `response`, `Secure` when `request` came over HTTPS
/// (nginx says so with `X-Forwarded-Proto: https`; actix reads that, `Forwarded` and the
/// connection's own scheme).
pub fn set(response: &mut HttpResponse, request: &HttpRequest, cart: &CartId) {
    let secure = request.connection_info().scheme() == "https";
    // A valid cart id is always a valid header value.
    if let Ok(value) = HeaderValue::from_str(&set_cookie_value(cart, secure)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn cart_of(cookie: &str) -> Option<CartId> {
        read(
            &TestRequest::default()
                .insert_header((header::COOKIE, cookie))
                .to_http_request(),
        )
    }

    #[test]
    fn the_cart_is_found_among_other_cookies() {
        assert_eq!(
            cart_of("theme=dark; cart_id=c-123_x; lang=en"),
            CartId::parse("c-123_x")
        );
        assert_eq!(cart_of("cart_id=abc"), CartId::parse("abc"));
    }

    #[test]
    fn a_malformed_or_missing_cart_id_is_no_cart() {
        assert_eq!(cart_of("theme=dark"), None);
        assert_eq!(cart_of("cart_id="), None);
        assert_eq!(cart_of("cart_id=../orders"), None);
        assert_eq!(cart_of("cart_id=a%20b"), None);
        assert_eq!(cart_of(&format!("cart_id={}", "a".repeat(65))), None);
        assert_eq!(cart_of("not_cart_id=abc"), None);
    }

    #[test]
    fn the_cookie_is_http_only_lax_and_site_wide() {
        let cart = CartId::parse("abc").unwrap();
        assert_eq!(
            set_cookie_value(&cart, false),
            "cart_id=abc; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax"
        );
        assert!(set_cookie_value(&cart, true).ends_with("; Secure"));
    }
}
