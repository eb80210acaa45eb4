//! The checkout saga: how an order goes from `pending` to `placed`, or is undone.
//!
//! ```text
//! pending ──reserve──► reserved ──► charging ──charge──► paid ──commit──► placed
//!    │                    │            │                   │
//!    └────────────────────┴────────────┴───────────────────┴──► compensating ──► failed
//!                              (release the reservation, refund a charge)
//! ```
//!
//! A [`Worker`] moves one order it holds (`crate::orders::Lease`): the request that
//! recorded it, or — once that worker is gone — a recovery pass of any replica that
//! claimed it ([`Saga::recover`]). Each state is stored before the step that follows it,
//! and each step is conditional on the state the worker saw and on its lease, so two
//! workers never both take a step, and whoever takes over knows what was done:
//!
//! - before `charging`, nothing was charged: the order is undone (`interrupted`);
//! - `charging` is written *before* the provider is asked, and the provider is asked by
//!   the order's id (its idempotency key): a worker that finds an order `charging` asks
//!   the provider whether it charged, then finishes or undoes it — it never guesses;
//! - once `paid`, the order is finished (placed) unless the catalog no longer holds its
//!   stock; then it is undone and the charge refunded;
//! - undoing releases the reservation and refunds a charge, both safe to repeat.
//!
//! Steps towards the catalog and the provider are idempotent by the order's id, so doing
//! a step again after a crash or a timeout does it once.

use crate::catalog::{Catalog, CommitError, ReleaseError, ReserveError};
use crate::entities::order::OrderState;
use crate::entities::{order, order_line};
use crate::failpoints;
use crate::orders::{self, Failure, Lease};
use crate::payment::{Charge, PaymentError, PaymentProvider};
use cart_service_api::{codes, Shortage};
use catalog_service_api::{OutOfStock, ReservationLine, ReservationRequest, ReservationState};
use payment_card::Card;
use sea_orm::{DatabaseConnection, DbErr};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The wait before the first retry of a commit the catalog did not answer; it doubles
/// each time, for as long as the checkout's budget lasts.
const COMMIT_BACKOFF: Duration = Duration::from_millis(200);

/// Where a checkout ended up.
#[derive(Debug)]
pub enum Outcome {
    /// Stock sold, payment taken, the ordered quantities out of the cart.
    Placed(order::Model),
    /// It will not be placed: `failed`, or `compensating` while the undoing waits for the
    /// catalog or the provider. Its failure says why.
    Failed(order::Model),
    /// Not decided yet: the catalog or the provider has not answered, or another worker
    /// holds the order. A recovery pass finishes it.
    Unfinished(order::Model),
}

impl Outcome {
    /// What the stored order says.
    pub fn of(order: order::Model) -> Self {
        match order.state {
            OrderState::Placed => Outcome::Placed(order),
            OrderState::Failed | OrderState::Compensating => Outcome::Failed(order),
            OrderState::Pending
            | OrderState::Reserved
            | OrderState::Charging
            | OrderState::Paid => Outcome::Unfinished(order),
        }
    }

    pub fn order(&self) -> &order::Model {
        match self {
            Outcome::Placed(order) | Outcome::Failed(order) | Outcome::Unfinished(order) => order,
        }
    }
}

/// Why the saga could not go on. None of these is the shopper's fault or a business
/// refusal (those are [`Outcome::Failed`]); the route answers them as its own failure.
#[derive(Debug, thiserror::Error)]
pub enum SagaError {
    #[error("the cart database failed while {doing}")]
    Database {
        doing: &'static str,
        #[source]
        source: DbErr,
    },
    #[error("order {0} is gone")]
    Vanished(String),
    /// A test stopped the checkout at a failpoint (`crate::failpoints`).
    #[error("stopped at failpoint {0}")]
    Abandoned(&'static str),
}

trait Doing<T> {
    fn doing(self, doing: &'static str) -> Result<T, SagaError>;
}

impl<T> Doing<T> for Result<T, DbErr> {
    fn doing(self, doing: &'static str) -> Result<T, SagaError> {
        self.map_err(|source| SagaError::Database { doing, source })
    }
}

/// What runs checkouts: the cart database, the catalog, the payment provider.
pub struct Saga {
    pub db: DatabaseConnection,
    pub catalog: Arc<Catalog>,
    pub payments: Arc<dyn PaymentProvider>,
    pub reservation_ttl_seconds: u32,
    /// How long a worker holds an order from each step: longer than any one step can take
    /// (a catalog call, a charge), so that only the orders of workers that are gone are
    /// taken over.
    pub lease: Duration,
}

impl Saga {
    /// A new claim on an order, for a checkout about to record one.
    pub fn new_lease(&self) -> Lease {
        Lease::new(self.lease)
    }

