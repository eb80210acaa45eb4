//! Crashes in the middle of a checkout: the real binary, killed on purpose right after a
//! saga step (a failpoint set to `return(exit)`), then started again on the same
//! database. Once the dead process's lease on the order runs out, the new one settles it:
//! what was not charged is undone; what was charged is placed — or refunded when its
//! stock is gone — and payments, orders and stock agree. On SQLite and PostgreSQL.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cart_service::failpoints;
use cart_service_api::{paths, Order, OrderStatus, IDEMPOTENCY_KEY};
use common::process::{Fixture, Process};
use common::{checkout_request, client, count, reservation_state, send, wait_until, GOOD_CARD};
use reqwest::StatusCode;
use sea_orm::{Database, DatabaseConnection};

test_support::on_both_databases!(crate::common::process::fixture =>
    a_crash_after_reserving_is_undone,
    a_crash_between_charging_and_recording_it_is_placed,
    a_crash_between_charging_and_recording_it_is_refunded_when_the_stock_is_gone,
    a_crash_after_payment_is_placed,
);

/// A short lease, so the crashed process's hold on its order runs out quickly.
const SHORT_LEASE: (&str, &str) = ("CART_SERVICE__CHECKOUT_LEASE_MS", "1000");

impl Fixture {
    async fn start(&self, env: &[(&str, &str)]) -> Process {
        let mut with_lease = vec![SHORT_LEASE];
        with_lease.extend_from_slice(env);
        Process::start(&self.database.url, &self.catalog.address, &with_lease).await
    }

    async fn cart_db(&self) -> DatabaseConnection {
        Database::connect(&self.database.url).await.unwrap()
    }

    async fn stock(&self) -> i32 {
        common::stock(&self.catalog.db, 1).await
    }

    /// Starts a process that dies at `failpoint`, and a checkout of `quantity` of product
    /// 1 that it dies in. Returns the cart, the order and the stock before.
    async fn crash_at(&self, failpoint: &str, quantity: i32) -> (String, String, i32) {
        common::set_stock(&self.catalog.db, 1, 20).await;
        let spec = format!("{failpoint}=return(exit)");
        let mut service = self.start(&[("FAILPOINTS", spec.as_str())]).await;
        let cart_id = service.cart_with(1, quantity).await;
        let stock = self.stock().await;
        let answer = client()
            .post(service.url(&paths::checkout(&cart_id)))
            .header(IDEMPOTENCY_KEY, "crash")
            .json(&checkout_request(&cart_id, GOOD_CARD))
            .send()
            .await;
        assert!(answer.is_err(), "the connection should drop: {answer:?}");
        assert_eq!(service.exit_code().await, Some(137), "{}", service.log());
        let order_id = common::text(&self.cart_db().await, "SELECT id FROM orders")
            .await
            .expect("the order was recorded");
        (cart_id, order_id, stock)
    }

