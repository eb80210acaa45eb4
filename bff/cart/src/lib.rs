//! cart-bff: the cart micro-frontend's own backend.
//!
//! It answers `/api/cart/...` in the shapes of `cart-api` — the header's mini-cart, the
//! cart page with formatted money and stock warnings, checkout, order confirmation and
//! history — by calling cart-service through a guarded client. The shopper's guest cart
//! is named by an HttpOnly cookie ([`cart_cookie`]) that page code never sees; orders
//! belong to that cart, and anyone else's order is a 404. When cart-service is down or
//! slow it answers 503 `cart_unavailable` within its deadline instead of hanging.

pub mod cart_cookie;
pub mod configuration;
pub mod presenter;
pub mod routes;
pub mod startup;