    /// Takes a `pending` order that `lease` holds (just recorded) through every step,
    /// charging `card`, within `budget`. What is not decided by then is let go of,
    /// [`Outcome::Unfinished`], for a recovery pass to finish.
    #[tracing::instrument(skip_all, fields(order_id = %order.id))]
    pub async fn checkout(
        &self,
        order: order::Model,
        lease: Lease,
        card: &Card,
        budget: Duration,
    ) -> Result<Outcome, SagaError> {
        let worker = Worker {
            saga: self,
            lease,
            deadline: Instant::now() + budget,
            commit_attempts: u32::MAX,
        };
        failpoints::reached(failpoints::AFTER_RECORD).await?;
        let order = match worker.reserve(order).await? {
            Step::Next(order) => order,
            Step::Done(outcome) => return Ok(outcome),
        };
        failpoints::reached(failpoints::AFTER_RESERVE).await?;
        worker.charge(order, card).await
    }

    /// Claims `order` — an unfinished one whose worker is gone — and finishes or undoes
    /// it: `None` when another worker claimed it first (or it moved on).
    #[tracing::instrument(skip_all, fields(order_id = %order.id, state = ?order.state))]
    pub async fn recover(&self, order: order::Model) -> Result<Option<Outcome>, SagaError> {
        let lease = self.new_lease();
        if !orders::claim(&self.db, &order, &lease)
            .await
            .doing("claiming an order")?
        {
            return Ok(None);
        }
        let worker = Worker {
            saga: self,
            lease,
            // One attempt at each call: a pass must not wait out backoffs per order while
            // the catalog is down; the next pass is the retry.
            deadline: Instant::now() + self.lease / 2,
            commit_attempts: 1,
        };
        let outcome = match order.state {
            // Nothing was charged before `charging` was stored.
            OrderState::Pending | OrderState::Reserved => {
                worker
                    .compensate(&order.id, order.state, interrupted())
                    .await?
            }
            OrderState::Charging => worker.settle_charge(order).await?,
            OrderState::Paid => worker.commit_and_place(order).await?,
            OrderState::Compensating => worker.finish_compensating(order).await?,
            OrderState::Placed | OrderState::Failed => Outcome::of(order),
        };
        Ok(Some(outcome))
    }

    async fn load(&self, order_id: &str) -> Result<order::Model, SagaError> {
        orders::by_id(&self.db, order_id)
            .await
            .doing("loading an order")?
            .ok_or_else(|| SagaError::Vanished(order_id.to_owned()))
    }
}

/// One worker's hold on one order, and the time it has for it.
struct Worker<'s> {
    saga: &'s Saga,
    lease: Lease,
    /// When the worker stops waiting for the catalog and lets go of the order.
    deadline: Instant,
    /// How often a commit the catalog does not answer is tried (within the deadline).
    commit_attempts: u32,
}

/// After a step: on to the next, or done (for now).
enum Step {
    Next(order::Model),
    Done(Outcome),
}

impl Worker<'_> {
    fn db(&self) -> &DatabaseConnection {
        &self.saga.db
    }

