//! Checkout over HTTP: the saga against a real catalog-service, on SQLite and PostgreSQL.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cart_service::ids::new_id;
use cart_service::orders::{self, NewOrder, Recorded};
use cart_service_api::{paths, Order, OrderList, OrderStatus, Owner, IDEMPOTENCY_KEY};
use common::{checkout_request, client, send, Shop, DECLINED_CARD, GOOD_CARD};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

test_support::on_both_databases!(crate::common::spawn_shop =>
    a_checkout_places_the_order_takes_the_stock_and_empties_the_cart,
    a_hundred_concurrent_checkouts_sell_exactly_the_ten_in_stock,
    a_checkout_retried_five_times_places_one_order_and_charges_once,
    five_concurrent_tries_of_one_checkout_place_one_order_and_charge_once,
    a_key_used_for_another_checkout_is_refused,
    a_declined_card_is_a_402_and_leaves_stock_and_cart_as_they_were,
    a_shortage_is_a_409_naming_it_and_leaves_stock_and_cart_as_they_were,
    with_the_catalog_down_checkout_is_a_quick_503_and_nothing_is_reserved,
    an_order_left_compensating_fails_once_the_catalog_is_back,
    a_cart_with_a_checkout_under_way_cannot_be_checked_out_again,
    a_checkout_needs_a_key_valid_details_and_a_full_cart,
    orders_are_listed_newest_first_for_their_owner,
);

async fn order_of(shop: &Shop, order_id: &str) -> Order {
    let (status, body) = shop.get(&paths::order(order_id)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).unwrap()
}

async fn a_checkout_places_the_order_takes_the_stock_and_empties_the_cart(shop: Shop) {
    shop.set_stock(1, 10).await;
    shop.set_stock(2, 5).await;
    let cart_id = shop.cart_with(&[(1, 2), (2, 1)]).await;
    let cart = shop.cart(&cart_id).await;
    let (status, body) = shop.checkout(&cart_id, "key-1", GOOD_CARD).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let order: Order = serde_json::from_value(body).unwrap();
    assert_eq!(order.status, OrderStatus::Placed);
    assert_eq!(order.failure, None);
    assert_eq!(order.owner, Owner::guest(&cart_id));
    assert_eq!(order.card_last4, "4242");
    assert_eq!(order.shipping_address, common::address());
    assert!(order.placed_at.is_some());
    let bought: Vec<(i64, i32, i64)> = order
        .lines
        .iter()
        .map(|line| (line.product_id, line.quantity, line.unit_price_minor))
        .collect();
    let in_cart: Vec<(i64, i32, i64)> = cart
        .lines
        .iter()
        .map(|line| (line.product_id, line.quantity, line.unit_price_minor))
        .collect();
    assert_eq!(bought, in_cart);
    assert_eq!(
        (
            order.subtotal_minor,
            order.shipping_minor,
            order.total_minor
        ),
        (cart.subtotal_minor, cart.shipping_minor, cart.total_minor)
    );
    assert_eq!((shop.stock(1).await, shop.stock(2).await), (8, 4));
    assert!(
        shop.quantities(&cart_id).await.is_empty(),
        "the cart is emptied"
    );
    assert_eq!(order_of(&shop, &order.id).await, order);
    assert_eq!(
        shop.count(
            "payment",
            &format!(
                "order_id = '{}' AND status = 'charged' AND amount_minor = {}",
                order.id, order.total_minor
            )
        )
        .await,
        1
    );
    assert_eq!(
        shop.count("payment", "card_last4 <> '4242'").await,
        0,
        "only the last four digits are kept"
    );
}

