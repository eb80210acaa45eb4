//! After a run (and faults): do the cart's and the catalog's databases agree?
//!
//! Once every checkout has settled (no order is left between `pending` and `compensating`
//! — recovery passes finish those), these must hold exactly:
//!
//! - every placed order has exactly one charge, not refunded; every failed order has no
//!   charge left (none taken, or refunded) — so every paid order is placed or refunded;
//! - for every product, the units the catalog's committed reservations sold equal the
//!   units of the placed orders;
//! - for every product, stock + units committed + units still held = the stock it started
//!   with: no unit is lost or made up;
//! - no reservation is held past its TTL (the sweeper gives those back);
//! - every order the shop acknowledged exists: a 201 placed, a 202 placed or refunded.

use crate::summary::Acknowledged;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, QueryResult, Statement};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// What reconciling found.
#[derive(Debug, Default, Serialize)]
pub struct Reconciliation {
    pub orders: usize,
    pub placed: usize,
    pub failed: usize,
    pub refunded: usize,
    pub units_sold: i64,
    pub units_held: i64,
    /// How long the last checkouts took to settle.
    pub settled_in_ms: u128,
    /// Everything that does not agree; empty when all is well.
    pub problems: Vec<String>,
}

impl Reconciliation {
    pub fn is_exact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Waits (up to `settle_within`) until no checkout is unfinished in the cart database at
/// `cart_url`, then checks it against the catalog's at `catalog_url`, where every product
/// started with `starting_stock` units.
pub async fn reconcile(
    catalog_url: &str,
    cart_url: &str,
    starting_stock: i64,
    acknowledged: &[Acknowledged],
    settle_within: Duration,
) -> anyhow::Result<Reconciliation> {
    let catalog = Database::connect(catalog_url).await?;
    let cart = Database::connect(cart_url).await?;
    let mut report = Reconciliation::default();

    let started = Instant::now();
    loop {
        let unfinished = count(
            &cart,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM orders WHERE status NOT IN ('placed', 'failed')",
        )
        .await?;
        if unfinished == 0 {
            break;
        }
        if started.elapsed() > settle_within {
            report.problems.push(format!(
                "{unfinished} checkouts still unfinished after {settle_within:?}"
            ));
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    report.settled_in_ms = started.elapsed().as_millis();

    let orders: BTreeMap<String, String> = rows(&cart, "SELECT id, status FROM orders")
        .await?
        .iter()
        .map(|row| Ok((text(row, 0)?, text(row, 1)?)))
        .collect::<anyhow::Result<_>>()?;
    let mut charges: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in rows(&cart, "SELECT order_id, status FROM payment").await? {
        charges
            .entry(text(&row, 0)?)
            .or_default()
            .push(text(&row, 1)?);
    }
    report.orders = orders.len();
    for (order, status) in &orders {
        let taken = charges.get(order).cloned().unwrap_or_default();
        let charged = taken.iter().filter(|s| *s == "charged").count();
        let refunded = taken.iter().filter(|s| *s == "refunded").count();
        report.refunded += refunded;
        match status.as_str() {
            "placed" => {
                report.placed += 1;
                if charged != 1 || refunded != 0 {
                    report.problems.push(format!(
                        "order {order} is placed with charges {taken:?} (want one, kept)"
                    ));
                }
            }
            "failed" => {
                report.failed += 1;
                if charged != 0 {
                    report
                        .problems
                        .push(format!("order {order} failed but keeps a charge {taken:?}"));
                }
            }
            other => report
                .problems
                .push(format!("order {order} is still {other}")),
        }
    }
    for order in charges.keys() {
        if !orders.contains_key(order) {
            report
                .problems
                .push(format!("a charge for order {order}, which does not exist"));
        }
    }

    let ordered = units(
        &cart,
        "SELECT CAST(ol.product_id AS BIGINT), CAST(SUM(ol.quantity) AS BIGINT) FROM order_line ol \
         JOIN orders o ON o.id = ol.order_id WHERE o.status = 'placed' GROUP BY ol.product_id",
    )
    .await?;
    let committed = units(&catalog, &reserved_units("committed")).await?;
    let held = units(&catalog, &reserved_units("held")).await?;
    report.units_sold = committed.values().sum();
    report.units_held = held.values().sum();
    let stock = units(
        &catalog,
        "SELECT CAST(id AS BIGINT), CAST(stock AS BIGINT) FROM product",
    )
    .await?;
    for (product, left) in &stock {
        let sold = committed.get(product).copied().unwrap_or_default();
        let holding = held.get(product).copied().unwrap_or_default();
        let bought = ordered.get(product).copied().unwrap_or_default();
        if sold != bought {
            report.problems.push(format!(
                "product {product}: the catalog sold {sold} units, placed orders hold {bought}"
            ));
        }
        if left + sold + holding != starting_stock {
            report.problems.push(format!(
                "product {product}: stock {left} + sold {sold} + held {holding} is not the \
                 {starting_stock} it started with"
            ));
        }
    }

    let now = Utc::now();
    for row in rows(
        &catalog,
        "SELECT id, expires_at FROM reservation WHERE state = 'held'",
    )
    .await?
    {
        let expires_at: DateTime<Utc> = row.try_get_by_index(1)?;
        // The sweeper runs every few seconds: a reservation due a moment ago is fine.
        if expires_at < now - chrono::Duration::seconds(30) {
            report.problems.push(format!(
                "reservation {} is held past its TTL ({expires_at})",
                text(&row, 0)?
            ));
        }
    }

    for order in acknowledged {
        match (
            orders.get(&order.order_id).map(String::as_str),
            order.status,
        ) {
            (Some("placed"), _) => {}
            (Some("failed"), 202) => {}
            (status, answered) => report.problems.push(format!(
                "order {} was acknowledged with {answered} but is {status:?}",
                order.order_id
            )),
        }
    }
    Ok(report)
}

fn reserved_units(state: &str) -> String {
    format!(
        "SELECT CAST(rl.product_id AS BIGINT), CAST(SUM(rl.quantity) AS BIGINT) FROM reservation_line rl \
         JOIN reservation r ON r.id = rl.reservation_id WHERE r.state = '{state}' \
         GROUP BY rl.product_id"
    )
}

async fn rows(db: &DatabaseConnection, sql: &str) -> anyhow::Result<Vec<QueryResult>> {
    Ok(db
        .query_all(Statement::from_string(db.get_database_backend(), sql))
        .await?)
}

async fn count(db: &DatabaseConnection, sql: &str) -> anyhow::Result<i64> {
    let row = rows(db, sql)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no row: {sql}"))?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

/// (product id, a number) rows as a map.
async fn units(db: &DatabaseConnection, sql: &str) -> anyhow::Result<BTreeMap<i64, i64>> {
    rows(db, sql)
        .await?
        .iter()
        .map(|row| Ok((integer(row, 0)?, integer(row, 1)?)))
        .collect()
}

fn text(row: &QueryResult, index: usize) -> anyhow::Result<String> {
    Ok(row.try_get_by_index::<String>(index)?)
}

fn integer(row: &QueryResult, index: usize) -> anyhow::Result<i64> {
    Ok(row.try_get_by_index::<i64>(index)?)
}
