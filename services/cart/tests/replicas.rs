//! Two cart-service processes on one database, as every rolling update and scale-up runs
//! them: a second replica starts while the first is inside a checkout — paused at each
//! step in turn — and must leave that checkout alone: the live one finishes it, charged
//! once, its stock sold once. On SQLite and PostgreSQL.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cart_service::failpoints;
use cart_service_api::{paths, OrderStatus, IDEMPOTENCY_KEY};
use common::process::{Fixture, Process};
use common::{checkout_request, client, count, reservation_state, send, wait_until, GOOD_CARD};
use reqwest::StatusCode;
use sea_orm::{Database, DatabaseConnection};
use std::time::Duration;

test_support::on_both_databases!(crate::common::process::fixture =>
    a_replica_that_starts_mid_checkout_leaves_it_to_the_live_one,
);

/// Each place a checkout can be when the new replica starts: the failpoint it is paused
/// at, the state its order is stored in then, and the charges taken by then.
const STEPS: [(&str, &str, i64); 6] = [
    (failpoints::AFTER_RECORD, "pending", 0),
    (failpoints::AFTER_RESERVE, "reserved", 0),
    (failpoints::BEFORE_CHARGE, "charging", 0),
    (failpoints::AFTER_CHARGE, "charging", 1),
    (failpoints::AFTER_PAYMENT, "paid", 1),
    (failpoints::AFTER_COMMIT, "paid", 1),
];

async fn a_replica_that_starts_mid_checkout_leaves_it_to_the_live_one(fixture: Fixture) {
    let db: DatabaseConnection = Database::connect(&fixture.database.url).await.unwrap();
    // Leases as in production: the pause is far shorter.
    let live = Process::start(&fixture.database.url, &fixture.catalog.address, &[]).await;
    for (round, (failpoint, state, charges)) in STEPS.into_iter().enumerate() {
        common::set_stock(&fixture.catalog.db, 1, 20).await;
        let cart_id = live.cart_with(1, 2).await;
        live.set_failpoint(failpoint, "return(pause)").await;
        let checkout = tokio::spawn(
            client()
                .post(live.url(&paths::checkout(&cart_id)))
                .header(IDEMPOTENCY_KEY, format!("replicas-{round}"))
                .json(&checkout_request(&cart_id, GOOD_CARD))
                .send(),
        );
        let paused_there = format!("cart_id = '{cart_id}' AND status = '{state}'");
        let its_charges =
            format!("order_id IN (SELECT id FROM orders WHERE cart_id = '{cart_id}')");
        wait_until(&format!("the checkout to pause at {failpoint}"), || {
            let (db, paused_there, its_charges) = (&db, &paused_there, &its_charges);
            async move {
                count(db, "orders", paused_there).await == 1
                    && count(db, "payment", its_charges).await == charges
            }
        })
        .await;
        let order_id = common::text(
            &db,
            &format!("SELECT id FROM orders WHERE cart_id = '{cart_id}'"),
        )
        .await
        .unwrap();

        // The new replica starts, and runs its recovery passes every 100 ms meanwhile.
        let newcomer = Process::start(&fixture.database.url, &fixture.catalog.address, &[]).await;
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(
            count(&db, "orders", &paused_there).await,
            1,
            "at {failpoint} the new replica took the live checkout over:\n{}",
            newcomer.log()
        );

        live.clear_failpoint(failpoint).await;
        let answer = checkout.await.unwrap().expect("the live checkout answers");
        let status = answer.status();
        let order: cart_service_api::Order = answer.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "at {failpoint}: {order:?}");
        assert_eq!(order.status, OrderStatus::Placed, "at {failpoint}");
        let payments = format!("order_id = '{order_id}' AND status = 'charged'");
        assert_eq!(count(&db, "payment", &payments).await, 1, "at {failpoint}");
        assert_eq!(
            reservation_state(&fixture.catalog.db, &order_id)
                .await
                .as_deref(),
            Some("committed"),
            "at {failpoint}"
        );
        assert_eq!(
            common::stock(&fixture.catalog.db, 1).await,
            18,
            "sold once, at {failpoint}"
        );
        let (_, summary) = send(client().get(live.url(&paths::summary(&cart_id)))).await;
        assert_eq!(summary["item_count"], 0, "at {failpoint}: {summary}");
        assert!(
            !newcomer.log().contains(&order_id),
            "the new replica touched {order_id}:\n{}",
            newcomer.log()
        );
    }
}
