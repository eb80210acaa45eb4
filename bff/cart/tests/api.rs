//! cart-bff against a real cart-service and catalog-service (contract tests), on SQLite
//! and PostgreSQL, speaking HTTP as the cart MFE does.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cart_api::{
    fields, item_url, order_url, Added, CartView, CheckoutForm, MiniCart, OrderHistory, OrderState,
    OrderView, CART_PATH, CHECKOUT_PATH, ITEMS_PATH, MINI_CART_PATH, ORDERS_PATH,
};
use common::{valid_form, Shop, Shopper};
use platform::money::format_price;
use reqwest::{Method, StatusCode};
use serde_json::json;

test_support::on_both_databases!(crate::common::spawn_shop =>
    adding_a_product_makes_a_cart_named_only_by_an_http_only_cookie,
    the_cookie_is_secure_and_host_prefixed_when_the_shop_is_served_over_https,
    the_mini_cart_counts_items_and_sums_their_prices,
    the_cart_page_shows_lines_totals_and_the_way_to_free_shipping,
    a_line_beyond_the_stock_is_warned_about_and_blocks_checkout,
    quantities_are_set_lines_removed_and_the_cart_emptied,
    a_stale_or_malformed_cookie_is_no_cart,
    the_services_refusals_reach_the_shopper,
    checkout_places_the_order_and_only_its_cart_can_see_it,
    a_declined_card_is_a_402_at_the_card_number,
    checking_out_more_than_is_in_stock_is_a_409_with_the_services_message,
    a_bad_form_is_a_422_naming_every_invalid_field,
    checkout_without_an_idempotency_key_is_a_400_before_anything_else,
    checkout_without_a_cart_is_refused_as_an_empty_cart,
    a_write_without_the_csrf_header_is_forbidden_and_changes_nothing,
    quantities_outside_1_to_99_are_refused,
    oversized_and_non_json_bodies_are_refused,
    unknown_paths_are_a_json_404_and_other_methods_a_405,
);

async fn adding_a_product_makes_a_cart_named_only_by_an_http_only_cookie(shop: Shop) {
    let product = shop.cheap_product(5).await;
    let mut shopper = shop.shopper();
    let answer = shopper.add(product.id, 2).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);

    let cookie = answer
        .cart_cookie
        .clone()
        .expect("the add sets the cart cookie");
    let attributes: Vec<&str> = cookie.split(';').map(str::trim).collect();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=2592000"] {
        assert!(attributes.contains(&attribute), "{attribute} in {cookie}");
    }
    assert!(!attributes.contains(&"Secure"), "plain HTTP: {cookie}");
    let cart_id = shopper.cart_id().expect("a cart id in the cookie");
    assert!(!cart_id.is_empty());

    let added: Added = answer.json();
    assert_eq!(added.product_name, product.name);
    assert_eq!(added.quantity_in_cart, 2);
    assert_eq!(added.mini_cart.item_count, 2);

    // The same cart for the next add; the id is never in a body page code can read.
    let again = shopper.add(product.id, 1).await;
    assert_eq!(again.json::<Added>().quantity_in_cart, 3);
    assert_eq!(shopper.cart_id().unwrap(), cart_id);
    let key = "no-id-in-bodies";
    let order = shopper.checkout(key, &valid_form()).await;
    assert_eq!(order.status, StatusCode::CREATED, "{}", order.text);
    let order_id = order.json::<OrderView>().id;
    for answer in [
        answer,
        again,
        order,
        shopper.get(MINI_CART_PATH).await,
        shopper.get(CART_PATH).await,
        shopper.get(ORDERS_PATH).await,
        shopper.get(&order_url(&order_id)).await,
    ] {
        assert!(answer.status.is_success(), "{}", answer.text);
        assert!(!answer.text.contains(&cart_id), "{}", answer.text);
    }
}

