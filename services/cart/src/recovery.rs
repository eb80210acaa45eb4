//! Finishing checkouts that were interrupted (a crash, a restart, a catalog that stopped
//! answering half-way).
//!
//! An order that was not paid yet is undone — its reservation released — and fails as
//! `interrupted`: the shopper was never charged and can simply check out again. A paid
//! order is finished: its reservation committed, the order placed, the cart emptied. An
//! order being undone is undone to the end.

use crate::orders::{self, status_of};
use crate::saga::{self, Outcome, Saga};
use cart_service_api::OrderStatus;
use std::sync::Arc;
use std::time::Duration;

/// How often the background recovery looks for stuck orders.
pub const INTERVAL: Duration = Duration::from_secs(30);
/// How long an order must have been left alone before the background recovery takes it
/// over (a live checkout changes its order far more often than this).
pub const QUIET_FOR: Duration = Duration::from_secs(60);

/// One pass over the unfinished orders (only those unchanged for `quiet_for`, if given).
/// Answers how many reached a final state. Errors are logged; an order whose step fails is
/// left as it is for the next pass.
pub async fn recover(saga: &Saga, quiet_for: Option<Duration>) -> usize {
    let quiet_since = quiet_for
        .and_then(|quiet| chrono::Duration::from_std(quiet).ok())
        .map(|quiet| chrono::Utc::now() - quiet);
    let unfinished = match orders::unfinished(&saga.db, quiet_since).await {
        Ok(unfinished) => unfinished,
        Err(error) => {
            tracing::error!(%error, "recovery could not list unfinished orders");
            return 0;
        }
    };
    let mut finished = 0;
    for order in unfinished {
        let order_id = order.id.clone();
        let status = status_of(&order);
        let result = match status {
            OrderStatus::Pending | OrderStatus::Reserved => {
                saga.compensate(&order.id, saga::interrupted()).await
            }
            // One attempt: the next pass is the retry, and a start-up must not wait out
            // a backoff per order while the catalog is down.
            OrderStatus::Paid => saga.commit_and_place(order, 1).await,
            OrderStatus::Compensating => saga.finish_compensating(order).await,
            OrderStatus::Placed | OrderStatus::Failed => continue,
        };
        match result {
            Ok(outcome) => {
                let now = status_of(outcome.order());
                tracing::info!(%order_id, from = status.as_str(), to = now.as_str(), "recovered an order");
                if now.is_final() {
                    finished += 1;
                }
                if let Outcome::Unfinished(_) = outcome {
                    tracing::warn!(%order_id, "order still unfinished: next pass");
                }
            }
            Err(error) => tracing::error!(%order_id, %error, "recovering an order failed"),
        }
    }
    finished
}

/// Runs [`recover`] every [`INTERVAL`] for orders quiet for [`QUIET_FOR`], until the
/// runtime stops.
pub fn keep_recovering(saga: Arc<Saga>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The first tick is immediate; start-up ran a full pass already.
        ticks.tick().await;
        loop {
            ticks.tick().await;
            recover(&saga, Some(QUIET_FOR)).await;
        }
    })
}
