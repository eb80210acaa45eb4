//! The contract between the cart micro-frontend and cart-bff.
//!
//! Both sides compile this crate (the MFE for wasm32, the BFF natively). Everything is
//! shaped for the cart screens: money arrives formatted, totals are computed by the
//! servers, and the checkout form's rules live here once so the form can point at a bad
//! field before sending and the BFF names the same field, with the same words, after.

mod checkout;
mod paths;

pub use checkout::*;
pub use error_body::{ErrorBody, ErrorDetail, FieldError};
pub use paths::*;

use serde::{Deserialize, Serialize};

/// Largest quantity of one product in a cart.
pub const MAX_QUANTITY: u32 = 99;

/// The header's mini-cart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MiniCart {
    pub item_count: u32,
    /// e.g. `€24.50`.
    pub subtotal: String,
}

/// `POST /api/cart/items`: put `quantity` more of a product in the cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddToCart {
    pub product_id: i64,
    pub quantity: u32,
}

/// The answer to [`AddToCart`]: what the badge shows now, and what to confirm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Added {
    pub mini_cart: MiniCart,
    pub product_name: String,
    /// How many of this product the cart holds now.
    pub quantity_in_cart: u32,
}

/// `PUT /api/cart/items/{product_id}`: the line's new quantity (0 removes it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetQuantity {
    pub quantity: u32,
}

/// The cart page (and the order summary beside the checkout form).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartView {
    pub lines: Vec<CartLineView>,
    pub item_count: u32,
    pub subtotal: String,
    /// `Free` or an amount.
    pub shipping: String,
    pub total: String,
    /// e.g. "Add €12.30 more for free shipping."; `None` when shipping is free already.
    pub shipping_note: Option<String>,
    /// `false` when stock and prices could not be checked just now (the catalog is down);
    /// the page says so, and checkout will confirm them.
    pub checked: bool,
    /// Whether checkout can start: lines present and none of them exceeds its stock.
    pub can_checkout: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLineView {
    pub product_id: i64,
    pub name: String,
    /// The product page, e.g. `/products/oak-desk`.
    pub product_url: String,
    pub image_url: String,
    pub unit_price: String,
    pub quantity: u32,
    /// The most the quantity picker offers.
    pub max_quantity: u32,
    pub line_total: String,
    /// e.g. "Only 2 left — lower the quantity to check out."
    pub warning: Option<String>,
}

/// How an order is doing, for the confirmation page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Placed: stock sold, payment taken.
    Placed,
    /// Paid, still being finished (it will be placed without anything more to do).
    Processing,
    /// Not placed; nothing charged.
    Failed,
}

/// The order confirmation page and one entry of the order history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub id: String,
    /// Short, for people: e.g. `7F3A21C0`.
    pub number: String,
    pub state: OrderState,
    /// e.g. "Placed on 30 November 2026".
    pub status_label: String,
    /// Why it failed, when it did.
    pub failure: Option<String>,
    pub lines: Vec<OrderLineView>,
    pub item_count: u32,
    pub subtotal: String,
    pub shipping: String,
    pub total: String,
    /// Name, street, town, country: one entry per printed line.
    pub shipping_address: Vec<String>,
    /// e.g. `Card ending 4242`.
    pub payment: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLineView {
    pub product_id: i64,
    pub name: String,
    pub product_url: String,
    pub image_url: String,
    pub quantity: u32,
    pub unit_price: String,
    pub line_total: String,
}

/// The shopper's orders, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderHistory {
    pub orders: Vec<OrderView>,
}
