//! Offers and stock reservations: what cart-service asks the catalog when a shopper puts
//! something in the cart and when an order is placed.
//!
//! A reservation takes units out of `stock` at once (so every shopper sees them as gone)
//! and then either becomes permanent (`commit`) or gives them back (`release`, or its TTL
//! running out). Every call is idempotent by the reservation's id, which the caller chooses
//! (cart-service uses the order's id), so a retried call never reserves twice.

use serde::{Deserialize, Serialize};

/// Most lines one reservation may hold.
pub const MAX_RESERVATION_LINES: usize = 100;
/// Most ids one `GET /offers` may ask about.
pub const MAX_OFFER_IDS: usize = 100;
/// Most units of one product one reservation may hold.
pub const MAX_RESERVATION_QUANTITY: i32 = 999;
/// Longest reservation id accepted.
pub const MAX_RESERVATION_ID_LEN: usize = 64;
/// Shortest and longest TTL a reservation may ask for.
pub const MIN_RESERVATION_TTL_SECONDS: u32 = 1;
pub const MAX_RESERVATION_TTL_SECONDS: u32 = 24 * 60 * 60;

/// What the shop offers a product at right now: `GET /offers?ids=1,2,3` answers one per
/// known id (unknown ids are left out, so the caller can tell which ones do not exist).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    pub product_id: i64,
    pub slug: String,
    pub name: String,
    /// In the currency's minor unit (cents).
    pub price_minor: i64,
    /// ISO 4217.
    pub currency: String,
    /// Units a new reservation could take now (reserved units are not counted).
    pub available: i32,
}

/// `PUT /reservations/{id}`: take `lines` out of stock, all or nothing, for `ttl_seconds`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservationRequest {
    pub lines: Vec<ReservationLine>,
    pub ttl_seconds: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservationLine {
    pub product_id: i64,
    pub quantity: i32,
}

/// Where a reservation is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReservationState {
    /// Units are out of stock, waiting for commit or release.
    Held,
    /// The units are sold; final.
    Committed,
    /// The units went back to stock at the caller's request; final.
    Released,
    /// Nobody committed or released it within its TTL, so its units went back; final.
    Expired,
}

impl ReservationState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReservationState::Held => "held",
            ReservationState::Committed => "committed",
            ReservationState::Released => "released",
            ReservationState::Expired => "expired",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Held, Self::Committed, Self::Released, Self::Expired]
            .into_iter()
            .find(|state| state.as_str() == text)
    }
}

/// The answer of every reservation call: its state and the prices the units were
/// reserved at (the prices an order must charge).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    pub id: String,
    pub state: ReservationState,
    pub lines: Vec<ReservedLine>,
    /// RFC 3339; after this a `held` reservation expires.
    pub expires_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservedLine {
    pub product_id: i64,
    pub name: String,
    pub quantity: i32,
    /// Confirmed unit price, in the currency's minor unit.
    pub unit_price_minor: i64,
    pub currency: String,
}

/// The body of a `409 out_of_stock` answer to `PUT /reservations/{id}`: the usual error
/// (`{"error": {...}}`, so any client can show `message`) plus every line that is short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutOfStock {
    pub error: error_body::ErrorDetail,
    pub shortages: Vec<Shortage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shortage {
    pub product_id: i64,
    pub name: String,
    pub requested: i32,
    pub available: i32,
}

/// The error code of a reservation that cannot be had because stock is short.
pub const OUT_OF_STOCK: &str = "out_of_stock";
/// The error code (409) of a commit that came too late: the reservation expired and its
/// units went back to stock.
pub const RESERVATION_EXPIRED: &str = "reservation_expired";
/// The error code (409) of a commit of a reservation that was released.
pub const RESERVATION_RELEASED: &str = "reservation_released";

/// Whether `id` is acceptable as a reservation id: 1 to 64 of `[A-Za-z0-9_-]`.
pub fn is_valid_reservation_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_RESERVATION_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservation_ids_are_url_safe_and_short() {
        assert!(is_valid_reservation_id("order-7f3a_01"));
        assert!(!is_valid_reservation_id(""));
        assert!(!is_valid_reservation_id("a/b"));
        assert!(!is_valid_reservation_id(&"x".repeat(65)));
    }

    #[test]
    fn states_round_trip_through_their_names() {
        for state in [
            ReservationState::Held,
            ReservationState::Committed,
            ReservationState::Released,
            ReservationState::Expired,
        ] {
            assert_eq!(ReservationState::parse(state.as_str()), Some(state));
        }
    }
}
