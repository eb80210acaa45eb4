//! The reconciliation the chaos check relies on finds what does not agree: after one real
//! checkout through cart-service and the catalog it reports the databases exact, and it
//! reports each kind of disagreement made on purpose — a placed order whose charge was
//! given back, a unit of stock that appeared from nowhere, an acknowledged order that is
//! not there. On SQLite and PostgreSQL.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cart_service_api::{paths, Address, Card, CheckoutRequest, Owner, IDEMPOTENCY_KEY};
use reqwest012 as reqwest;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use std::time::Duration;
use storefront_load::{reconcile, Acknowledged};
use test_support::cart::CartService;
use test_support::catalog::CatalogService;
use test_support::{FreshDatabase, TestDatabase};

const STOCK: i64 = 100;

/// A catalog whose every product has [`STOCK`] units, a cart-service, and one order placed.
struct Shop {
    catalog: CatalogService,
    catalog_database: FreshDatabase,
    cart: CartService,
    order: Acknowledged,
}

async fn shop(database: TestDatabase) -> Option<Shop> {
    let catalog_database = database.create().await?;
    let catalog = test_support::catalog::spawn_service_on(&catalog_database.url).await;
    catalog
        .db
        .execute_unprepared(&format!("UPDATE product SET stock = {STOCK}"))
        .await
        .unwrap();
    let cart = test_support::cart::spawn_service(database, &catalog.address).await?;
    let client = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", cart.address);
    let made: serde_json::Value = client
        .post(url(paths::CARTS))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cart_id = made["id"].as_str().unwrap().to_owned();
    let added = client
        .post(url(&paths::lines(&cart_id)))
        .json(&serde_json::json!({ "product_id": 1, "quantity": 3 }))
        .send()
        .await
        .unwrap();
    assert!(added.status().is_success());
    let checkout = CheckoutRequest {
        owner: Owner::guest(&cart_id),
        shipping_address: Address {
            name: "Ada Lovelace".into(),
            line1: "12 Analytical Row".into(),
            line2: String::new(),
            postal_code: "10115".into(),
            city: "Berlin".into(),
            country: "DE".into(),
        },
        payment: Card {
            number: "4242 4242 4242 4242".into(),
            expiry_month: 12,
            expiry_year: 2099,
            cvc: "123".into(),
        },
    };
    let placed = client
        .post(url(&paths::checkout(&cart_id)))
        .header(IDEMPOTENCY_KEY, "reconcile")
        .json(&checkout)
        .send()
        .await
        .unwrap();
    assert_eq!(placed.status().as_u16(), 201);
    let order: serde_json::Value = placed.json().await.unwrap();
    Some(Shop {
        catalog,
        catalog_database,
        order: Acknowledged {
            order_id: order["id"].as_str().unwrap().to_owned(),
            status: 201,
        },
        cart,
    })
}

test_support::on_both_databases!(crate::shop =>
    agreeing_databases_reconcile_exactly_and_each_disagreement_is_named,
);

async fn problems(shop: &Shop, acknowledged: &[Acknowledged]) -> Vec<String> {
    reconcile(
        &shop.catalog_database.url,
        &shop.cart.database_url,
        STOCK,
        acknowledged,
        Duration::from_secs(5),
    )
    .await
    .unwrap()
    .problems
}

async fn execute(db: &DatabaseConnection, sql: &str) {
    db.execute_unprepared(sql).await.unwrap();
}

async fn agreeing_databases_reconcile_exactly_and_each_disagreement_is_named(shop: Shop) {
    let exact = reconcile(
        &shop.catalog_database.url,
        &shop.cart.database_url,
        STOCK,
        std::slice::from_ref(&shop.order),
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert!(exact.is_exact(), "{:?}", exact.problems);
    assert_eq!((exact.placed, exact.units_sold), (1, 3));

    let missing = Acknowledged {
        order_id: "0123456789abcdef0123456789abcdef".into(),
        status: 201,
    };
    let found = problems(&shop, &[shop.order.clone(), missing]).await;
    assert!(
        found
            .iter()
            .any(|p| p.contains("0123456789abcdef0123456789abcdef")),
        "an acknowledged order that is not there: {found:?}"
    );

    execute(
        &shop.catalog.db,
        "UPDATE product SET stock = stock + 1 WHERE id = 2",
    )
    .await;
    let found = problems(&shop, &[]).await;
    assert!(
        found.iter().any(|p| p.starts_with("product 2:")),
        "a unit from nowhere: {found:?}"
    );
    execute(
        &shop.catalog.db,
        "UPDATE product SET stock = stock - 1 WHERE id = 2",
    )
    .await;

    execute(&shop.cart.db, "UPDATE payment SET status = 'refunded'").await;
    let found = problems(&shop, &[]).await;
    assert!(
        found
            .iter()
            .any(|p| p.contains(&shop.order.order_id) && p.contains("placed")),
        "a placed order whose charge was given back: {found:?}"
    );
    execute(&shop.cart.db, "UPDATE payment SET status = 'charged'").await;
    assert!(problems(&shop, &[]).await.is_empty(), "all agrees again");
}
