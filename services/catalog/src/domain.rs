//! Requests as the service accepts them: once parsed, a value is known to be valid, so
//! storage never checks it again.

use catalog_service_api::{
    self as api, InvalidParameter, ReservationRequest, MAX_OFFER_IDS, MAX_RESERVATION_LINES,
    MAX_RESERVATION_QUANTITY, MAX_RESERVATION_TTL_SECONDS, MIN_RESERVATION_TTL_SECONDS,
};
use std::collections::HashSet;
use std::fmt;

fn invalid(field: &'static str, message: impl Into<String>) -> InvalidParameter {
    InvalidParameter {
        field,
        message: message.into(),
    }
}

/// A reservation id a caller may choose: 1 to 64 of `[A-Za-z0-9_-]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservationId(String);

impl ReservationId {
    pub fn parse(id: &str) -> Result<Self, InvalidParameter> {
        if api::is_valid_reservation_id(id) {
            Ok(Self(id.to_owned()))
        } else {
            Err(invalid(
                "id",
                format!(
                    "The reservation id must be 1 to {} letters, digits, - or _",
                    api::MAX_RESERVATION_ID_LEN
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ReservationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Units of one product to reserve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WantedLine {
    pub product_id: i64,
    pub quantity: i32,
}

/// What a `PUT /reservations/{id}` asks for: 1 to [`MAX_RESERVATION_LINES`] lines, each
/// product once, in product id order (the order rows are locked in, so two reservations
/// never wait for each other), and a TTL within the limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReservation {
    lines: Vec<WantedLine>,
    ttl_seconds: u32,
}

impl NewReservation {
    pub fn parse(request: &ReservationRequest) -> Result<Self, InvalidParameter> {
        if request.lines.is_empty() {
            return Err(invalid("lines", "lines must name at least one product"));
        }
        if request.lines.len() > MAX_RESERVATION_LINES {
            return Err(invalid(
                "lines",
                format!("lines may hold at most {MAX_RESERVATION_LINES} products"),
            ));
        }
        let mut seen = HashSet::new();
        for line in &request.lines {
            if !(1..=MAX_RESERVATION_QUANTITY).contains(&line.quantity) {
                return Err(invalid(
                    "quantity",
                    format!(
                        "quantity must be from 1 to {MAX_RESERVATION_QUANTITY} (product {} asks for {})",
                        line.product_id, line.quantity
                    ),
                ));
            }
            if !seen.insert(line.product_id) {
                return Err(invalid(
                    "product_id",
                    format!(
                        "product_id {} is on more than one line; put its whole quantity on one",
                        line.product_id
                    ),
                ));
            }
        }
        if !(MIN_RESERVATION_TTL_SECONDS..=MAX_RESERVATION_TTL_SECONDS)
            .contains(&request.ttl_seconds)
        {
            return Err(invalid(
                "ttl_seconds",
                format!(
                    "ttl_seconds must be from {MIN_RESERVATION_TTL_SECONDS} to {MAX_RESERVATION_TTL_SECONDS}"
                ),
            ));
        }
        let mut lines: Vec<WantedLine> = request
            .lines
            .iter()
            .map(|line| WantedLine {
                product_id: line.product_id,
                quantity: line.quantity,
            })
            .collect();
        lines.sort_by_key(|line| line.product_id);
        Ok(Self {
            lines,
            ttl_seconds: request.ttl_seconds,
        })
    }

    /// In product id order.
    pub fn lines(&self) -> &[WantedLine] {
        &self.lines
    }

    pub fn ttl(&self) -> chrono::Duration {
        chrono::Duration::seconds(i64::from(self.ttl_seconds))
    }

    /// Whether `reservation` holds exactly these lines (a retry of the same request,
    /// whatever TTL it asks for).
    pub fn is_same_as(&self, reservation: &api::Reservation) -> bool {
        let mut held: Vec<WantedLine> = reservation
            .lines
            .iter()
            .map(|line| WantedLine {
                product_id: line.product_id,
                quantity: line.quantity,
            })
            .collect();
        held.sort_by_key(|line| line.product_id);
        held == self.lines
    }
}

/// The product ids of `GET /offers?ids=1,2,3`: 1 to [`MAX_OFFER_IDS`] of them, each once,
/// in the order asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferIds(Vec<i64>);

impl OfferIds {
    pub fn parse(ids: Option<&str>) -> Result<Self, InvalidParameter> {
        let ids = ids.map(str::trim).unwrap_or_default();
        if ids.is_empty() {
            return Err(invalid("ids", "ids must list product ids, e.g. ids=1,2,3"));
        }
        let mut parsed = Vec::new();
        for id in ids.split(',') {
            let id: i64 = id.trim().parse().map_err(|_| {
                invalid(
                    "ids",
                    format!("ids must be whole numbers separated by commas, not \"{id}\""),
                )
            })?;
            if !parsed.contains(&id) {
                parsed.push(id);
            }
        }
        if parsed.len() > MAX_OFFER_IDS {
            return Err(invalid(
                "ids",
                format!("ids may list at most {MAX_OFFER_IDS} products"),
            ));
        }
        Ok(Self(parsed))
    }

    pub fn as_slice(&self) -> &[i64] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use api::ReservationLine;

    fn request(lines: &[(i64, i32)], ttl_seconds: u32) -> ReservationRequest {
        ReservationRequest {
            lines: lines
                .iter()
                .map(|&(product_id, quantity)| ReservationLine {
                    product_id,
                    quantity,
                })
                .collect(),
            ttl_seconds,
        }
    }

    #[test]
    fn lines_come_out_in_product_id_order() {
        let parsed = NewReservation::parse(&request(&[(9, 1), (2, 3)], 60)).unwrap();
        let ids: Vec<i64> = parsed.lines().iter().map(|l| l.product_id).collect();
        assert_eq!(ids, [2, 9]);
    }

    #[test]
    fn bad_requests_name_their_field() {
        let too_many: Vec<(i64, i32)> = (0..=MAX_RESERVATION_LINES as i64)
            .map(|id| (id, 1))
            .collect();
        for (request, field) in [
            (request(&[], 60), "lines"),
            (request(&too_many, 60), "lines"),
            (request(&[(1, 0)], 60), "quantity"),
            (request(&[(1, 1000)], 60), "quantity"),
            (request(&[(1, 1), (1, 2)], 60), "product_id"),
            (request(&[(1, 1)], 0), "ttl_seconds"),
            (
                request(&[(1, 1)], MAX_RESERVATION_TTL_SECONDS + 1),
                "ttl_seconds",
            ),
        ] {
            let error = NewReservation::parse(&request).unwrap_err();
            assert_eq!(error.field, field, "{request:?}");
            assert!(error.message.contains(field), "{}", error.message);
        }
    }

    #[test]
    fn the_same_lines_in_another_order_are_the_same_request() {
        let parsed = NewReservation::parse(&request(&[(2, 1), (1, 3)], 60)).unwrap();
        let line = |product_id, quantity| api::ReservedLine {
            product_id,
            name: String::new(),
            quantity,
            unit_price_minor: 100,
            currency: "EUR".into(),
        };
        let held = |lines| api::Reservation {
            id: "r".into(),
            state: api::ReservationState::Held,
            lines,
            expires_at: String::new(),
        };
        assert!(parsed.is_same_as(&held(vec![line(1, 3), line(2, 1)])));
        assert!(!parsed.is_same_as(&held(vec![line(1, 3), line(2, 2)])));
        assert!(!parsed.is_same_as(&held(vec![line(1, 3)])));
    }

    #[test]
    fn offer_ids_are_numbers_and_few() {
        assert_eq!(OfferIds::parse(Some("3, 1,3")).unwrap().as_slice(), [3, 1]);
        for ids in [None, Some(""), Some("1,x"), Some("1,,2")] {
            assert_eq!(OfferIds::parse(ids).unwrap_err().field, "ids", "{ids:?}");
        }
        let too_many: Vec<String> = (0..=MAX_OFFER_IDS).map(|i| i.to_string()).collect();
        assert!(OfferIds::parse(Some(&too_many.join(","))).is_err());
    }
}
