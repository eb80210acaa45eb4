//! What cart-service answers, in the service's own terms: money in integer minor units
//! with its currency, quantities as counts. cart-bff shapes this for the cart screens.
//!
//! The service is internal (only cart-bff calls it); who owns a cart or an order is told
//! by the caller (`owner`, the user of `PUT /users/{id}/cart`), which cart-service stores
//! but does not authenticate: cart-bff verifies who is signed in.

use serde::{Deserialize, Serialize};

pub use error_body::{ErrorBody, ErrorDetail, FieldError};

/// Largest quantity of one product in a cart.
pub const MAX_QUANTITY: i32 = 99;
/// Most different products in one cart.
pub const MAX_LINES: usize = 50;
/// Shipping cost below [`FREE_SHIPPING_FROM_MINOR`], in minor units.
pub const SHIPPING_MINOR: i64 = 490;
/// From this subtotal on, shipping is free.
pub const FREE_SHIPPING_FROM_MINOR: i64 = 5_000;
/// The currency of every cart (the catalog's).
pub const CURRENCY: &str = "EUR";
/// The header that makes a checkout safe to retry.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";
/// The longest a checkout request to cart-service takes: every step of the saga it runs
/// while the shopper waits (reserving stock, charging, committing) shares this one
/// budget, and what is not done within it answers 202 with the order as it stands — paid
/// and being finished, for the confirmation page to follow — never a timeout.
pub const CHECKOUT_BUDGET: std::time::Duration = std::time::Duration::from_secs(6);
/// How long a caller waits for a checkout's answer: the budget, and room for the answer to
/// arrive. A caller that gives up sooner would call a checkout that will succeed a failure.
pub const CHECKOUT_ANSWER_WITHIN: std::time::Duration = std::time::Duration::from_secs(8);
/// Longest idempotency key accepted.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 64;

/// Shipping for a subtotal: free from [`FREE_SHIPPING_FROM_MINOR`], nothing for an empty
/// cart, [`SHIPPING_MINOR`] otherwise.
pub fn shipping_for(subtotal_minor: i64) -> i64 {
    if subtotal_minor <= 0 || subtotal_minor >= FREE_SHIPPING_FROM_MINOR {
        0
    } else {
        SHIPPING_MINOR
    }
}

/// Whether `key` is acceptable as an id chosen by a client (idempotency keys, cart ids):
/// 1 to 64 of `[A-Za-z0-9_-]`.
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_IDEMPOTENCY_KEY_LEN
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Who owns a cart's orders: `guest:<cart id>` for a shopper who is not signed in,
/// `user:<user id>` for one who is. A guest's orders become the user's when their guest
/// cart is merged into the user's cart at sign-in ([`MergeCarts`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Owner(pub String);

impl Owner {
    pub fn guest(cart_id: &str) -> Self {
        Owner(format!("guest:{cart_id}"))
    }

    pub fn user(user_id: &str) -> Self {
        Owner(format!("user:{user_id}"))
    }

    /// `guest:` or `user:` followed by a valid key.
    pub fn is_valid(&self) -> bool {
        self.0
            .strip_prefix("guest:")
            .or_else(|| self.0.strip_prefix("user:"))
            .is_some_and(is_valid_key)
    }
}

/// A cart with its lines and totals (`GET /carts/{id}`, and the answer of every change).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    pub id: String,
    pub lines: Vec<CartLine>,
    /// Sum of the quantities.
    pub item_count: i32,
    pub subtotal_minor: i64,
    pub shipping_minor: i64,
    pub total_minor: i64,
    pub currency: String,
    /// `true` when names, prices and stock were checked with the catalog for this answer;
    /// `false` when the catalog could not be asked and the values are the ones remembered
    /// when each line was last changed (checkout will confirm them).
    pub checked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub product_id: i64,
    pub slug: String,
    pub name: String,
    pub quantity: i32,
    pub unit_price_minor: i64,
    pub line_total_minor: i64,
    /// Units the catalog could still reserve, when it was asked (`checked`).
    pub available: Option<i32>,
}

/// What the header's mini-cart shows (`GET /carts/{id}/summary`); answered from the cart
/// database alone, so it works while the catalog is down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartSummary {
    pub item_count: i32,
    pub subtotal_minor: i64,
    pub currency: String,
}

/// `POST /carts/{id}/lines`: add `quantity` units of a product (to what is there).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddLine {
    pub product_id: i64,
    pub quantity: i32,
}

