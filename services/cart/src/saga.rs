//! The checkout saga: how an order goes from `pending` to `placed`, or is undone.
//!
//! ```text
//! pending ──reserve──► reserved ──charge──► paid ──commit──► placed
//!    │                    │                  │
//!    └────────────────────┴──────────────────┴──► compensating ──► failed
//!                               (release the reservation, refund a payment)
//! ```
//!
//! Each state is stored before the next step starts, so after a crash [`crate::recovery`]
//! knows what was done: before payment an order is undone (`interrupted`), once paid it is
//! finished. Steps towards the catalog are idempotent by the order's id (its reservation's
//! id), so doing a step again after a crash or a timeout does it once.

use crate::catalog::{Catalog, CommitError, ReleaseError, ReserveError};
use crate::configuration::Failpoint;
use crate::entities::{order, order_line};
use crate::orders::{self, status_of, Failure};
use crate::payment::{PaymentError, PaymentProvider, PaymentRef};
use cart_service_api::{codes, Card, OrderStatus, Shortage};
use catalog_service_api::{OutOfStock, ReservationLine, ReservationRequest, ReservationState};
use platform::database::DbResultExt;
use platform::Error;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;

/// How often a checkout tries a commit while the catalog does not answer, before the
/// order is left `paid` for the recovery to finish.
pub const COMMIT_ATTEMPTS: u32 = 3;
/// The wait before the first retry of a commit; it doubles each time.
const COMMIT_BACKOFF: Duration = Duration::from_millis(200);

/// Where a checkout ended up.
#[derive(Debug)]
pub enum Outcome {
    /// Stock sold, payment taken, cart emptied.
    Placed(order::Model),
    /// It will not be placed: `failed`, or `compensating` while the undoing waits for the
    /// catalog. Its failure says why.
    Failed(order::Model),
    /// Not decided yet: paid but not committed (the catalog did not answer), or another
    /// request is still working on it.
    Unfinished(order::Model),
}

impl Outcome {
    /// What the stored order says.
    pub fn of(order: order::Model) -> Self {
        match status_of(&order) {
            OrderStatus::Placed => Outcome::Placed(order),
            OrderStatus::Failed | OrderStatus::Compensating => Outcome::Failed(order),
            OrderStatus::Pending | OrderStatus::Reserved | OrderStatus::Paid => {
                Outcome::Unfinished(order)
            }
        }
    }

    pub fn order(&self) -> &order::Model {
        match self {
            Outcome::Placed(order) | Outcome::Failed(order) | Outcome::Unfinished(order) => order,
        }
    }
}

/// What runs checkouts: the cart database, the catalog, the payment provider.
pub struct Saga {
    pub db: DatabaseConnection,
    pub catalog: Arc<Catalog>,
    pub payments: Arc<dyn PaymentProvider>,
    pub reservation_ttl_seconds: u32,
    pub failpoint: Option<Failpoint>,
}

impl Saga {
    /// Takes a `pending` order (just recorded) through every step, charging `card`.
    #[tracing::instrument(skip_all, fields(order_id = %order.id))]
    pub async fn run(&self, order: order::Model, card: &Card) -> Result<Outcome, Error> {
        let lines = orders::lines(&self.db, &order.id)
            .await
            .or_db_error("loading an order's lines")?;
        let request = ReservationRequest {
            lines: lines
                .iter()
                .map(|line| ReservationLine {
                    product_id: line.product_id,
                    quantity: line.quantity,
                })
                .collect(),
            ttl_seconds: self.reservation_ttl_seconds,
        };
        let reserved = match self.catalog.reserve(&order.id, &request).await {
            Ok(reservation) if reservation.state == ReservationState::Held => {
                orders::mark_reserved(&self.db, &order.id, &reservation.lines)
                    .await
                    .or_db_error("storing a reservation")?
            }
            // A reservation under this id that is over already (it cannot be, for a new
            // order, but then it holds no stock for it).
            Ok(reservation) => {
                tracing::error!(state = ?reservation.state, "a new order's reservation is not held");
                return self.compensate(&order.id, reservation_expired()).await;
            }
            Err(ReserveError::OutOfStock(short)) => {
                return self
                    .compensate(&order.id, out_of_stock(&short, &lines))
                    .await;
            }
            Err(ReserveError::Refused(error)) => {
                tracing::warn!(%error, "the catalog refused the reservation");
                let failure = Failure {
                    code: error.code().to_owned(),
                    message: error.to_string(),
                    shortages: Vec::new(),
                };
                return self.compensate(&order.id, failure).await;
            }
            Err(ReserveError::Unavailable(error)) => {
                tracing::warn!(%error, "no answer to the reservation");
                return self.compensate(&order.id, catalog_unavailable()).await;
            }
        };
        let Some(order) = reserved else {
            return self.current(&order.id).await;
        };
        self.crash_if(Failpoint::AfterReserve);

        match self
            .payments
            .charge(&order.id, order.total_minor, &order.currency, card)
            .await
        {
            Ok(payment) => {
                let paid = orders::mark_paid(&self.db, &order.id, &payment.0)
                    .await
                    .or_db_error("storing a payment")?;
                if !paid {
                    // Someone else undid the order meanwhile: it must not keep the money.
                    tracing::warn!("order moved on while it was being paid: refunding");
                    self.refund(&payment).await?;
                    return self.current(&order.id).await;
                }
            }
            Err(PaymentError::Declined { message }) => {
                let failure = Failure {
                    code: codes::PAYMENT_DECLINED.to_owned(),
                    message,
                    shortages: Vec::new(),
                };
                return self.compensate(&order.id, failure).await;
            }
            // Whether it charged is not known: the order stays `reserved`, and the recovery
            // undoes it once it has been quiet for a while.
            Err(PaymentError::Failed(error)) => {
                return Err(Error::Internal(error.context("charging an order")));
            }
        }
        self.crash_if(Failpoint::AfterPayment);

        let order = self.load(&order.id).await?;
        self.commit_and_place(order, COMMIT_ATTEMPTS).await
    }

