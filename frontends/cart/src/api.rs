//! The cart BFF, as typed calls. Components never build URLs: `cart_api` spells them, and
//! `mfe_kit::http` picks up a request the shell may already have started.
//!
//! Every answer is taken from the kit as it was parsed ([`Raw`]) and read by hand, and
//! every request body is written by hand ([`Body`], see `crate::json`): one instance of
//! each kit call serves every answer type.

use crate::json::{Body, Raw, Read};
use cart_api::{
    AddToCart, Added, CartView, CheckoutForm, MiniCart, OrderHistory, OrderView, SetQuantity,
    CART_PATH, CHECKOUT_PATH, IDEMPOTENCY_KEY, ITEMS_PATH, MINI_CART_PATH, ORDERS_PATH,
};
use mfe_kit::http::{
    delete, get_json, post_json, post_json_with_headers, put_json, take_ready, ApiError,
};

/// An answer read as `T`; one that does not have `T`'s shape is [`ApiError::Decode`].
fn read<T: Read>(answer: Result<Raw, ApiError>) -> Result<T, ApiError> {
    answer?.read().ok_or(ApiError::Decode)
}

/// `GET url`, read as `T`.
async fn get<T: Read>(url: &str) -> Result<T, ApiError> {
    read(get_json::<Raw>(url).await)
}

/// What the header's badge shows.
pub async fn mini_cart() -> Result<MiniCart, ApiError> {
    get(MINI_CART_PATH).await
}

/// What the badge shows, if it is already here (the badge was rendered on the server).
pub fn ready_mini_cart() -> Option<Result<MiniCart, ApiError>> {
    take_ready(MINI_CART_PATH).map(read)
}

/// Puts `quantity` more of a product in the cart.
pub async fn add(product_id: i64, quantity: u32) -> Result<Added, ApiError> {
    let request = AddToCart {
        product_id,
        quantity,
    };
    read(post_json(ITEMS_PATH, &Body(&request)).await)
}

/// The cart page.
pub async fn cart() -> Result<CartView, ApiError> {
    get(CART_PATH).await
}

/// The cart if it is already here (the shell asked for it while the page loaded).
pub fn ready_cart() -> Option<Result<CartView, ApiError>> {
    take_ready(CART_PATH).map(read)
}

/// Changes a line's quantity; answers the whole cart, totals included.
pub async fn set_quantity(product_id: i64, quantity: u32) -> Result<CartView, ApiError> {
    let request = SetQuantity { quantity };
    read(put_json(&cart_api::item_url(product_id), &Body(&request)).await)
}

/// Takes a line out of the cart; answers the whole cart.
pub async fn remove(product_id: i64) -> Result<CartView, ApiError> {
    read(delete(&cart_api::item_url(product_id)).await)
}

/// Places the order. The same `idempotency_key` for the same attempt places one order,
/// however often the request is sent.
pub async fn checkout(form: &CheckoutForm, idempotency_key: &str) -> Result<OrderView, ApiError> {
    let headers = [(IDEMPOTENCY_KEY, idempotency_key)];
    read(post_json_with_headers(CHECKOUT_PATH, &Body(form), &headers).await)
}

/// The shopper's orders, newest first.
pub async fn orders() -> Result<OrderHistory, ApiError> {
    get(ORDERS_PATH).await
}

/// One of the shopper's orders.
pub async fn order(order_id: &str) -> Result<OrderView, ApiError> {
    get(&cart_api::order_url(order_id)).await
}

/// The order if it is already here (see [`ready_cart`]).
pub fn ready_order(order_id: &str) -> Option<Result<OrderView, ApiError>> {
    take_ready(&cart_api::order_url(order_id)).map(read)
}