/// `PUT /carts/{id}/lines/{product_id}`: the line's new quantity; 0 removes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetQuantity {
    pub quantity: i32,
}

/// The answer of `PUT /users/{user_id}/cart`: the id of the user's cart (made on first use,
/// the same one ever after).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartRef {
    pub id: String,
}

/// `POST /carts/{id}/merge`: the guest cart `from` goes into the user's cart `{id}` — its
/// lines are added (each capped at [`MAX_QUANTITY`] and at what the catalog can still
/// sell, at most [`MAX_LINES`] products, the oldest kept), the guest cart is deleted, and
/// the orders of `guest:<from>` become `owner`'s. Answers the user's [`Cart`]; a `from`
/// that no longer exists (merged already) leaves it as it is, so merging is idempotent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeCarts {
    /// The guest cart's id.
    pub from: String,
    /// `user:<id>` of the cart's user.
    pub owner: Owner,
}

/// `POST /carts/{id}/checkout` (with an `Idempotency-Key` header).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutRequest {
    pub owner: Owner,
    pub shipping_address: Address,
    pub payment: Card,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub name: String,
    pub line1: String,
    #[serde(default)]
    pub line2: String,
    pub postal_code: String,
    pub city: String,
    /// ISO 3166-1 alpha-2, e.g. `DE`.
    pub country: String,
}

/// Card details as typed; the service keeps only the last four digits.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    pub number: String,
    pub expiry_month: u32,
    /// Four digits, e.g. 2028.
    pub expiry_year: u32,
    pub cvc: String,
}

impl std::fmt::Debug for Card {
    /// Never prints the number or the CVC, whoever logs a request.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Card")
            .field("last4", &last4(&self.number))
            .field("expiry_month", &self.expiry_month)
            .field("expiry_year", &self.expiry_year)
            .finish_non_exhaustive()
    }
}

/// The last four digits of a card number (spaces and dashes ignored).
pub fn last4(number: &str) -> String {
    let digits: Vec<char> = number.chars().filter(char::is_ascii_digit).collect();
    digits[digits.len().saturating_sub(4)..].iter().collect()
}

/// Where an order is in the checkout saga. `Placed` and `Failed` are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Recorded; stock not reserved yet.
    Pending,
    /// Stock reserved in the catalog; not paid yet.
    Reserved,
    /// The payment provider is being asked to charge (or was, and is being asked whether
    /// it did).
    Charging,
    /// Paid; the reservation is being committed.
    Paid,
    /// Stock sold, payment taken, the ordered quantities out of the cart.
    Placed,
    /// A step failed; the reservation is being released (and a charge refunded).
    Compensating,
    /// Nothing reserved, nothing charged (or it was refunded); `failure` says why.
    Failed,
    /// A state a newer cart-service knows and this client does not: not final.
    #[serde(other)]
    Unknown,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 7] = [
        OrderStatus::Pending,
        OrderStatus::Reserved,
        OrderStatus::Charging,
        OrderStatus::Paid,
        OrderStatus::Placed,
        OrderStatus::Compensating,
        OrderStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Reserved => "reserved",
            OrderStatus::Charging => "charging",
            OrderStatus::Paid => "paid",
            OrderStatus::Placed => "placed",
            OrderStatus::Compensating => "compensating",
            OrderStatus::Failed => "failed",
            OrderStatus::Unknown => "unknown",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn is_final(self) -> bool {
        matches!(self, OrderStatus::Placed | OrderStatus::Failed)
    }
}

/// Why an order failed, for programs (`code`) and the shopper (`message`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderFailure {
    /// `out_of_stock`, `payment_declined`, `catalog_unavailable`, `interrupted`, ...
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    pub owner: Owner,
    pub status: OrderStatus,
    pub failure: Option<OrderFailure>,
    pub lines: Vec<OrderLine>,
    pub subtotal_minor: i64,
    pub shipping_minor: i64,
    pub total_minor: i64,
    pub currency: String,
    pub shipping_address: Address,
    /// Last four digits of the card paid with.
    pub card_last4: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; when the order reached `placed`.
    pub placed_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub product_id: i64,
    pub slug: String,
    pub name: String,
    pub quantity: i32,
    /// The price the catalog confirmed when reserving.
    pub unit_price_minor: i64,
    pub line_total_minor: i64,
}

/// `GET /orders?owner=...`: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderList {
    pub items: Vec<Order>,
}

