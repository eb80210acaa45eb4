//! Taking payment: what a card must look like, and the provider that charges it.
//!
//! The shop has no real payment provider: [`SimulatedPayments`] stands in for one,
//! recording charges in the `payment` table. It declines one test card
//! ([`DECLINED_CARD`]) so the declined path can be tried end to end. Card numbers are
//! never stored or logged — only their last four digits.

use crate::entities::payment;
use crate::ids::new_id;
use async_trait::async_trait;
use cart_service_api::{last4, Card, FieldError};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

/// The card number the simulated provider always declines.
pub const DECLINED_CARD: &str = "4000000000000002";
/// What a shopper reads when the card is declined.
pub const DECLINED_MESSAGE: &str =
    "Your card was declined. Nothing was charged — please try another card.";

/// Field names of card problems (as the checkout form names its inputs).
pub mod fields {
    pub const CARD_NUMBER: &str = "card_number";
    pub const CARD_EXPIRY: &str = "card_expiry";
    pub const CARD_CVC: &str = "card_cvc";
}

/// What is wrong with `card`, one entry per field at fault, for the shopper. `today` is
/// (year, month).
pub fn card_problems(card: &Card, today: (u32, u32)) -> Vec<FieldError> {
    let mut problems = Vec::new();
    let mut complain = |field: &str, message: &str| {
        problems.push(FieldError {
            field: field.to_owned(),
            message: message.to_owned(),
        });
    };
    match card_digits(&card.number) {
        None => complain(
            fields::CARD_NUMBER,
            "Enter the card number: 12 to 19 digits.",
        ),
        Some(digits) if !passes_luhn(&digits) => complain(
            fields::CARD_NUMBER,
            "This card number is not valid — please check it.",
        ),
        Some(_) => {}
    }
    if !(1..=12).contains(&card.expiry_month) || !(1000..=9999).contains(&card.expiry_year) {
        complain(fields::CARD_EXPIRY, "Enter the expiry month and year.");
    } else if (card.expiry_year, card.expiry_month) < today {
        complain(fields::CARD_EXPIRY, "This card has expired.");
    }
    let cvc = card.cvc.trim();
    if !(3..=4).contains(&cvc.len()) || !cvc.bytes().all(|b| b.is_ascii_digit()) {
        complain(
            fields::CARD_CVC,
            "Enter the 3 or 4 digits on the back of the card.",
        );
    }
    problems
}

/// The digits of a card number typed with spaces or dashes, if it is 12 to 19 digits.
fn card_digits(number: &str) -> Option<String> {
    let digits: String = number.chars().filter(|c| *c != ' ' && *c != '-').collect();
    let valid = (12..=19).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    valid.then_some(digits)
}