async fn a_hundred_concurrent_checkouts_sell_exactly_the_ten_in_stock(shop: Shop) {
    shop.set_stock(3, 200).await;
    let mut carts = Vec::new();
    for _ in 0..100 {
        carts.push(shop.cart_with(&[(3, 1)]).await);
    }
    shop.set_stock(3, 10).await;
    let client = client();
    let mut checkouts = JoinSet::new();
    for cart_id in carts.clone() {
        let (client, url) = (client.clone(), shop.url(&paths::checkout(&cart_id)));
        checkouts.spawn(async move {
            let (status, body) = send(
                client
                    .post(url)
                    .header(IDEMPOTENCY_KEY, format!("checkout-{cart_id}"))
                    .json(&checkout_request(&cart_id, GOOD_CARD)),
            )
            .await;
            (cart_id, status, body)
        });
    }
    let answers = checkouts.join_all().await;
    let mut statuses = BTreeMap::new();
    for (_, status, body) in &answers {
        *statuses.entry(status.as_u16()).or_insert(0) += 1;
        if *status == StatusCode::CONFLICT {
            assert_eq!(body["error"]["code"], "out_of_stock", "{body}");
            assert_eq!(body["shortages"][0]["product_id"], 3, "{body}");
            assert_eq!(body["shortages"][0]["requested"], 1, "{body}");
        }
    }
    assert_eq!(statuses, BTreeMap::from([(201, 10), (409, 90)]));
    assert_eq!(shop.stock(3).await, 0, "exactly the stock was sold");
    assert_eq!(shop.count("orders", "status = 'placed'").await, 10);
    assert_eq!(
        shop.count(
            "orders",
            "status = 'failed' AND failure_code = 'out_of_stock'"
        )
        .await,
        90
    );
    assert_eq!(shop.count("payment", "status = 'charged'").await, 10);
    for (cart_id, status, _) in &answers {
        let expected: &[(i64, i32)] = if *status == StatusCode::CREATED {
            &[]
        } else {
            &[(3, 1)]
        };
        assert_eq!(
            shop.quantities(cart_id).await,
            expected,
            "{cart_id}: {status}"
        );
    }
}

async fn a_checkout_retried_five_times_places_one_order_and_charges_once(shop: Shop) {
    shop.set_stock(1, 10).await;
    let cart_id = shop.cart_with(&[(1, 3)]).await;
    let (status, first) = shop.checkout(&cart_id, "retry-me", GOOD_CARD).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    for _ in 0..4 {
        let (status, again) = shop.checkout(&cart_id, "retry-me", GOOD_CARD).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "a retry answers the placed order: {again}"
        );
        assert_eq!(again, first);
    }
    assert_eq!(shop.count("orders", "1 = 1").await, 1);
    assert_eq!(shop.count("payment", "1 = 1").await, 1);
    assert_eq!(shop.stock(1).await, 7, "sold once");
}

async fn five_concurrent_tries_of_one_checkout_place_one_order_and_charge_once(shop: Shop) {
    shop.set_stock(1, 10).await;
    let cart_id = shop.cart_with(&[(1, 2)]).await;
    let mut tries = JoinSet::new();
    for _ in 0..5 {
        let (client, url) = (client(), shop.url(&paths::checkout(&cart_id)));
        let request = checkout_request(&cart_id, GOOD_CARD);
        tries.spawn(async move {
            send(
                client
                    .post(url)
                    .header(IDEMPOTENCY_KEY, "same-key")
                    .json(&request),
            )
            .await
        });
    }
    let answers = tries.join_all().await;
    let mut statuses: Vec<u16> = answers.iter().map(|(status, _)| status.as_u16()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 200, 200, 200, 201], "{answers:?}");
    let ids: Vec<&Value> = answers.iter().map(|(_, body)| &body["id"]).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "one order: {ids:?}");
    assert_eq!(shop.count("orders", "1 = 1").await, 1);
    assert_eq!(shop.count("payment", "1 = 1").await, 1);
    assert_eq!(shop.stock(1).await, 8);
}