    /// Starts a process and waits until it settled `order_id`.
    async fn recovered(&self, order_id: &str) -> (Process, Order) {
        let service = self.start(&[]).await;
        let db = self.cart_db().await;
        let final_state = format!("id = '{order_id}' AND status IN ('placed', 'failed')");
        wait_until("the new process to settle the order", || {
            let (db, condition) = (&db, &final_state);
            async move { count(db, "orders", condition).await == 1 }
        })
        .await;
        let (status, body) = send(client().get(service.url(&paths::order(order_id)))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        (service, serde_json::from_value(body).unwrap())
    }

    async fn payments(&self, order_id: &str, status: &str) -> i64 {
        count(
            &self.cart_db().await,
            "payment",
            &format!("order_id = '{order_id}' AND status = '{status}'"),
        )
        .await
    }
}

async fn a_crash_after_reserving_is_undone(fixture: Fixture) {
    let (cart_id, order_id, stock) = fixture.crash_at(failpoints::AFTER_RESERVE, 3).await;
    assert_eq!(
        fixture.stock().await,
        stock - 3,
        "reserved before the crash"
    );

    let (service, order) = fixture.recovered(&order_id).await;
    assert_eq!(order.status, OrderStatus::Failed);
    let failure = order.failure.unwrap();
    assert_eq!(failure.code, "interrupted");
    assert_eq!(
        failure.message,
        "Your checkout was interrupted before payment. Nothing was charged."
    );
    assert_eq!(fixture.stock().await, stock, "stock back");
    let (_, summary) = send(client().get(service.url(&paths::summary(&cart_id)))).await;
    assert_eq!(summary["item_count"], 3, "the cart is as it was: {summary}");
    assert_eq!(count(&fixture.cart_db().await, "payment", "1 = 1").await, 0);
    // The same checkout, retried by the shopper, now answers what happened to it.
    let (status, body) = send(
        client()
            .post(service.url(&paths::checkout(&cart_id)))
            .header(IDEMPOTENCY_KEY, "crash")
            .json(&checkout_request(&cart_id, GOOD_CARD)),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "interrupted", "{body}");
}

async fn a_crash_between_charging_and_recording_it_is_placed(fixture: Fixture) {
    let (cart_id, order_id, stock) = fixture.crash_at(failpoints::AFTER_CHARGE, 2).await;
    let db = fixture.cart_db().await;
    assert_eq!(
        count(&db, "orders", "status = 'charging' AND payment_ref IS NULL").await,
        1,
        "the order does not know it was charged"
    );
    assert_eq!(fixture.payments(&order_id, "charged").await, 1);

    let (service, order) = fixture.recovered(&order_id).await;
    assert_eq!(order.status, OrderStatus::Placed, "{order:?}");
    assert_eq!(
        fixture.payments(&order_id, "charged").await,
        1,
        "charged once"
    );
    assert_eq!(fixture.stock().await, stock - 2, "sold");
    assert_eq!(
        reservation_state(&fixture.catalog.db, &order_id)
            .await
            .as_deref(),
        Some("committed")
    );
    let (_, summary) = send(client().get(service.url(&paths::summary(&cart_id)))).await;
    assert_eq!(summary["item_count"], 0, "bought: {summary}");
}

async fn a_crash_between_charging_and_recording_it_is_refunded_when_the_stock_is_gone(
    fixture: Fixture,
) {
    let (cart_id, order_id, stock) = fixture.crash_at(failpoints::AFTER_CHARGE, 2).await;
    // While nobody finishes the order, its reservation ends (as at its TTL).
    let (status, body) = send(client().post(format!(
        "{}{}",
        fixture.catalog.address,
        catalog_service_api::paths::release_reservation(&order_id)
    )))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (service, order) = fixture.recovered(&order_id).await;
    assert_eq!(order.status, OrderStatus::Failed, "{order:?}");
    let failure = order.failure.unwrap();
    assert_eq!(failure.code, "reservation_expired");
    assert!(failure.message.contains("refunded"), "{}", failure.message);
    assert_eq!(fixture.payments(&order_id, "refunded").await, 1, "refunded");
    assert_eq!(fixture.payments(&order_id, "charged").await, 0);
    assert_eq!(fixture.stock().await, stock, "nothing sold");
    let (_, summary) = send(client().get(service.url(&paths::summary(&cart_id)))).await;
    assert_eq!(summary["item_count"], 2, "the cart is as it was: {summary}");
}

async fn a_crash_after_payment_is_placed(fixture: Fixture) {
    let (cart_id, order_id, stock) = fixture.crash_at(failpoints::AFTER_PAYMENT, 2).await;
    assert_eq!(
        count(&fixture.cart_db().await, "orders", "status = 'paid'").await,
        1
    );

    let (service, order) = fixture.recovered(&order_id).await;
    assert_eq!(order.status, OrderStatus::Placed, "{order:?}");
    assert!(order.placed_at.is_some());
    assert_eq!(fixture.stock().await, stock - 2, "sold");
    let (_, summary) = send(client().get(service.url(&paths::summary(&cart_id)))).await;
    assert_eq!(summary["item_count"], 0, "the cart is emptied: {summary}");
    assert_eq!(
        fixture.payments(&order_id, "charged").await,
        1,
        "charged once"
    );
    let (status, body) = send(
        client()
            .post(service.url(&paths::checkout(&cart_id)))
            .header(IDEMPOTENCY_KEY, "crash")
            .json(&checkout_request(&cart_id, GOOD_CARD)),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a retry answers the placed order: {body}"
    );
    assert_eq!(body["id"], order.id.as_str());
}
