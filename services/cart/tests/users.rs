//! Users' carts and the merge of a guest cart into one at sign-in, over HTTP as cart-bff
//! uses them, on SQLite and PostgreSQL with a real catalog-service behind.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cart_service_api::{paths, Cart, CartRef, OrderList, Owner, MAX_LINES};
use common::{client, send, Shop, GOOD_CARD};
use reqwest::StatusCode;
use serde_json::json;
use std::collections::BTreeSet;
use tokio::task::JoinSet;

test_support::on_both_databases!(crate::common::spawn_shop =>
    a_users_cart_is_made_once_under_twenty_concurrent_first_uses,
    a_malformed_user_id_is_a_400,
    a_merge_adds_quantities_caps_them_at_99_and_at_stock_and_deletes_the_guest_cart,
    a_merge_gives_the_guest_orders_to_the_user,
    twenty_concurrent_merges_of_one_guest_cart_add_its_lines_once,
    merging_a_cart_that_is_gone_leaves_the_users_cart_unchanged,
    a_merge_keeps_at_most_fifty_products_the_oldest_first,
    with_the_catalog_down_a_merge_caps_at_99_only,
    bad_merges_are_refused_and_change_nothing,
);

async fn a_users_cart_is_made_once_under_twenty_concurrent_first_uses(shop: Shop) {
    let url = shop.url(&paths::user_cart("ada-42"));
    let mut puts = JoinSet::new();
    for _ in 0..20 {
        let (client, url) = (client(), url.clone());
        puts.spawn(async move { send(client.put(url)).await });
    }
    let mut ids = BTreeSet::new();
    for (status, body) in puts.join_all().await {
        assert_eq!(status, StatusCode::OK, "{body}");
        ids.insert(serde_json::from_value::<CartRef>(body).unwrap().id);
    }
    assert_eq!(ids.len(), 1, "one cart for one user: {ids:?}");
    assert_eq!(shop.count("cart", "user_id = 'ada-42'").await, 1);
    let cart_id = ids.into_iter().next().unwrap();
    assert_eq!(shop.user_cart("ada-42").await, cart_id, "and ever after");
    assert!(shop.cart(&cart_id).await.lines.is_empty());
    let other = shop.user_cart("grace-7").await;
    assert_ne!(other, cart_id, "another user has another cart");
}