async fn a_key_used_for_another_checkout_is_refused(shop: Shop) {
    shop.set_stock(0, 10).await;
    let first = shop.cart_with(&[(1, 1)]).await;
    let second = shop.cart_with(&[(2, 1)]).await;
    let (status, body) = shop.checkout(&first, "shared-key", GOOD_CARD).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = shop.checkout(&second, "shared-key", GOOD_CARD).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "idempotency_key_reused", "{body}");
    let mut elsewhere = checkout_request(&first, GOOD_CARD);
    elsewhere.shipping_address.city = "Hamburg".into();
    let (status, body) = shop.checkout_with(&first, "shared-key", &elsewhere).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the same cart, another address: {body}"
    );
    assert_eq!(body["error"]["code"], "idempotency_key_reused", "{body}");
    assert_eq!(
        shop.quantities(&second).await,
        [(2, 1)],
        "the other cart is untouched"
    );
    assert_eq!(shop.count("orders", "1 = 1").await, 1);
    assert_eq!(shop.stock(2).await, 10);
}

async fn a_declined_card_is_a_402_and_leaves_stock_and_cart_as_they_were(shop: Shop) {
    shop.set_stock(1, 10).await;
    let cart_id = shop.cart_with(&[(1, 4)]).await;
    let (status, body) = shop.checkout(&cart_id, "declined", DECLINED_CARD).await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{body}");
    assert_eq!(body["error"]["code"], "payment_declined", "{body}");
    assert_eq!(
        body["error"]["message"],
        "Your card was declined. Nothing was charged — please try another card."
    );
    let order = order_of(&shop, body["order_id"].as_str().unwrap()).await;
    assert_eq!(order.status, OrderStatus::Failed);
    assert_eq!(order.failure.unwrap().code, "payment_declined");
    assert_eq!(shop.stock(1).await, 10, "the reservation was released");
    assert_eq!(shop.quantities(&cart_id).await, [(1, 4)]);
    assert_eq!(shop.count("payment", "1 = 1").await, 0, "nothing charged");
    let (again_status, again) = shop.checkout(&cart_id, "declined", DECLINED_CARD).await;
    assert_eq!(
        (again_status, &again),
        (status, &body),
        "a retry answers the same"
    );
    let (status, body) = shop.checkout(&cart_id, "another-card", GOOD_CARD).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the cart can be checked out again: {body}"
    );
}

async fn a_shortage_is_a_409_naming_it_and_leaves_stock_and_cart_as_they_were(shop: Shop) {
    shop.set_stock(1, 10).await;
    shop.set_stock(2, 10).await;
    let cart_id = shop.cart_with(&[(1, 1), (2, 3)]).await;
    let name = shop.cart(&cart_id).await.lines[1].name.clone();
    shop.set_stock(2, 1).await;
    let (status, body) = shop.checkout(&cart_id, "short", GOOD_CARD).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "out_of_stock");
    assert_eq!(
        body["error"]["message"],
        format!("Sorry — {name} sold out while you were checking out (1 left). Nothing was charged and your cart is as it was.")
    );
    assert_eq!(
        body["shortages"],
        json!([{ "product_id": 2, "name": name, "requested": 3, "available": 1 }])
    );
    assert_eq!((shop.stock(1).await, shop.stock(2).await), (10, 1));
    assert_eq!(shop.quantities(&cart_id).await, [(1, 1), (2, 3)]);
    let order = order_of(&shop, body["order_id"].as_str().unwrap()).await;
    assert_eq!(order.status, OrderStatus::Failed);
    assert_eq!(shop.count("payment", "1 = 1").await, 0);
}

async fn with_the_catalog_down_checkout_is_a_quick_503_and_nothing_is_reserved(shop: Shop) {
    shop.set_stock(1, 10).await;
    let cart_id = shop.cart_with(&[(1, 2)]).await;
    shop.catalog.stop().await;
    let started = Instant::now();
    let (status, body) = shop.checkout(&cart_id, "catalog-down", GOOD_CARD).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "catalog_unavailable", "{body}");
    assert_eq!(shop.stock(1).await, 10, "nothing reserved");
    assert_eq!(shop.quantities(&cart_id).await, [(1, 2)]);
    assert_eq!(shop.count("payment", "1 = 1").await, 0);
    let order = order_of(&shop, body["order_id"].as_str().unwrap()).await;
    assert_eq!(order.failure.unwrap().code, "catalog_unavailable");
    assert!(
        matches!(
            order.status,
            OrderStatus::Compensating | OrderStatus::Failed
        ),
        "{:?}",
        order.status
    );
    let (again_status, again) = shop.checkout(&cart_id, "catalog-down", GOOD_CARD).await;
    assert_eq!(
        (again_status, &again),
        (status, &body),
        "a retry answers the same"
    );
}

