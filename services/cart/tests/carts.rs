//! Carts over HTTP, as cart-bff uses them: every behaviour on SQLite and on PostgreSQL,
//! with a real catalog-service behind.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cart_service_api::{paths, shipping_for, Cart, CartSummary, MAX_LINES};
use common::{client, send, Shop};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::task::JoinSet;

test_support::on_both_databases!(crate::common::spawn_shop =>
    health_and_readiness_answer,
    a_new_cart_is_empty,
    unknown_and_malformed_cart_ids_are_404_and_400,
    adding_puts_the_catalogs_name_and_price_in_the_cart,
    adding_a_product_again_adds_to_its_line,
    two_hundred_concurrent_adds_over_four_products_all_count,
    concurrent_adds_of_one_product_stop_exactly_at_ninety_nine,
    adding_more_than_is_left_is_a_409_saying_how_many_are_left,
    a_sold_out_product_is_refused_as_out_of_stock,
    an_unknown_product_is_a_422_naming_product_id,
    bad_quantities_are_refused_and_leave_the_cart_as_it_was,
    oversized_and_non_json_bodies_are_refused_and_leave_the_cart_as_it_was,
    setting_a_quantity_replaces_it_and_zero_removes_the_line,
    setting_more_than_is_left_is_refused_but_lowering_is_not,
    removing_a_line_and_emptying_the_cart,
    a_cart_holds_at_most_fifty_products,
    a_changed_price_shows_and_is_remembered_for_when_the_catalog_is_down,
    with_the_catalog_down_a_cart_shows_but_nothing_can_be_added,
);