/// Over HTTPS the cart cookie is `Secure` and named `__Host-cart_id`: the browser takes it
/// only from this host over HTTPS with `Path=/`, so neither a sibling subdomain nor a
/// plain-HTTP answer can plant a cart of its choosing on the shopper.
async fn the_cookie_is_secure_and_host_prefixed_when_the_shop_is_served_over_https(shop: Shop) {
    let product = shop.cheap_product(5).await;
    let mut shopper = Shopper::over_https(&shop.bff.address);
    let answer = shopper.add(product.id, 1).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let cookie = answer.cart_cookie.unwrap();
    assert!(cookie.starts_with("__Host-cart_id="), "{cookie}");
    let attributes: Vec<&str> = cookie.split(';').map(str::trim).collect();
    for attribute in ["Secure", "HttpOnly", "Path=/", "SameSite=Lax"] {
        assert!(attributes.contains(&attribute), "{attribute} in {cookie}");
    }
    assert!(
        !attributes.iter().any(|a| a.starts_with("Domain")),
        "{cookie}"
    );
    // The prefixed cookie names the cart from now on.
    let cart = shopper.cart_id().unwrap();
    let again = shopper.add(product.id, 1).await;
    assert_eq!(again.json::<Added>().quantity_in_cart, 2);
    assert_eq!(
        shopper.cart_id().unwrap(),
        cart,
        "the same cart, kept longer"
    );
    assert_eq!(shopper.mini_cart().await.item_count, 2);

    // A cookie under the plain name is not the shop's over HTTPS: planted, or left from
    // plain HTTP, it names no cart, and adding makes a cart of the shopper's own.
    let mut planted = Shopper::over_https(&shop.bff.address);
    planted.cookie = Some(format!("cart_id={cart}"));
    assert_eq!(planted.mini_cart().await.item_count, 0);
    let answer = planted.add(product.id, 1).await;
    assert!(answer.cart_cookie.unwrap().starts_with("__Host-cart_id="));
    assert_ne!(planted.cart_id().unwrap(), cart);
    // And over plain HTTP the prefixed name is no cookie of the shop's.
    let mut plain = shop.shopper();
    plain.cookie = Some(format!("__Host-cart_id={cart}"));
    assert_eq!(plain.mini_cart().await.item_count, 0);
}

async fn the_mini_cart_counts_items_and_sums_their_prices(shop: Shop) {
    let mut shopper = shop.shopper();
    assert_eq!(
        shopper.mini_cart().await,
        MiniCart {
            item_count: 0,
            subtotal: "€0.00".into()
        }
    );
    let first = shop.cheap_product(5).await;
    let second = shop.another_cheap_product(&first).await;
    shopper.add(first.id, 2).await;
    let added: Added = shopper.add(second.id, 1).await.json();
    let expected = MiniCart {
        item_count: 3,
        subtotal: format_price(2 * first.price_minor + second.price_minor, "EUR"),
    };
    assert_eq!(added.mini_cart, expected);
    assert_eq!(shopper.mini_cart().await, expected);
    assert!(expected.subtotal.starts_with('€'));
}

async fn the_cart_page_shows_lines_totals_and_the_way_to_free_shipping(shop: Shop) {
    let product = shop.cheap_product(5).await;
    let mut shopper = shop.shopper();
    shopper.add(product.id, 1).await;

    let view = shopper.cart().await;
    assert_eq!(view.lines.len(), 1);
    let line = &view.lines[0];
    assert_eq!(line.product_id, product.id);
    assert_eq!(line.name, product.name);
    assert_eq!(line.product_url, format!("/products/{}", product.slug));
    assert_eq!(
        line.image_url,
        format!("/api/catalog/images/{}.svg", product.slug)
    );
    assert_eq!(line.unit_price, format_price(product.price_minor, "EUR"));
    assert_eq!(line.quantity, 1);
    assert_eq!(
        line.max_quantity,
        u32::try_from(product.stock.min(99)).unwrap()
    );
    assert_eq!(line.line_total, line.unit_price);
    assert_eq!(line.warning, None);
    assert_eq!(view.item_count, 1);
    assert_eq!(view.subtotal, line.unit_price);
    assert_eq!(view.shipping, "€4.90");
    assert_eq!(view.total, format_price(product.price_minor + 490, "EUR"));
    assert_eq!(
        view.shipping_note,
        Some(format!(
            "Add {} more for free shipping.",
            format_price(5_000 - product.price_minor, "EUR")
        ))
    );
    assert!(view.checked);
    assert!(view.can_checkout);

    // Enough of it for free shipping (it costs €10 to €40, and 5 are in stock).
    let enough = u32::try_from((5_000 + product.price_minor - 1) / product.price_minor).unwrap();
    let answer = shopper.set_quantity(product.id, enough).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let view: CartView = answer.json();
    assert_eq!(view.shipping, "Free");
    assert_eq!(view.shipping_note, None);
    assert_eq!(view.total, view.subtotal);
    assert_eq!(
        view.subtotal,
        format_price(i64::from(enough) * product.price_minor, "EUR")
    );
}