    /// `paid` → `placed`: commits the reservation, then places the order and empties its
    /// cart. A reservation the catalog no longer holds (it expired) is undone and refunded;
    /// a catalog that does not answer `attempts` times leaves the order `paid`, for the
    /// recovery.
    #[tracing::instrument(skip_all, fields(order_id = %order.id))]
    pub async fn commit_and_place(
        &self,
        order: order::Model,
        attempts: u32,
    ) -> Result<Outcome, Error> {
        let mut backoff = COMMIT_BACKOFF;
        for attempt in 1..=attempts {
            match self.catalog.commit(&order.id).await {
                Ok(()) => {
                    return match orders::place(&self.db, &order)
                        .await
                        .or_db_error("placing an order")?
                    {
                        Some(placed) => {
                            tracing::info!("order placed");
                            Ok(Outcome::Placed(placed))
                        }
                        None => self.current(&order.id).await,
                    };
                }
                Err(CommitError::Gone(error)) => {
                    tracing::warn!(%error, "the reservation is gone: undoing the order");
                    return self.compensate(&order.id, reservation_expired()).await;
                }
                Err(CommitError::Unavailable(error)) => {
                    tracing::warn!(%error, attempt, "no answer to the commit");
                    if attempt < attempts {
                        tokio::time::sleep(backoff).await;
                        backoff *= 2;
                    }
                }
            }
        }
        tracing::warn!("leaving the order paid: the recovery will commit it");
        Ok(Outcome::Unfinished(order))
    }

    /// Undoes an order that will not be placed: records why (`compensating`), then
    /// releases its reservation and refunds its payment ([`Saga::finish_compensating`]).
    #[tracing::instrument(skip(self))]
    pub async fn compensate(&self, order_id: &str, failure: Failure) -> Result<Outcome, Error> {
        let started = orders::start_compensating(&self.db, order_id, &failure)
            .await
            .or_db_error("starting to undo an order")?;
        let order = self.load(order_id).await?;
        if !started && status_of(&order) != OrderStatus::Compensating {
            // Already placed or failed by someone else: that is the outcome.
            return Ok(Outcome::of(order));
        }
        self.finish_compensating(order).await
    }

    /// `compensating` → `failed`: releases the reservation (one the catalog never made is
    /// fine) and refunds the payment, if any. While the catalog does not answer the order
    /// stays `compensating` for the recovery; its stock comes back at the reservation's
    /// TTL anyway, and nothing was charged or the refund waits with it.
    #[tracing::instrument(skip_all, fields(order_id = %order.id))]
    pub async fn finish_compensating(&self, order: order::Model) -> Result<Outcome, Error> {
        match self.catalog.release(&order.id).await {
            Ok(()) => {}
            Err(ReleaseError::Unavailable(error)) => {
                tracing::warn!(%error, "release not confirmed: the recovery will retry it");
                return Ok(Outcome::Failed(order));
            }
            Err(ReleaseError::Refused(error)) => {
                tracing::error!(%error, "the catalog refused to release an order's stock");
                return Ok(Outcome::Failed(order));
            }
        }
        if let Some(payment) = &order.payment_ref {
            self.refund(&PaymentRef(payment.clone())).await?;
        }
        orders::mark_failed(&self.db, &order.id)
            .await
            .or_db_error("marking an order failed")?;
        tracing::info!(code = ?order.failure_code, "order failed; stock released");
        self.current(&order.id).await
    }

    async fn refund(&self, payment: &PaymentRef) -> Result<(), Error> {
        self.payments
            .refund(payment)
            .await
            .map_err(|error| Error::Internal(error.context("refunding a payment")))
    }

    async fn load(&self, order_id: &str) -> Result<order::Model, Error> {
        orders::by_id(&self.db, order_id)
            .await
            .or_db_error("loading an order")?
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("order {order_id} vanished")))
    }

    async fn current(&self, order_id: &str) -> Result<Outcome, Error> {
        Ok(Outcome::of(self.load(order_id).await?))
    }

    /// For the crash tests: dies here, as if the process were killed, when asked to.
    fn crash_if(&self, point: Failpoint) {
        if self.failpoint == Some(point) {
            tracing::warn!(?point, "failpoint reached: exiting");
            std::process::exit(137);
        }
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