async fn health_and_readiness_answer(shop: Shop) {
    assert_eq!(shop.get("/healthz").await.0, StatusCode::OK);
    let (status, body) = shop.get("/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Carts work without the catalog, so readiness does not ask it.
    shop.catalog.stop().await;
    let (status, body) = shop.get("/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn a_new_cart_is_empty(shop: Shop) {
    let (status, body) = send(client().post(shop.url(paths::CARTS))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let created: Cart = serde_json::from_value(body).unwrap();
    assert_eq!(created.id.len(), 32);
    let cart = shop.cart(&created.id).await;
    assert_eq!(cart, created);
    assert!(cart.lines.is_empty() && cart.item_count == 0 && cart.total_minor == 0);
    assert_ne!(
        shop.new_cart().await,
        created.id,
        "every cart has its own id"
    );
}

async fn unknown_and_malformed_cart_ids_are_404_and_400(shop: Shop) {
    let unknown = "0123456789abcdef0123456789abcdef";
    for path in [
        paths::cart(unknown),
        paths::summary(unknown),
        format!("{}/../x", paths::cart(unknown)),
    ] {
        let (status, body) = shop.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_eq!(body["error"]["code"], "not_found", "{path}: {body}");
    }
    let (status, body) = shop.add(unknown, 1, 1).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = shop.get(&paths::cart(&"x".repeat(65))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["field"], "cart_id", "{body}");
}

async fn adding_puts_the_catalogs_name_and_price_in_the_cart(shop: Shop) {
    shop.set_stock(1, 20).await;
    let cart_id = shop.new_cart().await;
    let (status, body) = shop.add(&cart_id, 1, 2).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cart: Cart = serde_json::from_value(body).unwrap();
    let (_, offers) =
        test_support::http::get(&format!("{}/offers?ids=1", shop.catalog.address)).await;
    let offer = &offers[0];
    let line = &cart.lines[0];
    assert_eq!(line.product_id, 1);
    assert_eq!(line.name, offer["name"].as_str().unwrap());
    assert_eq!(line.slug, offer["slug"].as_str().unwrap());
    assert_eq!(
        line.unit_price_minor,
        offer["price_minor"].as_i64().unwrap()
    );
    assert_eq!(line.quantity, 2);
    assert_eq!(line.available, Some(20));
    assert_eq!(line.line_total_minor, 2 * line.unit_price_minor);
    assert_eq!(cart.item_count, 2);
    assert_eq!(cart.subtotal_minor, line.line_total_minor);
    assert_eq!(cart.shipping_minor, shipping_for(cart.subtotal_minor));
    assert_eq!(cart.total_minor, cart.subtotal_minor + cart.shipping_minor);
    assert!(cart.checked);
    assert_eq!(
        shop.cart(&cart_id).await,
        cart,
        "what was answered is what is stored"
    );
    let (_, summary) = shop.get(&paths::summary(&cart_id)).await;
    let summary: CartSummary = serde_json::from_value(summary).unwrap();
    assert_eq!(
        (summary.item_count, summary.subtotal_minor),
        (2, cart.subtotal_minor)
    );
}

async fn adding_a_product_again_adds_to_its_line(shop: Shop) {
    shop.set_stock(0, 50).await;
    let cart_id = shop.cart_with(&[(3, 2), (1, 1), (3, 5)]).await;
    assert_eq!(shop.quantities(&cart_id).await, [(1, 1), (3, 7)]);
    let cart = shop.cart(&cart_id).await;
    let order: Vec<i64> = cart.lines.iter().map(|line| line.product_id).collect();
    assert_eq!(
        order,
        [3, 1],
        "lines keep the order they were first added in"
    );
}

/// Adds one unit of each of `products` at once, each from its own request; the statuses.
async fn add_at_once(shop: &Shop, cart_id: &str, products: Vec<i64>) -> Vec<(StatusCode, Value)> {
    let client = client();
    let url = Arc::new(shop.url(&paths::lines(cart_id)));
    let mut adds = JoinSet::new();
    for product_id in products {
        let (client, url) = (client.clone(), url.clone());
        adds.spawn(async move {
            send(
                client
                    .post(url.as_str())
                    .json(&json!({ "product_id": product_id, "quantity": 1 })),
            )
            .await
        });
    }
    adds.join_all().await
}

async fn two_hundred_concurrent_adds_over_four_products_all_count(shop: Shop) {
    for product_id in 1..=4 {
        shop.set_stock(product_id, 50 + product_id as i32).await;
    }
    let cart_id = shop.new_cart().await;
    let products = (0..200).map(|n| n % 4 + 1).collect();
    let answers = add_at_once(&shop, &cart_id, products).await;
    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::OK, "{body}");
    }
    assert_eq!(
        shop.quantities(&cart_id).await,
        [(1, 50), (2, 50), (3, 50), (4, 50)],
        "no addition lost, none counted twice"
    );
}

async fn concurrent_adds_of_one_product_stop_exactly_at_ninety_nine(shop: Shop) {
    shop.set_stock(2, 1000).await;
    let cart_id = shop.new_cart().await;
    let answers = add_at_once(&shop, &cart_id, vec![2; 120]).await;
    let mut statuses = BTreeMap::new();
    for (status, body) in &answers {
        *statuses.entry(status.as_u16()).or_insert(0) += 1;
        if *status != StatusCode::OK {
            assert_eq!(body["error"]["field"], "quantity", "{body}");
            assert!(
                body["error"]["message"].as_str().unwrap().contains("99"),
                "{body}"
            );
        }
    }
    assert_eq!(statuses, BTreeMap::from([(200, 99), (422, 21)]));
    assert_eq!(shop.quantities(&cart_id).await, [(2, 99)]);
}

async fn adding_more_than_is_left_is_a_409_saying_how_many_are_left(shop: Shop) {
    shop.set_stock(1, 3).await;
    let cart_id = shop.cart_with(&[(1, 2)]).await;
    let (status, body) = shop.add(&cart_id, 1, 2).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "conflict");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("You already have 2") && message.contains("only 3 left"),
        "{message}"
    );
    assert_eq!(shop.quantities(&cart_id).await, [(1, 2)]);
    let (status, body) = shop.add(&cart_id, 1, 1).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "exactly what is left can be had: {body}"
    );
    let other = shop.new_cart().await;
    let (status, body) = shop.add(&other, 1, 4).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Only 3"),
        "{body}"
    );
    assert!(shop.quantities(&other).await.is_empty());
}

async fn a_sold_out_product_is_refused_as_out_of_stock(shop: Shop) {
    shop.set_stock(5, 0).await;
    let cart_id = shop.new_cart().await;
    let (status, body) = shop.add(&cart_id, 5, 1).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "out_of_stock", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("sold out"),
        "{body}"
    );
    assert!(shop.quantities(&cart_id).await.is_empty());
}

async fn an_unknown_product_is_a_422_naming_product_id(shop: Shop) {
    let cart_id = shop.new_cart().await;
    for product_id in [999_999, 0, -3] {
        let (status, body) = shop.add(&cart_id, product_id, 1).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["code"], "unknown_product", "{body}");
        assert_eq!(body["error"]["field"], "product_id", "{body}");
    }
    assert!(shop.quantities(&cart_id).await.is_empty());
}