async fn a_line_beyond_the_stock_is_warned_about_and_blocks_checkout(shop: Shop) {
    let product = shop.cheap_product(5).await;
    let mut shopper = shop.shopper();
    shopper.add(product.id, 3).await;
    assert!(shopper.cart().await.can_checkout);

    shop.set_stock(product.id, 1).await;
    let view = shopper.cart().await;
    let line = &view.lines[0];
    assert_eq!(
        line.warning.as_deref(),
        Some("Only 1 left — lower the quantity to check out.")
    );
    assert_eq!(line.max_quantity, 3, "never below what the line holds");
    assert!(view.checked);
    assert!(!view.can_checkout);

    shop.set_stock(product.id, 0).await;
    let view = shopper.cart().await;
    assert_eq!(
        view.lines[0].warning.as_deref(),
        Some("Sold out — remove it to check out.")
    );
    assert!(!view.can_checkout);
}

async fn quantities_are_set_lines_removed_and_the_cart_emptied(shop: Shop) {
    let first = shop.cheap_product(5).await;
    let second = shop.another_cheap_product(&first).await;
    let mut shopper = shop.shopper();
    shopper.add(first.id, 1).await;
    shopper.add(second.id, 1).await;

    let view: CartView = shopper.set_quantity(first.id, 4).await.json();
    let quantities: Vec<(i64, u32)> = view
        .lines
        .iter()
        .map(|l| (l.product_id, l.quantity))
        .collect();
    assert!(quantities.contains(&(first.id, 4)), "{quantities:?}");
    assert_eq!(view.item_count, 5);

    let view: CartView = shopper.set_quantity(first.id, 0).await.json();
    let ids: Vec<i64> = view.lines.iter().map(|l| l.product_id).collect();
    assert_eq!(ids, [second.id], "0 removes the line");

    let answer = shopper
        .write(Method::DELETE, &item_url(second.id), None)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let view: CartView = answer.json();
    assert!(view.lines.is_empty());
    assert!(!view.can_checkout);
    // Removing what is not there is done already.
    let answer = shopper
        .write(Method::DELETE, &item_url(second.id), None)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert!(answer.json::<CartView>().lines.is_empty());

    shopper.add(first.id, 2).await;
    shopper.add(second.id, 1).await;
    let answer = shopper.write(Method::DELETE, CART_PATH, None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert!(answer.json::<CartView>().lines.is_empty());
    assert_eq!(shopper.mini_cart().await.item_count, 0);
    assert!(shopper.cart().await.lines.is_empty());

    // Without a cart there is no line to change.
    let mut stranger = shop.shopper();
    let answer = stranger.set_quantity(first.id, 2).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.text);
    assert_eq!(answer.code(), "not_found");
}

async fn a_stale_or_malformed_cookie_is_no_cart(shop: Shop) {
    let product = shop.cheap_product(5).await;
    for cookie in [
        "cart_id=no-such-cart-42",
        "cart_id=../../orders",
        "cart_id=a b",
    ] {
        let mut shopper = Shopper::with_cookie(&shop.bff.address, cookie);
        assert_eq!(shopper.mini_cart().await.item_count, 0, "{cookie}");
        let view = shopper.cart().await;
        assert_eq!(view, empty_cart(), "{cookie}");
        let history: OrderHistory = shopper.get(ORDERS_PATH).await.json();
        assert!(history.orders.is_empty());

        let answer = shopper.add(product.id, 1).await;
        assert_eq!(answer.status, StatusCode::OK, "{cookie}: {}", answer.text);
        assert!(answer.cart_cookie.is_some(), "a new cart for {cookie}");
        let new = shopper.cookie.clone().unwrap();
        assert_ne!(new, cookie);
        assert_eq!(shopper.mini_cart().await.item_count, 1);
    }
}

fn empty_cart() -> CartView {
    CartView {
        lines: vec![],
        item_count: 0,
        subtotal: "€0.00".into(),
        shipping: "€0.00".into(),
        total: "€0.00".into(),
        shipping_note: None,
        checked: true,
        can_checkout: false,
    }
}

