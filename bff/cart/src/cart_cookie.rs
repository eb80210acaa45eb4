//! The guest cart's cookie: `cart_id`, holding the id cart-service gave the cart.
//!
//! Written and read as every shop cookie is ([`platform::cookie`]: HttpOnly, `SameSite=Lax`,
//! `Secure` over HTTPS), kept 30 days. It stays site-wide (`Path=/`): the header fragments
//! are rendered from the page request, whose cookies are only the `Path=/` ones — so over
//! HTTPS it is `__Host-cart_id`, which no sibling subdomain and no plain-HTTP answer can
//! plant (a planted guest cart would collect the shopper's order and address). A
//! signed-in shopper's cart needs no cookie — it is theirs by their identity — so the
//! cookie is forgotten once its cart is merged into theirs ([`crate::shopper`]).

use actix_web::{HttpRequest, HttpResponse};
use platform::cookie::ShopCookie;

/// The cookie's plain name (over HTTPS `__Host-cart_id`).
pub const NAME: &str = "cart_id";
/// The cookie.
pub const COOKIE: ShopCookie = ShopCookie::site_wide(NAME);
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
    COOKIE.read(request).and_then(CartId::parse)
}

/// Adds the cookie naming `cart` for the next 30 days to `response`.
pub fn set(response: &mut HttpResponse, request: &HttpRequest, cart: &CartId) {
    COOKIE.set(response, request, cart.as_str(), MAX_AGE_SECONDS);
}

/// Adds the `Set-Cookie` that makes the browser forget its guest cart.
pub fn forget(response: &mut HttpResponse, request: &HttpRequest) {
    COOKIE.clear(response, request);
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header;
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

    fn set_cookie_of(response: &HttpResponse) -> &str {
        response
            .headers()
            .get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap()
    }

    #[test]
    fn the_cookie_is_http_only_lax_site_wide_and_kept_thirty_days() {
        let cart = CartId::parse("abc").unwrap();
        let mut response = HttpResponse::Ok().finish();
        set(
            &mut response,
            &TestRequest::default().to_http_request(),
            &cart,
        );
        assert_eq!(
            set_cookie_of(&response),
            "cart_id=abc; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax"
        );
    }

    fn over_https(cookie: &str) -> HttpRequest {
        TestRequest::default()
            .insert_header(("x-forwarded-proto", "https"))
            .insert_header((header::COOKIE, cookie))
            .to_http_request()
    }

    #[test]
    fn over_https_the_cookie_is_host_prefixed_and_secure() {
        let cart = CartId::parse("abc").unwrap();
        let mut response = HttpResponse::Ok().finish();
        set(&mut response, &over_https(""), &cart);
        assert_eq!(
            set_cookie_of(&response),
            "__Host-cart_id=abc; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax; Secure"
        );
        let mut response = HttpResponse::Ok().finish();
        forget(&mut response, &over_https(""));
        assert_eq!(
            set_cookie_of(&response),
            "__Host-cart_id=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure"
        );
    }

    #[test]
    fn over_https_only_the_host_prefixed_cookie_names_a_cart() {
        assert_eq!(
            read(&over_https("__Host-cart_id=mine")),
            CartId::parse("mine")
        );
        assert_eq!(
            read(&over_https("cart_id=planted; __Host-cart_id=mine")),
            CartId::parse("mine")
        );
        assert_eq!(read(&over_https("cart_id=planted")), None);
    }

    #[test]
    fn forgetting_expires_the_cookie_at_once() {
        let mut response = HttpResponse::Ok().finish();
        forget(&mut response, &TestRequest::default().to_http_request());
        assert_eq!(
            set_cookie_of(&response),
            "cart_id=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
        );
    }
}
