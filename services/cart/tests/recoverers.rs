//! Two recoverers at once — two replicas' recovery passes, each with its own connections
//! to one database — over orders left at every step of the saga by workers that are gone:
//! each order is settled exactly once, and payments, orders and stock agree. On SQLite and
//! PostgreSQL.
//!
//! The orders are left behind by checkouts stopped at a failpoint (`return(abandon)`: the
//! saga stops there as if its process died). Failpoints are global to this process, so
//! the test holds the fail crate's scenario lock while it sets them.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cart_service::catalog::Catalog;
use cart_service::entities::order;
use cart_service::failpoints;
use cart_service::recovery;
use cart_service::saga::Saga;
use cart_service_api::paths;
use common::{reservation_state, Shop, DECLINED_CARD, GOOD_CARD};
use sea_orm::sea_query::Expr;
use sea_orm::{Database, EntityTrait};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use test_support::cart::ObservedPayments;
use test_support::TestDatabase;

test_support::on_both_databases!(crate::fixture =>
    two_recoverers_at_once_settle_each_order_exactly_once,
);

/// The shop, with a cart-service whose own recovery passes stay out of the way: the two
/// recoverers of the test are the only ones.
async fn fixture(database: TestDatabase) -> Option<Shop> {
    let catalog = test_support::catalog::spawn_service(database).await?;
    let cart_database = database.create().await?;
    let mut configuration =
        test_support::cart::service_configuration(&cart_database.url, &catalog.address);
    configuration.recovery_interval = Duration::from_secs(3600);
    let mut cart = test_support::cart::spawn_configured(configuration).await;
    cart.keep(cart_database);
    Some(Shop { catalog, cart })
}

/// A replica's recovery: its own connections, catalog client and provider.
async fn recoverer(shop: &Shop, refunds: &Arc<Mutex<HashMap<String, u32>>>) -> Saga {
    let db = Database::connect(&shop.cart.database_url).await.unwrap();
    Saga {
        db: db.clone(),
        catalog: Arc::new(
            Catalog::new(
                &shop.catalog.address,
                Duration::from_secs(2),
                Duration::ZERO,
            )
            .unwrap(),
        ),
        payments: Arc::new(ObservedPayments::new(db).counting_into(refunds)),
        reservation_ttl_seconds: 900,
        lease: Duration::from_secs(30),
    }
}

/// What each abandoned checkout left, and how it must end.
struct Left {
    failpoint: &'static str,
    card: &'static str,
    /// The catalog lets go of the stock before anyone recovers the order (as at its TTL).
    stock_gone: bool,
    placed: bool,
    refunded: bool,
}

const LEFT: [Left; 8] = [
    Left {
        failpoint: failpoints::AFTER_RECORD,
        card: GOOD_CARD,
        stock_gone: false,
        placed: false,
        refunded: false,
    },
    Left {
        failpoint: failpoints::AFTER_RESERVE,
        card: GOOD_CARD,
        stock_gone: false,
        placed: false,
        refunded: false,
    },
    Left {
        failpoint: failpoints::BEFORE_CHARGE,
        card: GOOD_CARD,
        stock_gone: false,
        placed: false,
        refunded: false,
    },
    Left {
        failpoint: failpoints::AFTER_CHARGE,
        card: GOOD_CARD,
        stock_gone: false,
        placed: true,
        refunded: false,
    },
    Left {
        failpoint: failpoints::AFTER_PAYMENT,
        card: GOOD_CARD,
        stock_gone: false,
        placed: true,
        refunded: false,
    },
    Left {
        failpoint: failpoints::AFTER_PAYMENT,
        card: GOOD_CARD,
        stock_gone: true,
        placed: false,
        refunded: true,
    },
    Left {
        failpoint: failpoints::AFTER_COMMIT,
        card: GOOD_CARD,
        stock_gone: false,
        placed: true,
        refunded: false,
    },
    Left {
        failpoint: failpoints::BEFORE_UNDO,
        card: DECLINED_CARD,
        stock_gone: false,
        placed: false,
        refunded: false,
    },
];