    /// What is left of the deadline (the most the next call may take).
    fn left(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// `pending` → `reserved`, or undone when the stock cannot be had.
    async fn reserve(&self, order: order::Model) -> Result<Step, SagaError> {
        let lines = orders::lines(self.db(), &order.id)
            .await
            .doing("loading an order's lines")?;
        let request = ReservationRequest {
            lines: lines
                .iter()
                .map(|line| ReservationLine {
                    product_id: line.product_id,
                    quantity: line.quantity,
                })
                .collect(),
            ttl_seconds: self.saga.reservation_ttl_seconds,
        };
        let failure = match self
            .saga
            .catalog
            .reserve(&order.id, &request, self.left())
            .await
        {
            Ok(reservation) if reservation.state == ReservationState::Held => {
                return match orders::mark_reserved(
                    self.db(),
                    &order.id,
                    &self.lease,
                    &reservation.lines,
                )
                .await
                .doing("storing a reservation")?
                {
                    Some(order) => Ok(Step::Next(order)),
                    None => self.lost(&order.id).await.map(Step::Done),
                };
            }
            // A reservation under this id that is over already (it cannot be, for a new
            // order, but then it holds no stock for it).
            Ok(reservation) => {
                tracing::error!(state = ?reservation.state, "a new order's reservation is not held");
                reservation_expired()
            }
            Err(ReserveError::OutOfStock(short)) => out_of_stock(&short, &lines),
            Err(ReserveError::Refused(error)) => {
                tracing::warn!(%error, "the catalog refused the reservation");
                Failure {
                    code: error.code().to_owned(),
                    message: error.to_string(),
                    shortages: Vec::new(),
                }
            }
            // It may have been made all the same: undoing releases it.
            Err(ReserveError::Unavailable(error)) => {
                tracing::warn!(%error, "no answer to the reservation");
                catalog_unavailable()
            }
        };
        self.compensate(&order.id, OrderState::Pending, failure)
            .await
            .map(Step::Done)
    }

    /// `reserved` → `charging` → the provider charges `card` → `paid` → committed and
    /// placed; undone when the card is declined.
    async fn charge(&self, order: order::Model, card: &Card) -> Result<Outcome, SagaError> {
        if !orders::mark_charging(self.db(), &order.id, &self.lease)
            .await
            .doing("storing that an order is being charged")?
        {
            return self.lost(&order.id).await;
        }
        failpoints::reached(failpoints::BEFORE_CHARGE).await?;
        let charged = self
            .saga
            .payments
            .charge(&order.id, order.total_minor, &order.currency, card)
            .await;
        match charged {
            Ok(charge) => {
                failpoints::reached(failpoints::AFTER_CHARGE).await?;
                self.paid(order, charge).await
            }
            Err(PaymentError::Declined { message }) => {
                let failure = Failure {
                    code: codes::PAYMENT_DECLINED.to_owned(),
                    message,
                    shortages: Vec::new(),
                };
                self.compensate(&order.id, OrderState::Charging, failure)
                    .await
            }
            Err(PaymentError::Unanswered(error)) => {
                tracing::warn!(%error, "the payment provider did not answer: asking it whether it charged");
                self.settle_charge(order).await
            }
        }
    }

    /// A `charging` order whose charge is not known: the provider is asked. Charged: on
    /// to `paid` and placed. Not charged: undone — truly nothing was charged. The provider
    /// does not answer: let go of, for the next pass to ask again.
    async fn settle_charge(&self, order: order::Model) -> Result<Outcome, SagaError> {
        match self.saga.payments.charge_of(&order.id).await {
            Ok(Some(charge)) if !charge.refunded => self.paid(order, charge).await,
            Ok(_) => {
                self.compensate(&order.id, OrderState::Charging, payment_unavailable())
                    .await
            }
            Err(error) => {
                tracing::warn!(%error, "the payment provider cannot say whether it charged");
                self.let_go(&order.id).await
            }
        }
    }

    /// `charging` → `paid` with `charge`, then committed and placed.
    async fn paid(&self, order: order::Model, charge: Charge) -> Result<Outcome, SagaError> {
        if charge.refunded
            || !orders::mark_paid(self.db(), &order.id, &self.lease, &charge.reference)
                .await
                .doing("storing a payment")?
        {
            // Another worker has the order now: it asks the provider itself.
            return self.lost(&order.id).await;
        }
        failpoints::reached(failpoints::AFTER_PAYMENT).await?;
        let order = self.saga.load(&order.id).await?;
        self.commit_and_place(order).await
    }

    /// `paid` → `placed`: commits the reservation, then places the order. A reservation
    /// the catalog no longer holds (it expired) is undone and the charge refunded; a
    /// catalog that does not answer within the deadline leaves the order `paid`, let go
    /// of for a recovery pass.
    async fn commit_and_place(&self, order: order::Model) -> Result<Outcome, SagaError> {
        let mut backoff = COMMIT_BACKOFF;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.saga.catalog.commit(&order.id, self.left()).await {
                Ok(()) => {
                    failpoints::reached(failpoints::AFTER_COMMIT).await?;
                    return match orders::place(self.db(), &order.id, OrderState::Paid, &self.lease)
                        .await
                        .doing("placing an order")?
                    {
                        Some(placed) => {
                            tracing::info!("order placed");
                            Ok(Outcome::Placed(placed))
                        }
                        None => self.lost(&order.id).await,
                    };
                }
                Err(CommitError::Gone(error)) => {
                    tracing::warn!(%error, "the reservation is gone: undoing the order");
                    return self
                        .compensate(&order.id, OrderState::Paid, reservation_expired())
                        .await;
                }
                Err(CommitError::Unavailable(error)) => {
                    tracing::warn!(%error, attempt, "no answer to the commit");
                    if attempt >= self.commit_attempts || self.left() <= backoff * 2 {
                        tracing::info!("leaving the order paid: a recovery pass will commit it");
                        return self.let_go(&order.id).await;
                    }
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                }
            }
        }
    }