async fn the_services_refusals_reach_the_shopper(shop: Shop) {
    let mut shopper = shop.shopper();
    let answer = shopper.add(987_654_321, 1).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.text
    );
    assert_eq!(answer.code(), "unknown_product");
    // The cart made for the refused add is kept for the next one.
    let cookie = shopper.cookie.clone().expect("the new cart's cookie");

    let product = shop.cheap_product(5).await;
    shop.set_stock(product.id, 0).await;
    let answer = shopper.add(product.id, 1).await;
    assert_eq!(answer.status, StatusCode::CONFLICT, "{}", answer.text);
    assert_eq!(answer.code(), "out_of_stock");
    assert!(!answer.body["error"]["message"].as_str().unwrap().is_empty());
    assert_eq!(shopper.cookie.as_deref(), Some(cookie.as_str()));
    assert_eq!(shopper.mini_cart().await.item_count, 0);
}

async fn checkout_places_the_order_and_only_its_cart_can_see_it(shop: Shop) {
    let product = shop.cheap_product(5).await;
    let mut shopper = shop.shopper();
    shopper.add(product.id, 2).await;
    let answer = shopper.checkout("first-order-1", &valid_form()).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    let order: OrderView = answer.json();
    assert_eq!(order.state, OrderState::Placed);
    assert_eq!(order.number, order.id[..8].to_uppercase());
    assert!(
        order.status_label.starts_with("Placed on "),
        "{}",
        order.status_label
    );
    assert_eq!(order.failure, None);
    assert_eq!(order.item_count, 2);
    assert_eq!(order.lines.len(), 1);
    assert_eq!(order.lines[0].name, product.name);
    assert_eq!(
        order.lines[0].product_url,
        format!("/products/{}", product.slug)
    );
    assert_eq!(order.subtotal, format_price(2 * product.price_minor, "EUR"));
    assert_eq!(
        order.shipping_address,
        ["Ada Lovelace", "Hauptstraße 1", "10115 Berlin", "Germany"]
    );
    assert_eq!(order.payment, "Card ending 4242");

    assert_eq!(
        shopper.mini_cart().await.item_count,
        0,
        "the cart is emptied"
    );
    let again = shopper.get(&order_url(&order.id)).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.json::<OrderView>(), order);
    let history: OrderHistory = shopper.get(ORDERS_PATH).await.json();
    assert_eq!(history.orders.len(), 1);
    assert_eq!(history.orders[0], order);

    // A retried request places nothing more.
    let replay = shopper.checkout("first-order-1", &valid_form()).await;
    assert!(replay.status.is_success(), "{}", replay.text);
    assert_eq!(replay.json::<OrderView>().id, order.id);
    let history: OrderHistory = shopper.get(ORDERS_PATH).await.json();
    assert_eq!(history.orders.len(), 1);

    // Anyone else — with a cart of their own, or none — finds no such order.
    let mut other = shop.shopper();
    other.add(product.id, 1).await;
    for mut stranger in [other, shop.shopper()] {
        let answer = stranger.get(&order_url(&order.id)).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.text);
        assert_eq!(answer.code(), "not_found");
        let history: OrderHistory = stranger.get(ORDERS_PATH).await.json();
        assert!(history.orders.is_empty());
    }
    let unknown = shopper.get(&order_url("no-such-order")).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.code(), "not_found");
}

async fn a_declined_card_is_a_402_at_the_card_number(shop: Shop) {
    let product = shop.cheap_product(5).await;
    let mut shopper = shop.shopper();
    shopper.add(product.id, 1).await;
    let form = CheckoutForm {
        card_number: cart_api::DECLINED_TEST_CARD.into(),
        ..valid_form()
    };
    let answer = shopper.checkout("declined-1", &form).await;
    assert_eq!(
        answer.status,
        StatusCode::PAYMENT_REQUIRED,
        "{}",
        answer.text
    );
    assert_eq!(answer.code(), "payment_declined");
    assert_eq!(answer.body["error"]["field"], fields::CARD_NUMBER);
    assert!(!answer.body["error"]["message"].as_str().unwrap().is_empty());
    // Nothing bought: the cart is as it was, and another card can be tried.
    assert_eq!(shopper.mini_cart().await.item_count, 1);
    let history: OrderHistory = shopper.get(ORDERS_PATH).await.json();
    assert!(history.orders.is_empty(), "a declined checkout is no order");
    let answer = shopper.checkout("declined-2", &valid_form()).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    let history: OrderHistory = shopper.get(ORDERS_PATH).await.json();
    assert_eq!(history.orders.len(), 1);
}

