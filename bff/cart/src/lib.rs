//! cart-bff: the cart micro-frontend's own backend.
//!
//! It answers `/api/cart/...` in the shapes of `cart-api` — the header's mini-cart, the
//! cart page with formatted money and stock warnings, checkout, order confirmation and
//! history — by calling cart-service through a guarded client. Who is shopping is one
//! question, answered once per request ([`shopper`]): a signed-in user, by the identity
//! token account-service signed (checked here with its public key), whose cart and orders
//! are theirs; or a guest, whose cart is named by an HttpOnly cookie ([`cart_cookie`])
//! that page code never sees, and whose orders belong to that cart. Anyone else's order
//! is a 404. At sign-in the guest cart is merged into the user's. When cart-service is
//! down or slow it answers 503 `cart_unavailable` within its deadline instead of hanging.

pub mod cart_cookie;
pub mod configuration;
pub mod presenter;
pub mod routes;
pub mod shopper;
pub mod startup;