async fn bad_quantities_are_refused_and_leave_the_cart_as_it_was(shop: Shop) {
    shop.set_stock(1, 10).await;
    let cart_id = shop.cart_with(&[(1, 1)]).await;
    let lines = shop.url(&paths::lines(&cart_id));
    let line = shop.url(&paths::line(&cart_id, 1));
    for quantity in [json!(0), json!(-1), json!(100)] {
        let (status, body) = send(
            client()
                .post(&lines)
                .json(&json!({ "product_id": 1, "quantity": quantity })),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{quantity}: {body}"
        );
        assert_eq!(body["error"]["field"], "quantity", "{quantity}: {body}");
    }
    for quantity in [json!(-1), json!(100)] {
        let (status, body) = send(client().put(&line).json(&json!({ "quantity": quantity }))).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{quantity}: {body}"
        );
        assert_eq!(body["error"]["field"], "quantity", "{quantity}: {body}");
    }
    for (url, body) in [
        (&lines, json!({ "product_id": 1, "quantity": "x" })),
        (&lines, json!({ "product_id": 1 })),
        (&lines, json!({ "product_id": "one", "quantity": 1 })),
    ] {
        let (status, answer) = send(client().post(url).json(&body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(answer["error"]["code"], "invalid_parameter", "{answer}");
        assert!(!answer["error"]["message"].as_str().unwrap().is_empty());
    }
    let (status, answer) = send(client().put(&line).json(&json!({ "quantity": "x" }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let (status, answer) = send(
        client()
            .put(shop.url(&format!("/carts/{cart_id}/lines/abc")))
            .json(&json!({ "quantity": 1 })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(shop.quantities(&cart_id).await, [(1, 1)]);
}

async fn oversized_and_non_json_bodies_are_refused_and_leave_the_cart_as_it_was(shop: Shop) {
    shop.set_stock(1, 10).await;
    let cart_id = shop.cart_with(&[(1, 1)]).await;
    let lines = shop.url(&paths::lines(&cart_id));
    let huge = format!(
        r#"{{"product_id": 1, "quantity": 1, "note": "{}"}}"#,
        "x".repeat(70 * 1024)
    );
    let (status, body) = send(
        client()
            .post(&lines)
            .header("content-type", "application/json")
            .body(huge),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"]["code"], "payload_too_large");
    let (status, body) = send(
        client()
            .post(&lines)
            .header("content-type", "text/plain")
            .body(r#"{"product_id": 1, "quantity": 1}"#),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_eq!(body["error"]["code"], "unsupported_media_type");
    let (status, body) = send(
        client()
            .post(&lines)
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(shop.quantities(&cart_id).await, [(1, 1)]);
}

async fn setting_a_quantity_replaces_it_and_zero_removes_the_line(shop: Shop) {
    shop.set_stock(0, 30).await;
    let cart_id = shop.cart_with(&[(1, 2), (2, 1)]).await;
    let (status, body) = send(
        client()
            .put(shop.url(&paths::line(&cart_id, 1)))
            .json(&json!({ "quantity": 7 })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cart: Cart = serde_json::from_value(body).unwrap();
    assert_eq!(cart.lines[0].quantity, 7);
    assert_eq!(cart.item_count, 8);
    let (status, body) = send(
        client()
            .put(shop.url(&paths::line(&cart_id, 1)))
            .json(&json!({ "quantity": 0 })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(shop.quantities(&cart_id).await, [(2, 1)]);
    let (status, body) = send(
        client()
            .put(shop.url(&paths::line(&cart_id, 3)))
            .json(&json!({ "quantity": 2 })),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a line not in the cart: {body}"
    );
    assert_eq!(shop.quantities(&cart_id).await, [(2, 1)]);
}

async fn setting_more_than_is_left_is_refused_but_lowering_is_not(shop: Shop) {
    shop.set_stock(1, 6).await;
    let cart_id = shop.cart_with(&[(1, 5)]).await;
    let line = shop.url(&paths::line(&cart_id, 1));
    let (status, body) = send(client().put(&line).json(&json!({ "quantity": 9 }))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Only 6"),
        "{body}"
    );
    assert_eq!(shop.quantities(&cart_id).await, [(1, 5)]);
    // Someone else bought most of it: lowering towards what is left must still work.
    shop.set_stock(1, 2).await;
    let (status, body) = send(client().put(&line).json(&json!({ "quantity": 4 }))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(shop.quantities(&cart_id).await, [(1, 4)]);
    let cart: Cart = serde_json::from_value(body).unwrap();
    assert_eq!(
        cart.lines[0].available,
        Some(2),
        "the cart shows what is left"
    );
}

async fn removing_a_line_and_emptying_the_cart(shop: Shop) {
    shop.set_stock(0, 30).await;
    let cart_id = shop.cart_with(&[(1, 2), (2, 1), (3, 3)]).await;
    let (status, body) = send(client().delete(shop.url(&paths::line(&cart_id, 2)))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cart: Cart = serde_json::from_value(body).unwrap();
    assert_eq!(cart.item_count, 5);
    assert_eq!(shop.quantities(&cart_id).await, [(1, 2), (3, 3)]);
    let (status, _) = send(client().delete(shop.url(&paths::line(&cart_id, 2)))).await;
    assert_eq!(status, StatusCode::OK, "removing what is gone is fine");
    let (status, body) = send(client().delete(shop.url(&paths::cart(&cart_id)))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cart: Cart = serde_json::from_value(body).unwrap();
    assert!(cart.lines.is_empty());
    assert_eq!(cart.total_minor, 0);
    assert!(shop.quantities(&cart_id).await.is_empty());
    let (status, _) = send(client().delete(shop.url(&paths::cart("0000000000000000")))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn a_cart_holds_at_most_fifty_products(shop: Shop) {
    shop.set_stock(0, 10).await;
    let cart_id = shop.new_cart().await;
    for product_id in 1..=MAX_LINES as i64 {
        let (status, body) = shop.add(&cart_id, product_id, 1).await;
        assert_eq!(status, StatusCode::OK, "{product_id}: {body}");
    }
    let (status, body) = shop.add(&cart_id, MAX_LINES as i64 + 1, 1).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("50"),
        "{body}"
    );
    let (status, body) = shop.add(&cart_id, 1, 1).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "more of a product already there is fine: {body}"
    );
    assert_eq!(shop.quantities(&cart_id).await.len(), MAX_LINES);
}

async fn a_changed_price_shows_and_is_remembered_for_when_the_catalog_is_down(shop: Shop) {
    use sea_orm::ConnectionTrait;
    shop.set_stock(1, 10).await;
    let cart_id = shop.cart_with(&[(1, 2)]).await;
    shop.catalog
        .db
        .execute_unprepared(
            "UPDATE product SET price_minor = 1234, name = 'Renamed lamp' WHERE id = 1",
        )
        .await
        .unwrap();
    let cart = shop.cart(&cart_id).await;
    assert!(cart.checked);
    assert_eq!(cart.lines[0].unit_price_minor, 1234);
    assert_eq!(cart.lines[0].name, "Renamed lamp");
    assert_eq!(cart.subtotal_minor, 2468);
    shop.catalog.stop().await;
    let remembered = shop.cart(&cart_id).await;
    assert!(!remembered.checked);
    assert_eq!(remembered.lines[0].unit_price_minor, 1234);
    assert_eq!(remembered.lines[0].name, "Renamed lamp");
    assert_eq!(remembered.lines[0].available, None);
    let (_, summary) = shop.get(&paths::summary(&cart_id)).await;
    assert_eq!(summary["subtotal_minor"], 2468, "{summary}");
}

async fn with_the_catalog_down_a_cart_shows_but_nothing_can_be_added(shop: Shop) {
    shop.set_stock(0, 10).await;
    let cart_id = shop.cart_with(&[(1, 2)]).await;
    let before = shop.cart(&cart_id).await;
    shop.catalog.stop().await;
    let started = std::time::Instant::now();
    let cart = shop.cart(&cart_id).await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "showing a cart must not hang"
    );
    assert!(!cart.checked);
    assert_eq!(
        cart.lines[0].unit_price_minor,
        before.lines[0].unit_price_minor
    );
    assert_eq!(cart.total_minor, before.total_minor);
    let (status, summary) = shop.get(&paths::summary(&cart_id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(summary["item_count"], 2);
    let (status, body) = shop.add(&cart_id, 2, 1).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "catalog_unavailable", "{body}");
    assert_eq!(shop.quantities(&cart_id).await, [(1, 2)]);
    let (status, body) = send(client().delete(shop.url(&paths::line(&cart_id, 1)))).await;
    assert_eq!(status, StatusCode::OK, "removing needs no catalog: {body}");
}