async fn checking_out_more_than_is_in_stock_is_a_409_with_the_services_message(shop: Shop) {
    let product = shop.cheap_product(5).await;
    let mut shopper = shop.shopper();
    shopper.add(product.id, 3).await;
    shop.set_stock(product.id, 1).await;
    let answer = shopper.checkout("short-1", &valid_form()).await;
    assert_eq!(answer.status, StatusCode::CONFLICT, "{}", answer.text);
    assert_eq!(answer.code(), "out_of_stock");
    let message = answer.body["error"]["message"].as_str().unwrap();
    assert!(!message.is_empty());
    assert_eq!(shopper.mini_cart().await.item_count, 3, "nothing bought");
}

async fn a_bad_form_is_a_422_naming_every_invalid_field(shop: Shop) {
    let product = shop.cheap_product(5).await;
    let mut shopper = shop.shopper();
    shopper.add(product.id, 1).await;
    let form = CheckoutForm {
        name: " ".into(),
        country: "US".into(),
        card_number: "4242 4242 4242 4241".into(),
        card_expiry: "01/20".into(),
        card_cvc: "12a".into(),
        ..valid_form()
    };
    let answer = shopper.checkout("bad-form-1", &form).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.text
    );
    assert_eq!(answer.code(), "unprocessable");
    let named: Vec<&str> = answer.body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        named,
        ["name", "country", "card_number", "card_expiry", "card_cvc"]
    );
    assert_eq!(answer.body["error"]["field"], "name");
    let history: OrderHistory = shopper.get(ORDERS_PATH).await.json();
    assert!(history.orders.is_empty(), "nothing was ordered");
    assert_eq!(shopper.mini_cart().await.item_count, 1);
}

async fn checkout_without_an_idempotency_key_is_a_400_before_anything_else(shop: Shop) {
    let product = shop.cheap_product(5).await;
    let mut shopper = shop.shopper();
    shopper.add(product.id, 1).await;
    let without = shopper
        .request(Method::POST, CHECKOUT_PATH)
        .header("x-csrf", "1")
        .json(&valid_form());
    let with_a_bad_key = shopper
        .request(Method::POST, CHECKOUT_PATH)
        .header("x-csrf", "1")
        .header("idempotency-key", "two words")
        .json(&valid_form());
    // Not even a body that is not JSON is looked at first.
    let without_and_no_json = shopper
        .request(Method::POST, CHECKOUT_PATH)
        .header("x-csrf", "1")
        .header("content-type", "text/plain")
        .body("{");
    for request in [without, with_a_bad_key, without_and_no_json] {
        let answer = shopper.send(request).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
        assert_eq!(answer.code(), "invalid_parameter");
        assert_eq!(answer.body["error"]["field"], "Idempotency-Key");
    }
    let history: OrderHistory = shopper.get(ORDERS_PATH).await.json();
    assert!(history.orders.is_empty());
    assert_eq!(shopper.mini_cart().await.item_count, 1);
}

async fn checkout_without_a_cart_is_refused_as_an_empty_cart(shop: Shop) {
    let mut shopper = shop.shopper();
    let answer = shopper.checkout("no-cart-1", &valid_form()).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.text
    );
    assert_eq!(answer.code(), "cart_empty");
    assert_eq!(answer.body["error"]["message"], "Your cart is empty.");
    assert!(answer.cart_cookie.is_none());
}

