//! The profile and the saved addresses of the signed-in shopper — and of nobody else: a
//! guest is told to sign in, and another shopper's address ids are 404s.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use account_api::{
    address_url, codes, default_address_url, Addresses, Profile, SavedAddress, ADDRESSES_PATH,
    MAX_ADDRESSES, PROFILE_PATH,
};
use common::{address_form, spawn_shop, Browser, Shop};
use identity::IDENTITY_COOKIE;
use reqwest::{Method, StatusCode};
use serde_json::json;

test_support::on_both_databases!(crate::spawn_shop =>
    the_profile_shows_the_shopper_and_a_rename_renews_the_greeting,
    addresses_are_saved_changed_and_removed_with_the_default_first,
    another_shoppers_address_ids_are_404_and_leave_the_address_alone,
    an_address_that_breaks_the_rules_is_refused_naming_each_field,
    a_guest_is_told_to_sign_in,
    no_more_than_the_allowed_addresses_are_kept,
);

async fn save(browser: &mut Browser, name: &str, city: &str, make_default: bool) -> SavedAddress {
    let answer = browser
        .write(
            Method::POST,
            ADDRESSES_PATH,
            Some(address_form(name, city, make_default)),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    assert_eq!(answer.headers["cache-control"], "no-store");
    answer.json()
}

async fn addresses(browser: &mut Browser) -> Addresses {
    let answer = browser.get(ADDRESSES_PATH).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json()
}

fn cities(addresses: &Addresses) -> Vec<(&str, bool)> {
    addresses
        .items
        .iter()
        .map(|a| (a.address.city.as_str(), a.is_default))
        .collect()
}

async fn the_profile_shows_the_shopper_and_a_rename_renews_the_greeting(shop: Shop) {
    let (mut browser, email) = shop.signed_up("Ada Lovelace").await;
    let answer = browser.get(PROFILE_PATH).await;
    assert_eq!(answer.headers["cache-control"], "no-store");
    let profile: Profile = answer.json();
    assert_eq!(profile.name, "Ada Lovelace");
    assert_eq!(profile.first_name, "Ada");
    assert_eq!(profile.email, email);
    assert_eq!(
        profile.member_since,
        chrono::Utc::now().format("%B %Y").to_string()
    );

    let answer = browser
        .write(
            Method::PATCH,
            PROFILE_PATH,
            Some(json!({ "name": "  Augusta Ada King " })),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let profile: Profile = answer.json();
    assert_eq!(profile.name, "Augusta Ada King");
    assert_eq!(profile.first_name, "Augusta");
    let token = answer
        .cookie_value(IDENTITY_COOKIE)
        .expect("a new greeting");
    let identity = shop.verifier().verify(token).unwrap();
    assert_eq!(identity.first_name, "Augusta");
    assert_eq!(browser.me().await.user.unwrap().name, "Augusta Ada King");

    for (body, status, field) in [
        (
            json!({ "name": "" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
        (
            json!({ "name": "x".repeat(10_000) }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
        (json!({ "name": 7 }), StatusCode::BAD_REQUEST, "name"),
        (json!({}), StatusCode::BAD_REQUEST, "name"),
    ] {
        let answer = browser.write(Method::PATCH, PROFILE_PATH, Some(body)).await;
        assert_eq!(answer.status, status, "{}", answer.text);
        assert_eq!(answer.field(), field, "{}", answer.text);
    }
    let profile: Profile = browser.get(PROFILE_PATH).await.json();
    assert_eq!(profile.name, "Augusta Ada King", "nothing stored");
}

async fn addresses_are_saved_changed_and_removed_with_the_default_first(shop: Shop) {
    let (mut browser, _) = shop.signed_up("Ada").await;
    assert!(addresses(&mut browser).await.items.is_empty());

    let berlin = save(&mut browser, "Ada", "Berlin", false).await;
    assert!(berlin.is_default, "the first address is the default");
    assert_eq!(berlin.country_name, "Germany");
    assert_eq!(berlin.address.address_line1, "Hauptstraße 1");
    let hamburg = save(&mut browser, "Ada", "Hamburg", false).await;
    assert!(!hamburg.is_default);
    let munich = save(&mut browser, "Ada", "Munich", true).await;
    assert!(munich.is_default);
    assert_eq!(
        cities(&addresses(&mut browser).await),
        [("Munich", true), ("Berlin", false), ("Hamburg", false)]
    );

    let mut paris = address_form(" Ada ", " Paris ", false);
    paris["country"] = json!("FR");
    paris["postal_code"] = json!("75001");
    let answer = browser
        .write(Method::PUT, &address_url(&hamburg.id), Some(paris))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let changed: SavedAddress = answer.json();
    assert_eq!(changed.id, hamburg.id);
    assert_eq!(changed.address.city, "Paris", "trimmed");
    assert_eq!(changed.country_name, "France");

    let answer = browser
        .write(Method::POST, &default_address_url(&hamburg.id), None)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(
        cities(&answer.json()),
        [("Paris", true), ("Berlin", false), ("Munich", false)]
    );

    let answer = browser
        .write(Method::DELETE, &address_url(&hamburg.id), None)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let left: Addresses = answer.json();
    assert_eq!(left.items.len(), 2);
    assert_eq!(left.items.iter().filter(|a| a.is_default).count(), 1);
    assert!(left.items[0].is_default);
    assert_eq!(addresses(&mut browser).await, left);

    // Gone is gone; an id that cannot be one is no address either.
    for path in [address_url(&hamburg.id), address_url("..%2F..%2Fusers")] {
        let answer = browser.write(Method::DELETE, &path, None).await;
        assert_eq!(
            answer.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            answer.text
        );
        assert_eq!(answer.code(), codes::NOT_FOUND);
    }
}

async fn another_shoppers_address_ids_are_404_and_leave_the_address_alone(shop: Shop) {
    let (mut ada, _) = shop.signed_up("Ada").await;
    let (mut mallory, _) = shop.signed_up("Mallory").await;
    let home = save(&mut ada, "Ada", "Berlin", false).await;
    let second = save(&mut ada, "Ada", "Hamburg", false).await;
    save(&mut mallory, "Mallory", "Cologne", false).await;
    let before = addresses(&mut ada).await;

    let unknown = "a-id-that-was-never-made";
    for id in [home.id.as_str(), second.id.as_str(), unknown] {
        for (method, path, body) in [
            (
                Method::PUT,
                address_url(id),
                Some(address_form("Mallory", "Elsewhere", true)),
            ),
            (Method::DELETE, address_url(id), None),
            (Method::POST, default_address_url(id), None),
        ] {
            let answer = mallory.write(method.clone(), &path, body).await;
            assert_eq!(
                answer.status,
                StatusCode::NOT_FOUND,
                "{method} {path}: {}",
                answer.text
            );
            assert_eq!(answer.code(), codes::NOT_FOUND);
            // The same answer as for an id that never existed: ids don't leak.
            assert_eq!(
                answer.body["error"]["message"],
                "There is no such address in your account."
            );
        }
    }
    assert_eq!(
        addresses(&mut ada).await,
        before,
        "Ada's addresses unchanged"
    );
    assert_eq!(cities(&addresses(&mut mallory).await), [("Cologne", true)]);
}

async fn an_address_that_breaks_the_rules_is_refused_naming_each_field(shop: Shop) {
    let (mut browser, _) = shop.signed_up("Ada").await;
    let saved = save(&mut browser, "Ada", "Berlin", false).await;
    let bad = json!({
        "name": "",
        "address_line1": "x".repeat(10_000),
        "postal_code": "10115!",
        "city": "  ",
        "country": "US",
    });
    for (method, path) in [
        (Method::POST, ADDRESSES_PATH.to_owned()),
        (Method::PUT, address_url(&saved.id)),
    ] {
        let answer = browser.write(method, &path, Some(bad.clone())).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            answer.text
        );
        assert_eq!(
            answer.fields(),
            ["address_line1", "city", "country", "name", "postal_code"]
        );
    }
    let secret = "Zebra-Quartz-Velvet-91";
    for (field, value) in [
        ("name", json!(5)),
        ("city", json!([secret])),
        ("country", json!(null)),
        ("make_default", json!(secret)),
        ("address_line2", json!(false)),
    ] {
        let mut body = address_form("Ada", "Hamburg", false);
        body[field] = value;
        let answer = browser
            .write(Method::POST, ADDRESSES_PATH, Some(body.clone()))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            answer.text
        );
        assert_eq!(answer.field(), field, "{body}: {}", answer.text);
        assert!(!answer.text.contains(secret), "{}", answer.text);
    }
    let mut missing = address_form("Ada", "Hamburg", false);
    missing.as_object_mut().unwrap().remove("postal_code");
    let answer = browser
        .write(Method::POST, ADDRESSES_PATH, Some(missing))
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    assert_eq!(answer.field(), "postal_code");
    assert_eq!(shop.addresses().await, 1, "nothing stored");
    assert_eq!(
        addresses(&mut browser).await.items[0].address.city,
        "Berlin"
    );
}

async fn a_guest_is_told_to_sign_in(shop: Shop) {
    let mut guest = shop.browser();
    for (method, path, body) in [
        (Method::GET, PROFILE_PATH.to_owned(), None),
        (
            Method::PATCH,
            PROFILE_PATH.to_owned(),
            Some(json!({ "name": "Eve" })),
        ),
        (Method::GET, ADDRESSES_PATH.to_owned(), None),
        (
            Method::POST,
            ADDRESSES_PATH.to_owned(),
            Some(address_form("Eve", "Berlin", false)),
        ),
        (
            Method::PUT,
            address_url("some-id"),
            Some(address_form("Eve", "Berlin", false)),
        ),
        (Method::DELETE, address_url("some-id"), None),
        (Method::POST, default_address_url("some-id"), None),
    ] {
        let answer = guest.write(method.clone(), &path, body).await;
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "{method} {path}: {}",
            answer.text
        );
        assert_eq!(answer.code(), codes::SIGNED_OUT);
        assert_eq!(answer.headers["cache-control"], "no-store");
    }
    assert_eq!(shop.addresses().await, 0);
}

async fn no_more_than_the_allowed_addresses_are_kept(shop: Shop) {
    let (mut browser, _) = shop.signed_up("Ada").await;
    for n in 0..MAX_ADDRESSES {
        save(&mut browser, "Ada", &format!("Town {n}"), false).await;
    }
    let answer = browser
        .write(
            Method::POST,
            ADDRESSES_PATH,
            Some(address_form("Ada", "One too many", false)),
        )
        .await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.text
    );
    assert_eq!(answer.code(), codes::TOO_MANY_ADDRESSES);
    assert_eq!(addresses(&mut browser).await.items.len(), MAX_ADDRESSES);
}
