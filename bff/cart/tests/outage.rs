//! cart-bff when cart-service is down or never answers: a 503 `cart_unavailable` within
//! the deadline, never a hang; and a readiness answer that names no internal address.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cart_api::{MiniCart, CART_PATH, MINI_CART_PATH, ORDERS_PATH};
use common::{spawn_bff, spawn_shop, valid_form, Answer, Shopper, UPSTREAM_TIMEOUT};
use reqwest::{Method, StatusCode};
use std::time::{Duration, Instant};
use test_support::keys::IdentityKeys;
use test_support::TestDatabase;

fn assert_cart_unavailable(answer: &Answer) {
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        answer.text
    );
    assert_eq!(answer.code(), "cart_unavailable");
    assert_eq!(
        answer.body["error"]["message"],
        "Your cart is unavailable right now. Please try again in a moment."
    );
}

#[tokio::test]
async fn a_stopped_cart_service_is_a_503_cart_unavailable_at_once() {
    let Some(shop) = spawn_shop(TestDatabase::Sqlite).await else {
        return;
    };
    let product = shop.cheap_product(5).await;
    let mut shopper = shop.shopper();
    assert_eq!(shopper.add(product.id, 1).await.status, StatusCode::OK);
    let mut ready = shopper.get("/api/cart/readyz").await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text);
    shop.cart.stop().await;

    let started = Instant::now();
    assert_cart_unavailable(&shopper.get(MINI_CART_PATH).await);
    assert_cart_unavailable(&shopper.get(CART_PATH).await);
    assert_cart_unavailable(&shopper.get(ORDERS_PATH).await);
    assert_cart_unavailable(&shopper.add(product.id, 1).await);
    assert_cart_unavailable(&shopper.set_quantity(product.id, 2).await);
    assert_cart_unavailable(&shopper.write(Method::DELETE, CART_PATH, None).await);
    assert_cart_unavailable(&shopper.checkout("while-down-1", &valid_form()).await);
    assert!(
        started.elapsed() < UPSTREAM_TIMEOUT,
        "a refused connection is not waited for: {:?}",
        started.elapsed()
    );

    // A shopper without a cart needs no service for the badge.
    let mut newcomer = shop.shopper();
    assert_eq!(
        newcomer.mini_cart().await,
        MiniCart {
            item_count: 0,
            subtotal: "€0.00".into()
        }
    );

    // Alive, though not ready.
    assert_eq!(
        shopper.get(cart_api::HEALTH_PATH).await.status,
        StatusCode::OK
    );
    ready = shopper.get("/api/cart/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.body["error"]["message"], "cart-service is not ready");
    let port = shop.cart.address.rsplit(':').next().unwrap();
    assert!(!ready.text.contains("127.0.0.1"), "{}", ready.text);
    assert!(!ready.text.contains(port), "{}", ready.text);
}

/// cart-service works but the catalog does not: the cart is shown as remembered and
/// marked unchecked, the badge still counts, and checkout passes on the service's 503.
#[tokio::test]
async fn while_the_catalog_is_down_the_cart_is_unchecked_and_checkout_waits() {
    let Some(shop) = spawn_shop(TestDatabase::Sqlite).await else {
        return;
    };
    let product = shop.cheap_product(5).await;
    let mut shopper = shop.shopper();
    assert_eq!(shopper.add(product.id, 2).await.status, StatusCode::OK);
    shop.catalog.stop().await;

    let view = shopper.cart().await;
    assert!(!view.checked);
    assert!(!view.can_checkout);
    assert_eq!(view.lines.len(), 1);
    assert_eq!(view.lines[0].name, product.name);
    assert_eq!(view.lines[0].warning, None, "stock unknown is no warning");
    assert_eq!(shopper.mini_cart().await.item_count, 2);

    let answer = shopper.checkout("catalog-down-1", &valid_form()).await;
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        answer.text
    );
    assert_eq!(answer.code(), "catalog_unavailable");
    assert_eq!(shopper.mini_cart().await.item_count, 2, "nothing bought");
}

/// A service that accepts connections and never answers: the BFF's deadline must turn
/// that into a 503 — not before the deadline, and not much after it.
#[tokio::test]
async fn a_cart_service_that_never_answers_is_a_503_at_the_deadline() {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", silent.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = vec![];
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let deadline = Duration::from_millis(800);
    let bff = spawn_bff(&address, deadline, &IdentityKeys::generate());
    let mut shopper = Shopper::with_cookie(&bff.address, "cart_id=some-cart");
    for path in [MINI_CART_PATH, CART_PATH] {
        let started = Instant::now();
        let answer = shopper.get(path).await;
        let elapsed = started.elapsed();
        assert_cart_unavailable(&answer);
        assert!(
            elapsed >= deadline && elapsed < deadline + Duration::from_millis(700),
            "{path} answered after {elapsed:?}; the deadline is {deadline:?}"
        );
    }
}

/// A signed-in shopper whose guest cart cannot be merged (cart-service went down) keeps
/// the guest cookie, so a later request merges it.
#[tokio::test]
async fn a_merge_that_cannot_happen_keeps_the_guest_cookie() {
    let Some(shop) = spawn_shop(TestDatabase::Sqlite).await else {
        return;
    };
    let product = shop.cheap_product(5).await;
    // The BFF knows Ada's cart already.
    let mut ada = shop.signed_in("ada");
    assert_eq!(ada.add(product.id, 1).await.status, StatusCode::OK);
    let mut browser = shop.shopper();
    assert_eq!(browser.add(product.id, 2).await.status, StatusCode::OK);
    let cookie = browser.cookie.clone();
    shop.cart.stop().await;

    browser.token = Some(shop.keys.token("ada"));
    let answer = browser.get(CART_PATH).await;
    assert_cart_unavailable(&answer);
    assert!(answer.cart_cookie.is_none(), "{:?}", answer.cart_cookie);
    assert_eq!(browser.cookie, cookie);
}