async fn an_order_left_compensating_fails_once_the_catalog_is_back(shop: Shop) {
    shop.set_stock(1, 10).await;
    let cart_id = shop.cart_with(&[(1, 2)]).await;
    shop.catalog.stop().await;
    let (status, body) = shop.checkout(&cart_id, "later", GOOD_CARD).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let order_id = body["order_id"].as_str().unwrap().to_owned();
    assert_eq!(
        order_of(&shop, &order_id).await.status,
        OrderStatus::Compensating
    );
    // The catalog comes back (at a new address), and cart-service restarts.
    let catalog = test_support::catalog::spawn_service_on(&database_url(&shop).await.0).await;
    let restarted =
        test_support::cart::spawn_service_on(&database_url(&shop).await.1, &catalog.address).await;
    common::wait_until("the undoing to end", || async {
        order_of(&shop, &order_id).await.status == OrderStatus::Failed
    })
    .await;
    let (status, body) =
        test_support::http::get(&format!("{}{}", restarted.address, paths::order(&order_id))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "failed", "{body}");
    assert_eq!(body["failure"]["code"], "catalog_unavailable", "{body}");
    assert_eq!(common::stock(&catalog.db, 1).await, 10);
    assert_eq!(shop.quantities(&cart_id).await, [(1, 2)]);
}

/// The database URLs of the shop's catalog and cart (to start them again on the same data).
async fn database_url(shop: &Shop) -> (String, String) {
    (url_of(&shop.catalog.db).await, url_of(&shop.cart.db).await)
}

async fn url_of(db: &sea_orm::DatabaseConnection) -> String {
    use sea_orm::ConnectionTrait;
    match db.get_database_backend() {
        sea_orm::DatabaseBackend::Sqlite => {
            let row = db
                .query_one(sea_orm::Statement::from_string(
                    sea_orm::DatabaseBackend::Sqlite,
                    "SELECT file FROM pragma_database_list WHERE name = 'main'",
                ))
                .await
                .unwrap()
                .unwrap();
            format!(
                "sqlite://{}?mode=rwc",
                row.try_get::<String>("", "file").unwrap()
            )
        }
        _ => {
            let row = db
                .query_one(sea_orm::Statement::from_string(
                    sea_orm::DatabaseBackend::Postgres,
                    "SELECT current_database() AS name",
                ))
                .await
                .unwrap()
                .unwrap();
            let admin = std::env::var("STOREFRONT_TEST_POSTGRES_URL").unwrap();
            let base = admin.rsplit_once('/').unwrap().0.to_owned();
            format!("{base}/{}", row.try_get::<String>("", "name").unwrap())
        }
    }
}

async fn a_cart_with_a_checkout_under_way_cannot_be_checked_out_again(shop: Shop) {
    shop.set_stock(1, 10).await;
    let cart_id = shop.cart_with(&[(1, 1)]).await;
    let lines = cart_service::carts::lines(&shop.cart.db, &cart_id)
        .await
        .unwrap();
    let owner = Owner::guest(&cart_id);
    let under_way = orders::record(
        &shop.cart.db,
        NewOrder {
            id: new_id(),
            owner: &owner,
            cart_id: &cart_id,
            idempotency_key: "first-tab",
            fingerprint: "-".into(),
            address: &postal_address::PostalAddress {
                name: "Ada Lovelace".into(),
                address_line1: "12 Analytical Row".into(),
                address_line2: String::new(),
                postal_code: "10115".into(),
                city: "Berlin".into(),
                country: "DE".into(),
            },
            card_last4: "4242".into(),
            lines: &lines,
        },
        &orders::Lease::new(std::time::Duration::from_secs(30)),
    )
    .await
    .unwrap();
    assert!(matches!(under_way, Recorded::Order(_)));
    let (status, body) = shop.checkout(&cart_id, "second-tab", GOOD_CARD).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "conflict", "{body}");
    assert_eq!(shop.count("orders", "1 = 1").await, 1);
    assert_eq!(shop.stock(1).await, 10);
}

