//! cart-bff for signed-in shoppers, against a real cart-service and catalog-service on
//! SQLite and PostgreSQL: their cart and orders follow their identity token, a guest cart
//! is merged into theirs at sign-in, and any token that is not a valid one of
//! account-service's key is a guest.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cart_api::{order_url, CartView, MiniCart, OrderHistory, OrderView, CART_PATH, ORDERS_PATH};
use cart_service_api::{paths, CartRef, Order, Owner};
use common::{valid_form, Shop, Shopper};
use platform::money::format_price;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::task::JoinSet;

test_support::on_both_databases!(crate::common::spawn_shop =>
    a_signed_in_shoppers_cart_follows_them_to_every_browser,
    signing_in_merges_the_guest_cart_and_forgets_its_cookie,
    ten_concurrent_requests_at_sign_in_merge_the_guest_cart_once,
    a_users_order_is_theirs_alone,
    a_token_with_a_flipped_byte_is_a_guest,
    a_token_signed_by_another_key_is_a_guest,
    an_unsigned_alg_none_token_is_a_guest,
    an_expired_token_is_a_guest,
    over_https_only_the_host_prefixed_identity_cookie_signs_in,
);

#[test]
fn without_a_readable_public_key_the_bff_does_not_start() {
    let keys = test_support::keys::IdentityKeys::generate();
    let folder = keys.public_key_file.parent().unwrap().to_owned();
    let not_a_key = folder.join("not-a-key.pem");
    std::fs::write(&not_a_key, "-----BEGIN PUBLIC KEY-----\nnope\n").unwrap();
    for file in [folder.join("missing.pem.pub"), not_a_key] {
        let mut configuration =
            common::bff_configuration("http://127.0.0.1:9", common::UPSTREAM_TIMEOUT, &keys);
        configuration.identity_public_key_file = file.clone();
        let Err(error) = cart_bff::startup::Application::build(configuration) else {
            panic!("started with {}", file.display());
        };
        let message = format!("{error:#}");
        assert!(
            message.contains("CART_BFF__IDENTITY_PUBLIC_KEY_FILE"),
            "{message}"
        );
        assert!(message.contains(&file.display().to_string()), "{message}");
    }
}

/// (product id, quantity) of each line of the cart page.
fn quantities(view: &CartView) -> Vec<(i64, u32)> {
    let mut lines: Vec<(i64, u32)> = view
        .lines
        .iter()
        .map(|line| (line.product_id, line.quantity))
        .collect();
    lines.sort_unstable();
    lines
}

/// `user_id`'s cart, filled with `lines` straight in cart-service (as another BFF
/// process would have done), so this BFF has not seen it yet.
async fn users_cart_in_the_service(shop: &Shop, user_id: &str, lines: &[(i64, i32)]) -> String {
    let client = test_support::http::client();
    let url = |path: String| format!("{}{path}", shop.cart.address);
    let answer = client
        .put(url(paths::user_cart(user_id)))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let cart_id = answer.json::<CartRef>().await.unwrap().id;
    for (product_id, quantity) in lines {
        let answer = client
            .post(url(paths::lines(&cart_id)))
            .json(&json!({ "product_id": product_id, "quantity": quantity }))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
    }
    cart_id
}

async fn a_signed_in_shoppers_cart_follows_them_to_every_browser(shop: Shop) {
    let first = shop.cheap_product(5).await;
    let second = shop.another_cheap_product(&first).await;
    let mut laptop = shop.signed_in("ada");
    let answer = laptop.add(first.id, 2).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert!(
        answer.cart_cookie.is_none(),
        "a user's cart needs no cookie: {:?}",
        answer.cart_cookie
    );
    laptop.add(second.id, 1).await;

    // The badge counts the user's cart, on any browser they are signed in on.
    let expected = MiniCart {
        item_count: 3,
        subtotal: format_price(2 * first.price_minor + second.price_minor, "EUR"),
    };
    assert_eq!(laptop.mini_cart().await, expected);
    let mut phone = shop.signed_in("ada");
    assert_eq!(phone.mini_cart().await, expected);
    assert_eq!(
        quantities(&phone.cart().await),
        [(first.id, 2), (second.id, 1)]
    );
    let changed = phone.set_quantity(first.id, 4).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(
        quantities(&laptop.cart().await),
        [(first.id, 4), (second.id, 1)]
    );

    // Nobody else sees it.
    for mut other in [shop.shopper(), shop.signed_in("grace")] {
        assert_eq!(other.mini_cart().await.item_count, 0);
        assert!(other.cart().await.lines.is_empty());
    }

    let cleared = phone.write(Method::DELETE, CART_PATH, None).await;
    assert_eq!(cleared.status, StatusCode::OK, "{}", cleared.text);
    assert_eq!(laptop.mini_cart().await.item_count, 0);
    assert_eq!(
        shop.count("cart", "user_id = 'ada'").await,
        1,
        "one cart for the user, however many browsers"
    );
}

