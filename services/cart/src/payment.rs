//! Taking payment: the provider that charges a card, looks a charge up and refunds it.
//!
//! The shop has no real payment provider: [`SimulatedPayments`] stands in for one,
//! recording charges in the `payment` table. It declines one test card
//! ([`payment_card::DECLINED_TEST_CARD`]) so the declined path can be tried end to end.
//! Card numbers are never stored or logged — only their last four digits.
//!
//! Every call names the order it is for, and the order's id is the idempotency key of its
//! charge: charging an order again answers the first charge (nothing is charged twice),
//! asking for an order's charge tells the recovery whether a checkout that stopped while
//! `charging` did charge, and refunding is safe to repeat.

use crate::entities::payment;
use crate::ids::new_id;
use async_trait::async_trait;
use payment_card::{Card, CardNumber};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

/// What a shopper reads when the card is declined.
pub const DECLINED_MESSAGE: &str =
    "Your card was declined. Nothing was charged — please try another card.";

/// A charge the provider took for an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    /// The provider's reference of it.
    pub reference: String,
    /// Whether it has been given back.
    pub refunded: bool,
}

/// Why a charge was not taken.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// The provider said no; nothing was charged. `message` is for the shopper.
    #[error("declined: {message}")]
    Declined { message: String },
    /// The provider could not be asked, or did not answer: whether it charged is not
    /// known until it is asked ([`PaymentProvider::charge_of`]).
    #[error(transparent)]
    Unanswered(#[from] anyhow::Error),
}

/// A payment provider, idempotent by order.
#[async_trait]
pub trait PaymentProvider: Send + Sync {
    /// Charges `card` `amount_minor` for the order — once: the order's id is the
    /// idempotency key, so charging it again answers the first charge.
    async fn charge(
        &self,
        order_id: &str,
        amount_minor: i64,
        currency: &str,
        card: &Card,
    ) -> Result<Charge, PaymentError>;

    /// The charge taken for the order, refunded or not; `None` when none was taken.
    async fn charge_of(&self, order_id: &str) -> anyhow::Result<Option<Charge>>;

    /// Gives the order's charge back. Safe to repeat; nothing happens when there is none.
    async fn refund(&self, order_id: &str) -> anyhow::Result<()>;
}

/// The stand-in provider: approves every card but the declined test card, and keeps its
/// charges in the `payment` table (one per order).
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

fn is_declined_card(number: &CardNumber) -> bool {
    CardNumber::parse(payment_card::DECLINED_TEST_CARD).is_ok_and(|declined| declined == *number)
}

#[async_trait]
impl PaymentProvider for SimulatedPayments {
    #[tracing::instrument(skip(self, card))]
    async fn charge(
        &self,
        order_id: &str,
        amount_minor: i64,
        currency: &str,
        card: &Card,
    ) -> Result<Charge, PaymentError> {
        if is_declined_card(&card.number) {
            tracing::info!(card_last4 = card.number.last4(), "card declined");
            return Err(PaymentError::Declined {
                message: DECLINED_MESSAGE.to_owned(),
            });
        }
        let charge = payment::ActiveModel {
            id: Set(new_id()),
            order_id: Set(order_id.to_owned()),
            amount_minor: Set(amount_minor),
            currency: Set(currency.to_owned()),
            card_last4: Set(card.number.last4().to_owned()),
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
        self.charge_of(order_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the charge of order {order_id} vanished").into())
    }

    #[tracing::instrument(skip(self))]
    async fn charge_of(&self, order_id: &str) -> anyhow::Result<Option<Charge>> {
        let charge = payment::Entity::find()
            .filter(payment::Column::OrderId.eq(order_id))
            .one(&self.db)
            .await?;
        Ok(charge.map(|charge| Charge {
            reference: charge.id,
            refunded: charge.status == REFUNDED,
        }))
    }

    #[tracing::instrument(skip(self))]
    async fn refund(&self, order_id: &str) -> anyhow::Result<()> {
        payment::Entity::update_many()
            .col_expr(payment::Column::Status, Expr::value(REFUNDED))
            .filter(payment::Column::OrderId.eq(order_id))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_declined_test_card_is_declined() {
        let number = |text| CardNumber::parse(text).unwrap();
        assert!(is_declined_card(&number("4000-0000-0000-0002")));
        assert!(!is_declined_card(&number(payment_card::ACCEPTED_TEST_CARD)));
    }
}