async fn a_checkout_needs_a_key_valid_details_and_a_full_cart(shop: Shop) {
    shop.set_stock(1, 10).await;
    let cart_id = shop.cart_with(&[(1, 1)]).await;
    let url = shop.url(&paths::checkout(&cart_id));
    let request = checkout_request(&cart_id, GOOD_CARD);
    for key in [None, Some(""), Some("has space"), Some(&*"k".repeat(65))] {
        let mut call = client().post(&url).json(&request);
        if let Some(key) = key {
            call = call.header(IDEMPOTENCY_KEY, key);
        }
        let (status, body) = send(call).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{key:?}: {body}");
        assert_eq!(body["error"]["field"], "Idempotency-Key", "{body}");
    }
    let mut bad = checkout_request(&cart_id, "4242 4242 4242 4241");
    bad.payment.expiry_year = 2020;
    bad.payment.cvc = "12".into();
    bad.shipping_address.name = " ".into();
    bad.shipping_address.city = String::new();
    // Two capital letters are not enough: the shop delivers to its list of countries.
    bad.shipping_address.country = "XX".into();
    bad.owner = Owner("admin:1".into());
    let (status, body) = shop.checkout_with(&cart_id, "bad-details", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let mut fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|field| field["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "card_cvc",
            "card_expiry",
            "card_number",
            "city",
            "country",
            "name",
            "owner"
        ]
    );
    let (status, body) = send(
        client()
            .post(&url)
            .header(IDEMPOTENCY_KEY, "no-body")
            .header("content-type", "text/plain")
            .body("card=4242"),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    let empty = shop.new_cart().await;
    let (status, body) = shop.checkout(&empty, "empty", GOOD_CARD).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "cart_empty", "{body}");
    let (status, _) = shop
        .checkout("0123456789abcdef0123456789abcdef", "nowhere", GOOD_CARD)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        shop.count("orders", "1 = 1").await,
        0,
        "no order for a refused checkout"
    );
    assert_eq!(shop.quantities(&cart_id).await, [(1, 1)]);
    assert_eq!(shop.stock(1).await, 10);
}

async fn orders_are_listed_newest_first_for_their_owner(shop: Shop) {
    shop.set_stock(0, 10).await;
    let cart_id = shop.cart_with(&[(1, 1)]).await;
    let (_, first) = shop.checkout(&cart_id, "first", GOOD_CARD).await;
    shop.add(&cart_id, 2, 1).await;
    let (_, declined) = shop.checkout(&cart_id, "second", DECLINED_CARD).await;
    let (_, second) = shop.checkout(&cart_id, "third", GOOD_CARD).await;
    let someone_else = shop.cart_with(&[(3, 1)]).await;
    shop.checkout(&someone_else, "theirs", GOOD_CARD).await;

    let (status, body) = shop.get(&paths::orders_of(&Owner::guest(&cart_id))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let list: OrderList = serde_json::from_value(body).unwrap();
    let ids: Vec<&str> = list.items.iter().map(|order| order.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            second["id"].as_str().unwrap(),
            declined["order_id"].as_str().unwrap(),
            first["id"].as_str().unwrap()
        ]
    );
    assert_eq!(list.items[1].status, OrderStatus::Failed);
    assert_eq!(list.items[0].lines[0].product_id, 2);
    let (status, body) = shop.get("/orders?owner=admin%3A1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["field"], "owner");
    let (status, body) = shop.get("/orders").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = shop
        .get(&paths::order("0123456789abcdef0123456789abcdef"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (_, empty) = shop.get(&paths::orders_of(&Owner::user("nobody"))).await;
    assert_eq!(empty, json!({ "items": [] }));
}
