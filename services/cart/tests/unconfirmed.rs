//! A checkout whose payment went through but whose stock the catalog could not confirm:
//! answered 202 and left `paid` (let go of, for any replica to finish), then placed by a
//! recovery pass once the catalog is back. On SQLite and PostgreSQL.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cart_service_api::{paths, Order, OrderStatus, IDEMPOTENCY_KEY};
use common::{checkout_request, client, send, GOOD_CARD};
use reqwest::StatusCode;
use std::sync::Arc;
use test_support::cart::ObservedPayments;
use test_support::catalog::CatalogService;
use test_support::{FreshDatabase, RunningServer, TestDatabase};

struct Fixture {
    catalog: Arc<CatalogService>,
    cart: RunningServer,
    cart_db: sea_orm::DatabaseConnection,
    database: FreshDatabase,
    /// Outlives the catalog's first server: the test starts it again on the same data.
    catalog_database: FreshDatabase,
}

async fn fixture(database: TestDatabase) -> Option<Fixture> {
    let catalog_database = database.create().await?;
    let catalog = Arc::new(test_support::catalog::spawn_service_on(&catalog_database.url).await);
    let cart_database = database.create().await?;
    let configuration =
        test_support::cart::service_configuration(&cart_database.url, &catalog.address);
    let stopper = catalog.clone();
    let application =
        cart_service::startup::Application::build_with_payments(configuration, move |db| {
            // The payment goes through, and the catalog goes down while it does.
            Arc::new(ObservedPayments::new(db).before_charge(move || {
                let catalog = stopper.clone();
                async move { catalog.stop().await }
            }))
        })
        .await
        .unwrap();
    let cart_db = application.db.clone();
    let cart = RunningServer::spawn(application.server);
    Some(Fixture {
        catalog,
        cart,
        cart_db,
        database: cart_database,
        catalog_database,
    })
}

test_support::on_both_databases!(crate::fixture =>
    a_paid_checkout_the_catalog_cannot_confirm_is_a_202_and_placed_by_the_recovery,
);

async fn a_paid_checkout_the_catalog_cannot_confirm_is_a_202_and_placed_by_the_recovery(
    fixture: Fixture,
) {
    common::set_stock(&fixture.catalog.db, 1, 10).await;
    let url = |path: &str| format!("{}{path}", fixture.cart.address);
    let (_, cart) = send(client().post(url(paths::CARTS))).await;
    let cart_id = cart["id"].as_str().unwrap().to_owned();
    let (status, body) = send(
        client()
            .post(url(&paths::lines(&cart_id)))
            .json(&serde_json::json!({ "product_id": 1, "quantity": 2 })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, body) = send(
        client()
            .post(url(&paths::checkout(&cart_id)))
            .header(IDEMPOTENCY_KEY, "unconfirmed")
            .json(&checkout_request(&cart_id, GOOD_CARD)),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let order: Order = serde_json::from_value(body).unwrap();
    assert_eq!(order.status, OrderStatus::Paid);
    assert_eq!(
        common::stock(&fixture.catalog.db, 1).await,
        8,
        "still reserved, not released"
    );
    let (_, summary) = send(client().get(url(&paths::summary(&cart_id)))).await;
    assert_eq!(summary["item_count"], 2, "not placed yet: the cart stays");

    // The catalog is back (at a new address); a cart-service that knows the address (a new
    // replica, say) finishes it at once: the checkout let go of it when it answered.
    let catalog = test_support::catalog::spawn_service_on(&fixture.catalog_database.url).await;
    let restarted =
        test_support::cart::spawn_service_on(&fixture.database.url, &catalog.address).await;
    common::wait_until("the order to be placed", || async {
        common::count(&fixture.cart_db, "orders", "status = 'placed'").await == 1
    })
    .await;
    let (status, body) =
        test_support::http::get(&format!("{}{}", restarted.address, paths::order(&order.id))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "placed", "{body}");
    assert_eq!(common::stock(&catalog.db, 1).await, 8, "sold");
    let (_, summary) = test_support::http::get(&format!(
        "{}{}",
        restarted.address,
        paths::summary(&cart_id)
    ))
    .await;
    assert_eq!(summary["item_count"], 0, "{summary}");
    assert_eq!(
        common::count(&fixture.cart_db, "payment", "status = 'charged'").await,
        1
    );
}
