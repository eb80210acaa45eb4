//! The cart changes while its checkout runs (another tab, a quick shopper): placing the
//! order takes out exactly what it bought, and what was added meanwhile stays for the
//! next checkout. On SQLite and PostgreSQL.
//!
//! The checkout is paused at a failpoint (global to this process: the test holds the fail
//! crate's scenario lock, and is the only one in this file).

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cart_service::failpoints;
use cart_service_api::{paths, IDEMPOTENCY_KEY};
use common::{checkout_request, client, wait_until, Shop, GOOD_CARD};
use reqwest::StatusCode;

test_support::on_both_databases!(crate::common::spawn_shop =>
    what_is_added_while_checking_out_stays_in_the_cart,
);

async fn what_is_added_while_checking_out_stays_in_the_cart(shop: Shop) {
    let scenario = fail::FailScenario::setup();
    shop.set_stock(0, 50).await;
    let cart_id = shop.cart_with(&[(1, 2), (2, 1), (3, 4)]).await;
    fail::cfg(failpoints::AFTER_PAYMENT, "return(pause)").unwrap();
    let checkout = tokio::spawn(
        client()
            .post(shop.url(&paths::checkout(&cart_id)))
            .header(IDEMPOTENCY_KEY, "while-checking-out")
            .json(&checkout_request(&cart_id, GOOD_CARD))
            .send(),
    );
    wait_until("the checkout to be paid", || async {
        shop.count("orders", "status = 'paid'").await == 1
    })
    .await;
    // Meanwhile: one more of product 1, a new product 4, product 3 lowered to 1.
    assert_eq!(shop.add(&cart_id, 1, 1).await.0, StatusCode::OK);
    assert_eq!(shop.add(&cart_id, 4, 2).await.0, StatusCode::OK);
    let (status, body) = common::send(
        client()
            .put(shop.url(&paths::line(&cart_id, 3)))
            .json(&serde_json::json!({ "quantity": 1 })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    fail::remove(failpoints::AFTER_PAYMENT);
    let answer = checkout.await.unwrap().unwrap();
    assert_eq!(answer.status(), StatusCode::CREATED);
    scenario.teardown();

    // Bought: 2 × 1, 1 × 2, 4 × 3. Left: the added unit of 1 and the new product 4;
    // product 3, lowered below what was bought, is gone.
    assert_eq!(shop.quantities(&cart_id).await, [(1, 1), (4, 2)]);
}
