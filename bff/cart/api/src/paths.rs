//! Where cart-bff answers. The BFF mounts its routes on these paths and the MFE requests
//! them, so neither side spells a URL by hand.

/// `GET` the cart page ([`crate::CartView`]); `DELETE` empties the cart.
pub const CART_PATH: &str = "/api/cart";
/// `GET` the header's [`crate::MiniCart`].
pub const MINI_CART_PATH: &str = "/api/cart/mini";
/// `POST` an [`crate::AddToCart`]; answers [`crate::Added`].
pub const ITEMS_PATH: &str = "/api/cart/items";
/// `POST` a [`crate::CheckoutForm`] with an `Idempotency-Key` header; answers 201 with the
/// [`crate::OrderView`].
pub const CHECKOUT_PATH: &str = "/api/cart/checkout";
/// `GET` the shopper's [`crate::OrderHistory`].
pub const ORDERS_PATH: &str = "/api/cart/orders";
/// Liveness of the BFF itself.
pub const HEALTH_PATH: &str = "/api/cart/healthz";
/// The header checkout requests carry, so a retried request places one order.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// `PUT` a [`crate::SetQuantity`]; `DELETE` removes the line. Answers the [`crate::CartView`].
pub fn item_url(product_id: i64) -> String {
    format!("{ITEMS_PATH}/{product_id}")
}

/// `GET` one order ([`crate::OrderView`]); another shopper's order is a 404.
pub fn order_url(order_id: &str) -> String {
    format!("{ORDERS_PATH}/{order_id}")
}

/// Where the pages that confirm orders are: [`CONFIRMATION_PAGES`]`<order id>`.
pub const CONFIRMATION_PAGES: &str = "/checkout/confirmation/";

/// The page that confirms an order.
pub fn confirmation_page(order_id: &str) -> String {
    format!("{CONFIRMATION_PAGES}{order_id}")
}

/// Pages of the cart MFE.
pub const CART_PAGE: &str = "/cart";
pub const CHECKOUT_PAGE: &str = "/checkout";