async fn two_recoverers_at_once_settle_each_order_exactly_once(shop: Shop) {
    let scenario = fail::FailScenario::setup();
    shop.set_stock(1, 100).await;
    let mut orders = Vec::new();
    for (n, left) in LEFT.iter().enumerate() {
        let cart_id = shop.cart_with(&[(1, 2)]).await;
        fail::cfg(left.failpoint, "return(abandon)").unwrap();
        let (status, body) = shop
            .checkout(&cart_id, &format!("abandoned-{n}"), left.card)
            .await;
        fail::remove(left.failpoint);
        assert_eq!(
            status, 500,
            "the checkout stopped at {}: {body}",
            left.failpoint
        );
        let order_id = common::text(
            &shop.cart.db,
            &format!("SELECT id FROM orders WHERE cart_id = '{cart_id}'"),
        )
        .await
        .unwrap();
        if left.stock_gone {
            let (status, body) = common::send(common::client().post(format!(
                "{}{}",
                shop.catalog.address,
                catalog_service_api::paths::release_reservation(&order_id)
            )))
            .await;
            assert_eq!(status, 200, "{body}");
        }
        orders.push((order_id, cart_id, left));
    }
    scenario.teardown();
    assert_eq!(
        shop.stock(1).await,
        100 - 2 * 6,
        "6 of them hold or sold stock"
    );
    // Their workers are gone: every lease has run out.
    order::Entity::update_many()
        .col_expr(
            order::Column::LeaseUntil,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .exec(&shop.cart.db)
        .await
        .unwrap();

    let refunds = Arc::new(Mutex::new(HashMap::new()));
    let (one, other) = (
        recoverer(&shop, &refunds).await,
        recoverer(&shop, &refunds).await,
    );
    let (settled_by_one, settled_by_other) =
        tokio::join!(recovery::recover(&one), recovery::recover(&other));
    assert_eq!(
        settled_by_one + settled_by_other,
        LEFT.len(),
        "each order settled once ({settled_by_one} + {settled_by_other})"
    );

    let refunds = refunds.lock().unwrap().clone();
    let mut placed = 0;
    for (order_id, cart_id, left) in &orders {
        let (_, order) = shop.get(&paths::order(order_id)).await;
        let expected = if left.placed { "placed" } else { "failed" };
        assert_eq!(order["status"], expected, "{}: {order}", left.failpoint);
        let charged = shop
            .count(
                "payment",
                &format!("order_id = '{order_id}' AND status = 'charged'"),
            )
            .await;
        let refunded = shop
            .count(
                "payment",
                &format!("order_id = '{order_id}' AND status = 'refunded'"),
            )
            .await;
        assert_eq!(charged, i64::from(left.placed), "{}", left.failpoint);
        assert_eq!(refunded, i64::from(left.refunded), "{}", left.failpoint);
        assert_eq!(
            refunds.get(order_id.as_str()).copied().unwrap_or_default(),
            u32::from(left.refunded),
            "refunds asked for at {}",
            left.failpoint
        );
        let reservation = reservation_state(&shop.catalog.db, order_id).await;
        if left.placed {
            placed += 1;
            assert_eq!(
                reservation.as_deref(),
                Some("committed"),
                "{}",
                left.failpoint
            );
            assert_eq!(shop.quantities(cart_id).await, [], "{}", left.failpoint);
        } else {
            assert_ne!(
                reservation.as_deref(),
                Some("committed"),
                "{}",
                left.failpoint
            );
            assert_eq!(
                shop.quantities(cart_id).await,
                [(1, 2)],
                "{}",
                left.failpoint
            );
        }
    }
    assert_eq!(
        shop.stock(1).await,
        100 - 2 * placed,
        "sold exactly what was placed"
    );
    assert_eq!(
        shop.count("orders", "lease_token IS NOT NULL").await,
        0,
        "no order is held by anyone"
    );
}
