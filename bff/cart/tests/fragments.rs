//! cart-bff renders the cart's first views for the shopper whose cookies come along: the
//! header's badge and the cart page, carrying their answers for hydration; and nothing
//! (404, which nginx makes an empty include) where it should not — cart-service down, or a guest cart waiting to be merged.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Shop, Shopper};
use reqwest::{Method, StatusCode};

/// The status and HTML of a fragment, asked as nginx asks: with the shopper's cookies.
async fn fragment(shopper: &Shopper, path: &str) -> (StatusCode, String) {
    let response = shopper
        .request(Method::GET, &format!("/api/cart/fragments/{path}"))
        .send()
        .await
        .unwrap();
    let status = response.status();
    assert!(
        status != StatusCode::OK
            || response.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("no-store"),
        "a shopper's fragment may be kept"
    );
    (status, response.text().await.unwrap())
}

use test_support::fragment::embedded_answers as embedded;

test_support::on_both_databases!(crate::common::spawn_shop =>
    the_badge_and_the_cart_page_are_the_shoppers_own,
    a_signed_in_shopper_with_a_guest_cart_is_left_to_the_browser,
);

async fn the_badge_and_the_cart_page_are_the_shoppers_own(shop: Shop) {
    // A guest without a cart: an empty badge, an empty cart.
    let stranger = shop.shopper();
    let (status, badge) = fragment(&stranger, "badge").await;
    assert_eq!(status, StatusCode::OK);
    assert!(badge.contains("badge-link"), "{badge}");
    assert!(!badge.contains("badge-count"), "{badge}");
    assert_eq!(embedded(&badge)["/api/cart/mini"]["body"]["item_count"], 0);

    // A shopper with three of a product: the count, and the lines.
    let product = shop.cheap_product(5).await;
    let mut shopper = shop.shopper();
    assert_eq!(shopper.add(product.id, 3).await.status, StatusCode::OK);
    let (status, badge) = fragment(&shopper, "badge").await;
    assert_eq!(status, StatusCode::OK);
    assert!(badge.contains("<span class=\"badge-count\">"), "{badge}");
    assert!(badge.contains(">3<"), "{badge}");
    let mini = shopper.mini_cart().await;
    assert_eq!(
        embedded(&badge)["/api/cart/mini"]["body"],
        serde_json::to_value(&mini).unwrap()
    );

    let (status, page) = fragment(&shopper, "page/cart").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&product.name.replace('&', "&amp;")), "{page}");
    let view = shopper.cart().await;
    assert_eq!(
        embedded(&page)["/api/cart"]["body"],
        serde_json::to_value(&view).unwrap()
    );
    // The checkout page shows the same cart; an unknown order is the page's "not found".
    let (status, checkout) = fragment(&shopper, "page/checkout").await;
    assert_eq!(status, StatusCode::OK);
    assert!(checkout.contains(&view.total), "{checkout}");
    let (status, order) = fragment(&shopper, "page/checkout/confirmation/nope").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        embedded(&order)["/api/cart/orders/nope"]["status"],
        404,
        "{order}"
    );

    // The stranger still sees none of it.
    let (_, badge) = fragment(&stranger, "badge").await;
    assert!(!badge.contains("badge-count"), "{badge}");
}

async fn a_signed_in_shopper_with_a_guest_cart_is_left_to_the_browser(shop: Shop) {
    let product = shop.cheap_product(5).await;
    let mut guest = shop.shopper();
    assert_eq!(guest.add(product.id, 1).await.status, StatusCode::OK);
    let mut signed_in = shop.signed_in("fragment-user");
    signed_in.cookie = guest.cookie.clone();
    let (status, html) = fragment(&signed_in, "badge").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{html}");
    // The JSON API merges it (and forgets the cookie); then the badge is rendered.
    assert_eq!(signed_in.mini_cart().await.item_count, 1);
    assert!(signed_in.cookie.is_none());
    let (status, badge) = fragment(&signed_in, "badge").await;
    assert_eq!(status, StatusCode::OK);
    assert!(badge.contains(">1<"), "{badge}");
}

#[tokio::test]
async fn nothing_is_rendered_while_cart_service_is_down() {
    let shop = common::spawn_shop(test_support::TestDatabase::Sqlite)
        .await
        .unwrap();
    let product = shop.cheap_product(5).await;
    let mut shopper = shop.shopper();
    assert_eq!(shopper.add(product.id, 1).await.status, StatusCode::OK);
    shop.cart.stop().await;
    for path in ["badge", "page/cart", "page/checkout"] {
        let (status, html) = fragment(&shopper, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {html}");
    }
}