    /// Undoes an order that will not be placed: records why (`from` → `compensating`),
    /// then releases its reservation and refunds any charge.
    async fn compensate(
        &self,
        order_id: &str,
        from: OrderState,
        failure: Failure,
    ) -> Result<Outcome, SagaError> {
        if !orders::start_compensating(self.db(), order_id, from, &self.lease, &failure)
            .await
            .doing("starting to undo an order")?
        {
            return self.lost(order_id).await;
        }
        failpoints::reached(failpoints::BEFORE_UNDO).await?;
        let order = self.saga.load(order_id).await?;
        self.finish_compensating(order).await
    }

    /// `compensating` → `failed`: releases the reservation (one the catalog never made is
    /// fine) and refunds the charge, if one was taken (the provider is asked, by the
    /// order's id: a charge the order never recorded is refunded too). While the catalog
    /// or the provider does not answer, the order stays `compensating`, let go of for a
    /// recovery pass; its stock comes back at the reservation's TTL anyway.
    async fn finish_compensating(&self, order: order::Model) -> Result<Outcome, SagaError> {
        match self.saga.catalog.release(&order.id).await {
            Ok(()) => {}
            Err(ReleaseError::Sold(error)) => return self.sold_after_all(order, error).await,
            Err(ReleaseError::Refused(error)) => {
                tracing::error!(%error, "the catalog refused to release an order's stock");
                self.let_go(&order.id).await?;
                return Ok(Outcome::Failed(order));
            }
            Err(ReleaseError::Unavailable(error)) => {
                tracing::warn!(%error, "release not confirmed: a recovery pass will retry it");
                self.let_go(&order.id).await?;
                return Ok(Outcome::Failed(order));
            }
        }
        if let Err(error) = self.refund(&order.id).await {
            tracing::warn!(%error, "refund not confirmed: a recovery pass will retry it");
            self.let_go(&order.id).await?;
            return Ok(Outcome::Failed(order));
        }
        if !orders::mark_failed(self.db(), &order.id, &self.lease)
            .await
            .doing("marking an order failed")?
        {
            return self.lost(&order.id).await;
        }
        tracing::info!(code = ?order.failure_code, "order failed; stock released, nothing kept");
        self.current(&order.id).await
    }