async fn signing_in_merges_the_guest_cart_and_forgets_its_cookie(shop: Shop) {
    let few = shop.cheap_product(5).await;
    let many = shop.another_cheap_product(&few).await;
    shop.set_stock(many.id, 200).await;
    users_cart_in_the_service(&shop, "ada", &[(many.id, 50)]).await;
    let mut browser = shop.shopper();
    browser.add(few.id, 4).await;
    browser.add(many.id, 60).await;
    let guest_cart = browser.cart_id().unwrap();
    // Sold elsewhere while the guest shopped: only 2 are left.
    shop.set_stock(few.id, 2).await;

    browser.token = Some(shop.keys.token("ada"));
    let answer = browser.get(CART_PATH).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(
        quantities(&answer.json()),
        [(few.id, 2), (many.id, 99)],
        "summed, but no more than is in stock and than a cart holds"
    );
    let cookie = answer
        .cart_cookie
        .expect("the answer clears the guest cookie");
    let attributes: Vec<&str> = cookie.split(';').map(str::trim).collect();
    for attribute in ["cart_id=", "Max-Age=0", "Path=/", "HttpOnly"] {
        assert!(attributes.contains(&attribute), "{attribute} in {cookie}");
    }
    assert_eq!(browser.cookie, None, "the browser forgot it");
    let (status, _) = test_support::http::get(&format!(
        "{}{}",
        shop.cart.address,
        paths::cart(&guest_cart)
    ))
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the guest cart is gone");

    let answer = browser.get(cart_api::MINI_CART_PATH).await;
    assert_eq!(answer.json::<MiniCart>().item_count, 101);
    assert!(answer.cart_cookie.is_none(), "nothing left to forget");

    // Signed out: a guest again, without a cart — it became the user's.
    browser.token = None;
    assert_eq!(browser.mini_cart().await.item_count, 0);
    assert!(browser.cart().await.lines.is_empty());
}

async fn ten_concurrent_requests_at_sign_in_merge_the_guest_cart_once(shop: Shop) {
    let first = shop.cheap_product(5).await;
    let second = shop.another_cheap_product(&first).await;
    shop.set_stock(first.id, 50).await;
    shop.set_stock(second.id, 50).await;
    users_cart_in_the_service(&shop, "ada", &[(first.id, 1)]).await;
    let mut guest = shop.shopper();
    guest.add(first.id, 2).await;
    guest.add(second.id, 3).await;
    let cookie = guest.cookie.clone().unwrap();
    let token = shop.keys.token("ada");

    // Ten tabs load at once, each with both cookies (the user's cart is new to this BFF).
    let mut tabs = JoinSet::new();
    for _ in 0..10 {
        let mut tab = Shopper::with_cookie(&shop.bff.address, &cookie);
        tab.token = Some(token.clone());
        tabs.spawn(async move { tab.get(cart_api::MINI_CART_PATH).await });
    }
    for answer in tabs.join_all().await {
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        let cleared = answer.cart_cookie.unwrap_or_default();
        assert!(cleared.starts_with("cart_id=;"), "{cleared}");
    }
    let mut ada = shop.signed_in("ada");
    assert_eq!(
        quantities(&ada.cart().await),
        [(first.id, 3), (second.id, 3)],
        "the guest's lines counted once"
    );
    assert_eq!(shop.count("cart", "user_id = 'ada'").await, 1);
}

async fn a_users_order_is_theirs_alone(shop: Shop) {
    let product = shop.cheap_product(5).await;
    let mut ada = shop.signed_in("ada");
    ada.add(product.id, 2).await;
    let answer = ada.checkout("ada-order-1", &valid_form()).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    let order: OrderView = answer.json();
    assert_eq!(
        ada.mini_cart().await.item_count,
        0,
        "the user's cart is emptied"
    );

    let (status, stored) =
        test_support::http::get(&format!("{}{}", shop.cart.address, paths::order(&order.id))).await;
    assert_eq!(status, StatusCode::OK, "{stored}");
    let stored: Order = serde_json::from_value(stored).unwrap();
    assert_eq!(stored.owner, Owner::user("ada"));

    // Theirs on every browser they are signed in on.
    let mut phone = shop.signed_in("ada");
    let history: OrderHistory = phone.get(ORDERS_PATH).await.json();
    assert_eq!(history.orders, std::slice::from_ref(&order));
    let again = phone.get(&order_url(&order.id)).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.json::<OrderView>(), order);

    // Another user, a guest with a cart, a guest without: no such order.
    let mut guest_with_cart = shop.shopper();
    guest_with_cart.add(product.id, 1).await;
    for mut stranger in [shop.signed_in("grace"), guest_with_cart, shop.shopper()] {
        let answer = stranger.get(&order_url(&order.id)).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.text);
        assert_eq!(answer.code(), "not_found");
        let history: OrderHistory = stranger.get(ORDERS_PATH).await.json();
        assert!(history.orders.is_empty());
    }
}