async fn a_malformed_user_id_is_a_400(shop: Shop) {
    for user_id in ["a%20b", &"x".repeat(65), "a.b"] {
        let (status, body) = send(client().put(shop.url(&paths::user_cart(user_id)))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{user_id}: {body}");
        assert_eq!(body["error"]["field"], "user_id", "{body}");
    }
    assert_eq!(shop.count("cart", "user_id IS NOT NULL").await, 0);
}

async fn a_merge_adds_quantities_caps_them_at_99_and_at_stock_and_deletes_the_guest_cart(
    shop: Shop,
) {
    shop.set_stock(0, 200).await;
    let user_cart = shop.user_cart_with("ada", &[(1, 3), (2, 90), (4, 3)]).await;
    let guest = shop.cart_with(&[(1, 5), (2, 20), (3, 4), (4, 5)]).await;
    // Sold elsewhere meanwhile: the guest's 4 of product 3 and the 8 of product 4 are
    // more than the catalog can still sell.
    shop.set_stock(3, 2).await;
    shop.set_stock(4, 6).await;

    let (status, body) = shop.merge(&user_cart, &guest, "ada").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let merged: Cart = serde_json::from_value(body).unwrap();
    assert_eq!(merged.id, user_cart);
    assert!(merged.checked);
    assert_eq!(
        shop.quantities(&user_cart).await,
        [(1, 8), (2, 99), (3, 2), (4, 6)],
        "summed; at most 99 and at most what is in stock"
    );
    assert_eq!(merged.item_count, 8 + 99 + 2 + 6);
    let order: Vec<i64> = merged.lines.iter().map(|line| line.product_id).collect();
    assert_eq!(
        order,
        [1, 2, 4, 3],
        "the user's lines, then the guest's new ones"
    );

    let (status, _) = shop.get(&paths::cart(&guest)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the guest cart is gone");
    assert_eq!(
        shop.count("cart_line", &format!("cart_id = '{guest}'"))
            .await,
        0
    );
}

async fn a_merge_gives_the_guest_orders_to_the_user(shop: Shop) {
    shop.set_stock(0, 20).await;
    let guest = shop.cart_with(&[(1, 1)]).await;
    // Ordered as a guest just before signing in: the cart is empty, but still there.
    let (status, placed) = shop.checkout(&guest, "guest-order-1", GOOD_CARD).await;
    assert_eq!(status, StatusCode::CREATED, "{placed}");
    let someone = shop.cart_with(&[(2, 1)]).await;
    let (status, theirs) = shop.checkout(&someone, "someone-1", GOOD_CARD).await;
    assert_eq!(status, StatusCode::CREATED, "{theirs}");
    let user_cart = shop.user_cart("ada").await;

    let (status, body) = shop.merge(&user_cart, &guest, "ada").await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (_, list) = shop.get(&paths::orders_of(&Owner::user("ada"))).await;
    let list: OrderList = serde_json::from_value(list).unwrap();
    let ids: Vec<&str> = list.items.iter().map(|order| order.id.as_str()).collect();
    assert_eq!(ids, [placed["id"].as_str().unwrap()]);
    assert_eq!(list.items[0].owner, Owner::user("ada"));
    let (_, left) = shop.get(&paths::orders_of(&Owner::guest(&guest))).await;
    assert_eq!(left, json!({ "items": [] }));
    let (_, untouched) = shop.get(&paths::orders_of(&Owner::guest(&someone))).await;
    assert_eq!(untouched["items"][0]["id"], theirs["id"], "{untouched}");
    let (status, _) = shop.get(&paths::cart(&guest)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn twenty_concurrent_merges_of_one_guest_cart_add_its_lines_once(shop: Shop) {
    shop.set_stock(0, 50).await;
    let user_cart = shop.user_cart_with("ada", &[(1, 1)]).await;
    let guest = shop.cart_with(&[(1, 2), (2, 3)]).await;
    let mut merges = JoinSet::new();
    for _ in 0..20 {
        let (user_cart, guest) = (user_cart.clone(), guest.clone());
        let url = shop.url(&paths::merge(&user_cart));
        merges.spawn(async move {
            send(
                client()
                    .post(url)
                    .json(&json!({ "from": guest, "owner": "user:ada" })),
            )
            .await
        });
    }
    for (status, body) in merges.join_all().await {
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    assert_eq!(shop.quantities(&user_cart).await, [(1, 3), (2, 3)]);
    assert_eq!(shop.count("cart", &format!("id = '{guest}'")).await, 0);
}

async fn merging_a_cart_that_is_gone_leaves_the_users_cart_unchanged(shop: Shop) {
    shop.set_stock(0, 50).await;
    let user_cart = shop.user_cart_with("ada", &[(1, 2)]).await;
    let guest = shop.cart_with(&[(1, 1)]).await;
    let (status, body) = shop.merge(&user_cart, &guest, "ada").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let before = shop.cart(&user_cart).await;
    assert_eq!(before.lines[0].quantity, 3);

    for from in [guest.as_str(), "0123456789abcdef0123456789abcdef"] {
        let (status, body) = shop.merge(&user_cart, from, "ada").await;
        assert_eq!(status, StatusCode::OK, "{from}: {body}");
        assert_eq!(
            serde_json::from_value::<Cart>(body).unwrap(),
            before,
            "{from}"
        );
    }
    assert_eq!(shop.quantities(&user_cart).await, [(1, 3)]);
}

async fn a_merge_keeps_at_most_fifty_products_the_oldest_first(shop: Shop) {
    shop.set_stock(0, 10).await;
    let held: Vec<(i64, i32)> = (1..=MAX_LINES as i64 - 2).map(|id| (id, 1)).collect();
    let user_cart = shop.user_cart_with("ada", &held).await;
    // Added in this order: 52 first, 49 last; the two added first go in.
    let guest = shop
        .cart_with(&[(52, 1), (51, 1), (1, 2), (50, 1), (49, 1)])
        .await;
    let (status, body) = shop.merge(&user_cart, &guest, "ada").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let quantities = shop.quantities(&user_cart).await;
    assert_eq!(quantities.len(), MAX_LINES);
    let ids: BTreeSet<i64> = quantities.iter().map(|(id, _)| *id).collect();
    assert!(ids.contains(&52) && ids.contains(&51), "{ids:?}");
    assert!(!ids.contains(&50) && !ids.contains(&49), "{ids:?}");
    assert_eq!(
        quantities[0],
        (1, 3),
        "a product held already still adds up"
    );
}

async fn with_the_catalog_down_a_merge_caps_at_99_only(shop: Shop) {
    shop.set_stock(0, 200).await;
    let user_cart = shop.user_cart_with("ada", &[(1, 90)]).await;
    let guest = shop.cart_with(&[(1, 20), (2, 5)]).await;
    shop.set_stock(2, 3).await;
    shop.catalog.stop().await;

    let (status, body) = shop.merge(&user_cart, &guest, "ada").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let merged: Cart = serde_json::from_value(body).unwrap();
    assert!(!merged.checked, "{merged:?}");
    // Checkout's reservation will find that only 3 of product 2 are left.
    assert_eq!(shop.quantities(&user_cart).await, [(1, 99), (2, 5)]);
    assert_eq!(shop.count("cart", &format!("id = '{guest}'")).await, 0);
}

async fn bad_merges_are_refused_and_change_nothing(shop: Shop) {
    shop.set_stock(0, 50).await;
    let user_cart = shop.user_cart_with("ada", &[(1, 1)]).await;
    let grace = shop.user_cart_with("grace", &[(3, 1)]).await;
    let guest = shop.cart_with(&[(2, 1)]).await;
    let other_guest = shop.cart_with(&[(4, 1)]).await;
    let unknown = "0123456789abcdef0123456789abcdef";
    let cases = [
        // (into, from, owner, status, field)
        (&user_cart, &user_cart, "user:ada", 422, "from"),
        (&user_cart, &grace, "user:ada", 422, "from"),
        (&other_guest, &guest, "user:ada", 422, "cart_id"),
        (&user_cart, &guest, "user:grace", 422, "owner"),
        (&user_cart, &guest, "guest:x", 422, "owner"),
        (&user_cart, &"a b".to_owned(), "user:ada", 422, "from"),
        (&unknown.to_owned(), &guest, "user:ada", 404, ""),
        (&"x".repeat(65), &guest, "user:ada", 400, "cart_id"),
    ];
    for (into, from, owner, status, field) in cases {
        let (answer, body) = send(
            client()
                .post(shop.url(&paths::merge(into)))
                .json(&json!({ "from": from, "owner": owner })),
        )
        .await;
        assert_eq!(
            answer.as_u16(),
            status,
            "{into} ← {from} as {owner}: {body}"
        );
        if !field.is_empty() {
            assert_eq!(body["error"]["field"], field, "{body}");
        }
    }
    let (status, body) = send(
        client()
            .post(shop.url(&paths::merge(&user_cart)))
            .json(&json!({ "from": guest })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no owner: {body}");

    assert_eq!(shop.quantities(&user_cart).await, [(1, 1)]);
    assert_eq!(shop.quantities(&grace).await, [(3, 1)]);
    assert_eq!(shop.quantities(&guest).await, [(2, 1)]);
    assert_eq!(shop.quantities(&other_guest).await, [(4, 1)]);
}
