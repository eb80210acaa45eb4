//! A checkout that will succeed is never answered as a failure because it is slow: when
//! the catalog stops answering right after the payment, cart-service answers within its
//! checkout budget — the order is paid and being finished (202, "processing") — and
//! cart-bff waits that long, so the shopper is told the truth instead of "unavailable".
//! Once the catalog answers again, a recovery pass places the order. On SQLite and
//! PostgreSQL.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{spawn_bff, valid_form, Shop, UPSTREAM_TIMEOUT};
use reqwest::StatusCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use test_support::cart::ObservedPayments;
use test_support::keys::IdentityKeys;
use test_support::proxy::Proxy;
use test_support::TestDatabase;

struct Fixture {
    shop: Shop,
    catalog_proxy: Arc<Proxy>,
}

async fn fixture(database: TestDatabase) -> Option<Fixture> {
    let catalog = test_support::catalog::spawn_service(database).await?;
    let catalog_proxy = Arc::new(Proxy::start(&catalog.address).await);
    let cart_database = database.create().await?;
    let configuration =
        test_support::cart::service_configuration(&cart_database.url, &catalog_proxy.address);
    let hangs = catalog_proxy.clone();
    let application =
        cart_service::startup::Application::build_with_payments(configuration, move |db| {
            // The payment goes through, and the catalog stops answering while it does.
            Arc::new(ObservedPayments::new(db).before_charge(move || {
                hangs.hang();
                async {}
            }))
        })
        .await
        .unwrap();
    let mut cart = test_support::cart::wrap(application, &cart_database.url);
    cart.keep(cart_database);
    let keys = IdentityKeys::generate();
    let bff = spawn_bff(&cart.address, UPSTREAM_TIMEOUT, &keys);
    Some(Fixture {
        shop: Shop {
            catalog,
            cart,
            bff,
            keys,
        },
        catalog_proxy,
    })
}

test_support::on_both_databases!(crate::fixture =>
    a_paid_checkout_the_catalog_is_slow_to_confirm_is_processing_not_unavailable,
);

async fn a_paid_checkout_the_catalog_is_slow_to_confirm_is_processing_not_unavailable(
    fixture: Fixture,
) {
    let shop = &fixture.shop;
    let product = shop.cheap_product(5).await;
    let mut shopper = shop.shopper().patient();
    assert_eq!(shopper.add(product.id, 2).await.status, StatusCode::OK);

    let started = Instant::now();
    let answer = shopper.checkout("slow-catalog", &valid_form()).await;
    let took = started.elapsed();
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text);
    assert_eq!(answer.body["state"], "processing", "{}", answer.text);
    assert!(
        took < cart_service_api::CHECKOUT_ANSWER_WITHIN,
        "answered within the budget, not at a timeout ({took:?})"
    );
    let order_id = answer.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        shop.count("payment", &format!("order_id = '{order_id}'"))
            .await,
        1,
        "charged"
    );

    fixture.catalog_proxy.resume();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let answer = shopper.get(&cart_api::order_url(&order_id)).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        if answer.body["state"] == "placed" {
            break;
        }
        assert!(Instant::now() < deadline, "never placed: {}", answer.text);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(shopper.mini_cart().await.item_count, 0, "bought");
}