/// The body of a checkout that did not place an order (402 `payment_declined`,
/// 409 `out_of_stock`, 503 `catalog_unavailable`, ...): the usual error plus the order it
/// concerns and, for `out_of_stock`, every line that is short. Replaying the same
/// `Idempotency-Key` answers the same status and body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutFailed {
    pub error: ErrorDetail,
    pub order_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shortages: Vec<Shortage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shortage {
    pub product_id: i64,
    pub name: String,
    pub requested: i32,
    pub available: i32,
}

/// Error codes of checkout answers.
pub mod codes {
    pub const OUT_OF_STOCK: &str = "out_of_stock";
    pub const PAYMENT_DECLINED: &str = "payment_declined";
    pub const CATALOG_UNAVAILABLE: &str = "catalog_unavailable";
    pub const INTERRUPTED: &str = "interrupted";
    pub const RESERVATION_EXPIRED: &str = "reservation_expired";
    pub const PAYMENT_UNAVAILABLE: &str = "payment_unavailable";
    pub const CART_EMPTY: &str = "cart_empty";
    pub const IDEMPOTENCY_KEY_REUSED: &str = "idempotency_key_reused";
    pub const UNKNOWN_PRODUCT: &str = "unknown_product";
}

/// Paths of the service, for its clients.
pub mod paths {
    /// `POST` (empty body): a new, empty cart; answers 201 with the [`crate::Cart`].
    pub const CARTS: &str = "/carts";

    /// `GET` the cart; `DELETE` empties it.
    pub fn cart(cart_id: &str) -> String {
        format!("/carts/{cart_id}")
    }

    /// `GET` the mini-cart numbers.
    pub fn summary(cart_id: &str) -> String {
        format!("/carts/{cart_id}/summary")
    }

    /// `POST` an [`crate::AddLine`].
    pub fn lines(cart_id: &str) -> String {
        format!("/carts/{cart_id}/lines")
    }

    /// `PUT` a [`crate::SetQuantity`]; `DELETE` removes the line.
    pub fn line(cart_id: &str, product_id: i64) -> String {
        format!("/carts/{cart_id}/lines/{product_id}")
    }

    /// `POST` a [`crate::MergeCarts`]: a guest cart goes into this user's cart.
    pub fn merge(cart_id: &str) -> String {
        format!("/carts/{cart_id}/merge")
    }

    /// `PUT` (empty body): the user's [`crate::CartRef`], made on first use.
    pub fn user_cart(user_id: &str) -> String {
        format!("/users/{user_id}/cart")
    }

    /// `POST` a [`crate::CheckoutRequest`] with an `Idempotency-Key`.
    pub fn checkout(cart_id: &str) -> String {
        format!("/carts/{cart_id}/checkout")
    }

    /// `GET` one order.
    pub fn order(order_id: &str) -> String {
        format!("/orders/{order_id}")
    }

    /// `GET` an owner's orders, newest first.
    pub fn orders_of(owner: &crate::Owner) -> String {
        let owner: String = owner
            .0
            .bytes()
            .map(|b| match b {
                b':' => "%3A".to_owned(),
                _ => (b as char).to_string(),
            })
            .collect();
        format!("/orders?owner={owner}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipping_is_free_from_fifty_euros_and_for_nothing() {
        assert_eq!(shipping_for(0), 0);
        assert_eq!(shipping_for(4_999), SHIPPING_MINOR);
        assert_eq!(shipping_for(5_000), 0);
    }

    #[test]
    fn owners_are_guests_or_users_with_safe_ids() {
        assert!(Owner::guest("0f3a-b1").is_valid());
        assert!(Owner::user("42").is_valid());
        assert!(!Owner("admin:1".into()).is_valid());
        assert!(!Owner::guest("").is_valid());
        assert!(!Owner::guest("a b").is_valid());
    }

    #[test]
    fn card_debug_shows_only_the_last_four_digits() {
        let card = Card {
            number: "4242 4242 4242 4242".into(),
            expiry_month: 12,
            expiry_year: 2030,
            cvc: "123".into(),
        };
        let printed = format!("{card:?}");
        assert!(printed.contains("\"4242\""));
        assert!(!printed.contains("4242 4242"));
        assert!(!printed.contains("123"));
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(status.as_str()), Some(status));
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
    }

    #[test]
    fn a_status_a_newer_service_added_reads_as_unknown_and_unfinished() {
        let status: OrderStatus = serde_json::from_str("\"shipped_by_drone\"").unwrap();
        assert_eq!(status, OrderStatus::Unknown);
        assert!(!status.is_final());
    }
}