/// The Luhn checksum every card number carries, which catches a mistyped digit.
fn passes_luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(position, byte)| {
            let digit = u32::from(byte - b'0');
            if position % 2 == 1 {
                let doubled = digit * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                digit
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The provider's reference of a charge, for refunding it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRef(pub String);

/// Why a charge was not taken.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// The provider said no; nothing was charged. `message` is for the shopper.
    #[error("declined: {message}")]
    Declined { message: String },
    /// The provider could not be asked; whether it charged is not known.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// A payment provider. Charges are idempotent by order: charging the same order again
/// answers the first charge, so a retried checkout never charges twice.
#[async_trait]
pub trait PaymentProvider: Send + Sync {
    async fn charge(
        &self,
        order_id: &str,
        amount_minor: i64,
        currency: &str,
        card: &Card,
    ) -> Result<PaymentRef, PaymentError>;

    /// Gives a charge back (again, if it was: nothing happens twice).
    async fn refund(&self, payment: &PaymentRef) -> anyhow::Result<()>;
}

/// The stand-in provider: approves every valid card but [`DECLINED_CARD`], and keeps its
/// charges in the `payment` table.
pub struct SimulatedPayments {
    db: DatabaseConnection,
}

impl SimulatedPayments {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

const CHARGED: &str = "charged";
const REFUNDED: &str = "refunded";

#[async_trait]
impl PaymentProvider for SimulatedPayments {
    #[tracing::instrument(skip(self, card))]
    async fn charge(
        &self,
        order_id: &str,
        amount_minor: i64,
        currency: &str,
        card: &Card,
    ) -> Result<PaymentRef, PaymentError> {
        if card_digits(&card.number).as_deref() == Some(DECLINED_CARD) {
            tracing::info!(card_last4 = %last4(&card.number), "card declined");
            return Err(PaymentError::Declined {
                message: DECLINED_MESSAGE.to_owned(),
            });
        }
        let charge = payment::ActiveModel {
            id: Set(new_id()),
            order_id: Set(order_id.to_owned()),
            amount_minor: Set(amount_minor),
            currency: Set(currency.to_owned()),
            card_last4: Set(last4(&card.number)),
            status: Set(CHARGED.to_owned()),
            created_at: Set(chrono::Utc::now()),
        };
        // One charge per order, even when two attempts race: the second keeps the first.
        payment::Entity::insert(charge)
            .on_conflict(
                OnConflict::column(payment::Column::OrderId)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await
            .map_err(anyhow::Error::new)?;
        let taken = payment::Entity::find()
            .filter(payment::Column::OrderId.eq(order_id))
            .one(&self.db)
            .await
            .map_err(anyhow::Error::new)?
            .ok_or_else(|| anyhow::anyhow!("the charge of order {order_id} vanished"))?;
        Ok(PaymentRef(taken.id))
    }

    #[tracing::instrument(skip(self))]
    async fn refund(&self, payment: &PaymentRef) -> anyhow::Result<()> {
        payment::Entity::update_many()
            .col_expr(payment::Column::Status, Expr::value(REFUNDED))
            .filter(payment::Column::Id.eq(payment.0.as_str()))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(number: &str, month: u32, year: u32, cvc: &str) -> Card {
        Card {
            number: number.into(),
            expiry_month: month,
            expiry_year: year,
            cvc: cvc.into(),
        }
    }

    fn fields_of(problems: &[FieldError]) -> Vec<&str> {
        problems.iter().map(|p| p.field.as_str()).collect()
    }

    #[test]
    fn a_good_card_has_no_problems() {
        assert!(
            card_problems(&card("4242 4242 4242 4242", 12, 2030, "123"), (2026, 12)).is_empty()
        );
        assert!(
            card_problems(&card("4000-0000-0000-0002", 12, 2026, "1234"), (2026, 12)).is_empty()
        );
    }

    #[test]
    fn a_mistyped_digit_fails_the_checksum() {
        let problems = card_problems(&card("4242 4242 4242 4241", 12, 2030, "123"), (2026, 1));
        assert_eq!(fields_of(&problems), ["card_number"]);
    }

    #[test]
    fn too_short_too_long_and_letters_are_not_card_numbers() {
        for number in [
            "42424242424",
            "42424242424242424242",
            "4242 4242 4242 424x",
            "",
        ] {
            let problems = card_problems(&card(number, 12, 2030, "123"), (2026, 1));
            assert_eq!(fields_of(&problems), ["card_number"], "{number}");
        }
    }

    #[test]
    fn an_expired_card_and_a_bad_cvc_are_each_named() {
        let problems = card_problems(&card("4242424242424242", 11, 2026, "12"), (2026, 12));
        assert_eq!(fields_of(&problems), ["card_expiry", "card_cvc"]);
        let problems = card_problems(&card("4242424242424242", 13, 2030, "12a"), (2026, 12));
        assert_eq!(fields_of(&problems), ["card_expiry", "card_cvc"]);
    }

    #[test]
    fn the_card_expires_at_the_end_of_its_month() {
        assert!(card_problems(&card("4242424242424242", 12, 2026, "123"), (2026, 12)).is_empty());
    }
}