async fn a_write_without_the_csrf_header_is_forbidden_and_changes_nothing(shop: Shop) {
    let product = shop.cheap_product(5).await;
    let mut shopper = shop.shopper();
    shopper.add(product.id, 1).await;
    let body = json!({ "product_id": product.id, "quantity": 1 });
    let forged = [
        shopper.request(Method::POST, ITEMS_PATH).json(&body),
        shopper
            .request(Method::PUT, &item_url(product.id))
            .json(&json!({ "quantity": 5 })),
        shopper.request(Method::DELETE, &item_url(product.id)),
        shopper.request(Method::DELETE, CART_PATH),
        shopper
            .request(Method::POST, CHECKOUT_PATH)
            .header("idempotency-key", "forged-1")
            .json(&valid_form()),
        // The header, but from another site.
        shopper
            .request(Method::POST, ITEMS_PATH)
            .header("x-csrf", "1")
            .header("origin", "https://evil.example")
            .json(&body),
    ];
    for request in forged {
        let answer = shopper.send(request).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.text);
        assert_eq!(answer.code(), "forbidden");
        assert!(answer.cart_cookie.is_none());
    }
    let view = shopper.cart().await;
    assert_eq!(view.lines.len(), 1);
    assert_eq!(view.lines[0].quantity, 1);
    let history: OrderHistory = shopper.get(ORDERS_PATH).await.json();
    assert!(history.orders.is_empty());
}

async fn quantities_outside_1_to_99_are_refused(shop: Shop) {
    let product = shop.cheap_product(5).await;
    let mut shopper = shop.shopper();
    for (quantity, status) in [
        (json!(0), StatusCode::UNPROCESSABLE_ENTITY),
        (json!(100), StatusCode::UNPROCESSABLE_ENTITY),
        (json!(-1), StatusCode::BAD_REQUEST),
        (json!("x"), StatusCode::BAD_REQUEST),
        (json!(1.5), StatusCode::BAD_REQUEST),
    ] {
        let body = json!({ "product_id": product.id, "quantity": quantity });
        let answer = shopper.write(Method::POST, ITEMS_PATH, Some(body)).await;
        assert_eq!(answer.status, status, "{quantity}: {}", answer.text);
        if status == StatusCode::UNPROCESSABLE_ENTITY {
            assert_eq!(answer.body["error"]["field"], "quantity", "{}", answer.text);
        }
        assert!(answer.cart_cookie.is_none(), "no cart for a refused add");
    }
    assert_eq!(shopper.add(product.id, 1).await.status, StatusCode::OK);
    let answer = shopper.set_quantity(product.id, 100).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.text
    );
    assert_eq!(answer.body["error"]["field"], "quantity");
    let answer = shopper
        .write(
            Method::PUT,
            &item_url(product.id),
            Some(json!({ "quantity": -1 })),
        )
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    assert_eq!(shopper.cart().await.lines[0].quantity, 1);
}

async fn oversized_and_non_json_bodies_are_refused(shop: Shop) {
    let product = shop.cheap_product(5).await;
    let mut shopper = shop.shopper();
    let padding = "x".repeat(65 * 1024);
    let huge = json!({ "product_id": product.id, "quantity": 1, "padding": padding });
    let answer = shopper
        .write(Method::POST, ITEMS_PATH, Some(huge.clone()))
        .await;
    assert_eq!(
        answer.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        answer.text
    );
    assert_eq!(answer.code(), "payload_too_large");
    let request = shopper
        .request(Method::POST, CHECKOUT_PATH)
        .header("x-csrf", "1")
        .header("idempotency-key", "huge-1")
        .json(&huge);
    assert_eq!(
        shopper.send(request).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );

    let request = shopper
        .request(Method::POST, ITEMS_PATH)
        .header("x-csrf", "1")
        .header("content-type", "text/plain")
        .body(json!({ "product_id": product.id, "quantity": 1 }).to_string());
    let answer = shopper.send(request).await;
    assert_eq!(
        answer.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "{}",
        answer.text
    );
    assert_eq!(answer.code(), "unsupported_media_type");
    assert_eq!(shopper.mini_cart().await.item_count, 0);
}

async fn unknown_paths_are_a_json_404_and_other_methods_a_405(shop: Shop) {
    let mut shopper = shop.shopper();
    for path in ["/api/cart/nothing-here", "/elsewhere"] {
        let answer = shopper.get(path).await;
        assert_eq!(
            answer.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            answer.text
        );
        assert_eq!(answer.code(), "not_found", "{path}");
    }
    let answer = shopper.write(Method::PATCH, MINI_CART_PATH, None).await;
    assert_eq!(
        answer.status,
        StatusCode::METHOD_NOT_ALLOWED,
        "{}",
        answer.text
    );
    assert!(!answer.code().is_empty(), "{}", answer.text);
}