async fn a_token_with_a_flipped_byte_is_a_guest(shop: Shop) {
    let token = shop.keys.token("ada");
    let signature = token.rfind('.').unwrap() + 1;
    let at = signature + (token.len() - signature) / 2;
    let mut bytes = token.into_bytes();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(bytes).unwrap();
    is_a_guest(&shop, &altered).await;
}

async fn a_token_signed_by_another_key_is_a_guest(shop: Shop) {
    let mallory = test_support::keys::IdentityKeys::generate();
    is_a_guest(&shop, &mallory.token("ada")).await;
}

async fn an_unsigned_alg_none_token_is_a_guest(shop: Shop) {
    // `{"alg":"none","typ":"JWT"}`, the claims of a good token, and no signature.
    let header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0";
    let claims = shop.keys.token("ada").split('.').nth(1).unwrap().to_owned();
    is_a_guest(&shop, &format!("{header}.{claims}.")).await;
}

async fn an_expired_token_is_a_guest(shop: Shop) {
    let now = identity::now();
    let expired = shop
        .keys
        .signer
        .sign_claims(&identity::Claims {
            sub: "ada".into(),
            sid: "test-session".into(),
            name: "Ada".into(),
            iss: identity::ISSUER.into(),
            aud: identity::AUDIENCE.into(),
            iat: now - 360,
            exp: now - 60,
        })
        .unwrap();
    is_a_guest(&shop, &expired).await;
}

/// Ada, signed in, has an order and a cart; a browser sending `token` in her name is a
/// guest all the same: it sees the guest cart of its own cookie or none, never hers, and
/// her cart is not merged with its guest cart.
async fn is_a_guest(shop: &Shop, token: &str) {
    let first = shop.cheap_product(5).await;
    let second = shop.another_cheap_product(&first).await;
    let mut ada = shop.signed_in("ada");
    ada.add(first.id, 1).await;
    let answer = ada.checkout("ada-1", &valid_form()).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    let order: OrderView = answer.json();
    ada.add(second.id, 2).await;

    let mut guest = shop.shopper();
    guest.add(first.id, 1).await;
    let cookie = guest.cookie.clone();
    guest.token = Some(token.to_owned());
    let answer = guest.get(CART_PATH).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(
        quantities(&answer.json()),
        [(first.id, 1)],
        "the guest's own cart"
    );
    assert!(answer.cart_cookie.is_none(), "{:?}", answer.cart_cookie);
    assert_eq!(guest.cookie, cookie, "kept: nothing was merged");
    assert_eq!(guest.mini_cart().await.item_count, 1);
    assert_eq!(
        guest.get(&order_url(&order.id)).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(guest
        .get(ORDERS_PATH)
        .await
        .json::<OrderHistory>()
        .orders
        .is_empty());

    let mut stranger = shop.shopper();
    stranger.token = Some(token.to_owned());
    assert_eq!(stranger.mini_cart().await.item_count, 0);
    assert!(stranger.cart().await.lines.is_empty());
    assert_eq!(
        stranger.get(&order_url(&order.id)).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(stranger
        .get(ORDERS_PATH)
        .await
        .json::<OrderHistory>()
        .orders
        .is_empty());
    // Its add makes a guest cart, as for anyone without a cart.
    let added = stranger.add(first.id, 1).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    assert!(added.cart_cookie.is_some());

    assert_eq!(
        quantities(&ada.cart().await),
        [(second.id, 2)],
        "hers is untouched"
    );
    let history: OrderHistory = ada.get(ORDERS_PATH).await.json();
    assert_eq!(history.orders, [order]);
}

/// Over HTTPS the identity token is read from `__Host-identity` only: a token under the
/// plain name (which a sibling subdomain could have set) is a guest's.
async fn over_https_only_the_host_prefixed_identity_cookie_signs_in(shop: Shop) {
    let product = shop.cheap_product(5).await;
    let mut ada = Shopper::over_https(&shop.bff.address);
    ada.token = Some(shop.keys.token("ada"));
    let answer = ada.add(product.id, 2).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert!(
        answer.cart_cookie.is_none(),
        "the user's cart needs no cookie"
    );
    assert_eq!(shop.signed_in("ada").mini_cart().await.item_count, 2);

    let mut plain_name = Shopper::over_https(&shop.bff.address);
    let request = plain_name
        .request(Method::GET, cart_api::MINI_CART_PATH)
        .header(
            reqwest::header::COOKIE,
            format!("identity={}", shop.keys.token("ada")),
        );
    let answer = plain_name.send(request).await;
    assert_eq!(answer.json::<MiniCart>().item_count, 0, "a guest");
}