    /// Refunds the order's charge if the provider took one and has not given it back.
    async fn refund(&self, order_id: &str) -> anyhow::Result<()> {
        match self.saga.payments.charge_of(order_id).await? {
            Some(charge) if !charge.refunded => {
                self.saga.payments.refund(order_id).await?;
                tracing::info!("charge refunded");
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The catalog will not release the stock of an order being undone because it sold it
    /// (a worker committed the reservation, then lost the order before placing it). If
    /// the order was paid for, it is placed after all: stock sold and payment taken is a
    /// placed order, not a failed one with money kept.
    async fn sold_after_all(
        &self,
        order: order::Model,
        error: platform::Error,
    ) -> Result<Outcome, SagaError> {
        tracing::error!(%error, "undoing an order whose stock the catalog sold");
        match self.saga.payments.charge_of(&order.id).await {
            Ok(Some(charge)) if !charge.refunded => {
                match orders::place(self.db(), &order.id, OrderState::Compensating, &self.lease)
                    .await
                    .doing("placing an order after all")?
                {
                    Some(placed) => Ok(Outcome::Placed(placed)),
                    None => self.lost(&order.id).await,
                }
            }
            answer => {
                tracing::error!(
                    ?answer,
                    "stock sold for an order not paid: left for an operator"
                );
                self.let_go(&order.id).await?;
                Ok(Outcome::Failed(order))
            }
        }
    }

    /// Lets go of the order (a recovery pass may take it at once) and answers it as it is.
    async fn let_go(&self, order_id: &str) -> Result<Outcome, SagaError> {
        orders::let_go(self.db(), order_id, &self.lease)
            .await
            .doing("letting go of an order")?;
        self.current(order_id).await
    }

    /// A step found the order moved on or held by another worker: that worker decides.
    async fn lost(&self, order_id: &str) -> Result<Outcome, SagaError> {
        tracing::info!("the order is another worker's now");
        self.current(order_id).await
    }

    async fn current(&self, order_id: &str) -> Result<Outcome, SagaError> {
        Ok(Outcome::of(self.saga.load(order_id).await?))
    }
}

/// The failure of an order whose stock ran short, naming what ran short.
pub fn out_of_stock(short: &OutOfStock, lines: &[order_line::Model]) -> Failure {
    let shortages: Vec<Shortage> = short
        .shortages
        .iter()
        .map(|shortage| Shortage {
            product_id: shortage.product_id,
            name: lines
                .iter()
                .find(|line| line.product_id == shortage.product_id)
                .map_or_else(|| shortage.name.clone(), |line| line.name.clone()),
            requested: shortage.requested,
            available: shortage.available,
        })
        .collect();
    let what = match shortages.as_slice() {
        [] => "something in your cart sold out".to_owned(),
        [one] => format!("{} sold out", one.name),
        several => {
            let names: Vec<String> = several
                .iter()
                .map(|shortage| format!("{} ({} left)", shortage.name, shortage.available))
                .collect();
            format!("{} sold out", names.join(", "))
        }
    };
    let left = match shortages.as_slice() {
        [one] => format!(" ({} left)", one.available),
        _ => String::new(),
    };
    Failure {
        code: codes::OUT_OF_STOCK.to_owned(),
        message: format!(
            "Sorry — {what} while you were checking out{left}. Nothing was charged and your \
             cart is as it was."
        ),
        shortages,
    }
}

pub fn catalog_unavailable() -> Failure {
    Failure {
        code: codes::CATALOG_UNAVAILABLE.to_owned(),
        message: "We could not confirm the stock of your order just now. Nothing was charged \
                  and your cart is as it was — please try again in a moment."
            .to_owned(),
        shortages: Vec::new(),
    }
}

pub fn payment_unavailable() -> Failure {
    Failure {
        code: codes::PAYMENT_UNAVAILABLE.to_owned(),
        message: "We could not take your payment just now. Nothing was charged and your cart \
                  is as it was — please try again in a moment."
            .to_owned(),
        shortages: Vec::new(),
    }
}

pub fn reservation_expired() -> Failure {
    Failure {
        code: codes::RESERVATION_EXPIRED.to_owned(),
        message: "Your order could not be confirmed in time, so the items were put back. \
                  Your payment was refunded and your cart is as it was."
            .to_owned(),
        shortages: Vec::new(),
    }
}

pub fn interrupted() -> Failure {
    Failure {
        code: codes::INTERRUPTED.to_owned(),
        message: "Your checkout was interrupted before payment. Nothing was charged.".to_owned(),
        shortages: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use catalog_service_api as catalog;

    fn short(shortages: &[(i64, &str, i32, i32)]) -> OutOfStock {
        OutOfStock {
            error: error_detail(),
            shortages: shortages
                .iter()
                .map(|(id, name, requested, available)| catalog::Shortage {
                    product_id: *id,
                    name: (*name).to_owned(),
                    requested: *requested,
                    available: *available,
                })
                .collect(),
        }
    }

    fn error_detail() -> cart_service_api::ErrorDetail {
        cart_service_api::ErrorDetail {
            code: "out_of_stock".into(),
            message: "short".into(),
            field: None,
            fields: Vec::new(),
        }
    }

    #[test]
    fn one_shortage_names_the_product_and_what_is_left() {
        let failure = out_of_stock(&short(&[(7, "Oak desk", 2, 1)]), &[]);
        assert_eq!(
            failure.message,
            "Sorry — Oak desk sold out while you were checking out (1 left). Nothing was \
             charged and your cart is as it was."
        );
        assert_eq!(failure.shortages.len(), 1);
        assert_eq!(failure.code, "out_of_stock");
    }

    #[test]
    fn several_shortages_are_all_named() {
        let failure = out_of_stock(&short(&[(7, "Oak desk", 2, 1), (8, "Lamp", 3, 0)]), &[]);
        assert!(failure
            .message
            .contains("Oak desk (1 left), Lamp (0 left) sold out"));
        assert_eq!(failure.shortages.len(), 2);
    }
}
