//! Finishing checkouts whose worker is gone (a crash, a restart, a request that ran out of
//! its budget while the catalog or the provider did not answer).
//!
//! Every replica runs a pass every few seconds, from the moment it starts. A pass takes
//! only orders whose lease ran out — their worker has not taken a step for longer than
//! any step can last — and claims each one before touching it, so a replica starting
//! during a rolling update never takes over a checkout another replica is running, and
//! two passes at once settle each order once. What happens to an order depends on what
//! was stored before its worker stopped ([`crate::saga`]): not charged yet → undone
//! (`interrupted`); `charging` → the provider is asked, then finished or undone; paid →
//! placed (or refunded if its stock is gone); being undone → undone to the end.

use crate::orders;
use crate::saga::{Outcome, Saga};
use std::sync::Arc;
use std::time::Duration;

/// Most orders one pass takes on; the next pass takes the rest.
pub const BATCH: u64 = 100;

/// One pass over the orders whose worker is gone. Answers how many it settled (brought
/// to `placed` or `failed`). Errors are logged; an order whose step fails is left for the
/// next pass.
pub async fn recover(saga: &Saga) -> usize {
    let orders = match orders::claimable(&saga.db, &saga.new_lease(), BATCH).await {
        Ok(orders) => orders,
        Err(error) => {
            tracing::error!(%error, "recovery could not list unfinished orders");
            return 0;
        }
    };
    let mut settled = 0;
    for order in orders {
        let (order_id, from) = (order.id.clone(), order.state);
        match saga.recover(order).await {
            Ok(None) => tracing::debug!(%order_id, "claimed by another worker meanwhile"),
            Ok(Some(outcome)) => {
                let now = outcome.order().state;
                tracing::info!(%order_id, ?from, to = ?now, "recovered an order");
                if now.is_final() {
                    settled += 1;
                }
                if let Outcome::Unfinished(_) = outcome {
                    tracing::warn!(%order_id, "order still unfinished: next pass");
                }
            }
            Err(error) => tracing::error!(%order_id, %error, "recovering an order failed"),
        }
    }
    settled
}

/// Runs [`recover`] now and then every `interval`, until the runtime stops.
pub fn keep_recovering(saga: Arc<Saga>, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let settled = recover(&saga).await;
            if settled > 0 {
                tracing::info!(settled, "settled checkouts whose worker was gone");
            }
        }
    })
}
