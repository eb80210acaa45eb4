//! What account-bff refuses before account-service hears of it: forged requests (403) and
//! forms that break account-api's rules (422 naming every field) or do not even fit the
//! form's shape (400 naming the field, never repeating the value).

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use account_api::{codes, SIGN_IN_PATH, SIGN_UP_PATH};
use common::{address_form, spawn_shop, unique_email, Answer, Shop, PASSWORD};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

test_support::on_both_databases!(crate::spawn_shop =>
    writes_without_the_csrf_header_or_from_another_site_are_403_and_change_nothing,
    a_sign_up_that_breaks_the_forms_rules_is_a_422_naming_every_field,
    a_sign_up_body_of_the_wrong_shape_is_a_400_naming_the_field,
    a_sign_in_without_an_email_or_password_is_refused_before_the_service,
    names_in_any_script_are_welcome,
);

fn sign_up_body(name: &str, email: &str) -> Value {
    json!({ "name": name, "email": email, "password": PASSWORD })
}

fn assert_forbidden(answer: &Answer) {
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.text);
    assert_eq!(answer.code(), "forbidden");
    assert!(answer.set_cookies.is_empty(), "{:?}", answer.set_cookies);
}

async fn writes_without_the_csrf_header_or_from_another_site_are_403_and_change_nothing(
    shop: Shop,
) {
    let mut browser = shop.browser();
    let body = sign_up_body("Mallory", &unique_email());
    let no_header = browser.request(Method::POST, SIGN_UP_PATH).json(&body);
    assert_forbidden(&browser.send(no_header).await);
    let other_origin = browser
        .request(Method::POST, SIGN_UP_PATH)
        .header("x-csrf", "1")
        .header("origin", "https://evil.example")
        .json(&body);
    assert_forbidden(&browser.send(other_origin).await);
    let cross_site = browser
        .request(Method::POST, SIGN_UP_PATH)
        .header("x-csrf", "1")
        .header("sec-fetch-site", "cross-site")
        .json(&body);
    assert_forbidden(&browser.send(cross_site).await);
    assert_eq!(shop.users().await, 0, "nobody was signed up");

    // The same request from the shop's own page is served.
    let origin = shop.bff.address.clone();
    let own_page = browser
        .request(Method::POST, SIGN_UP_PATH)
        .header("x-csrf", "1")
        .header("origin", origin)
        .header("sec-fetch-site", "same-origin")
        .json(&body);
    let answer = browser.send(own_page).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    let email = body["email"].as_str().unwrap();

    let mut other = shop.browser();
    let credentials = json!({ "email": email, "password": PASSWORD });
    let no_header = other.request(Method::POST, SIGN_IN_PATH).json(&credentials);
    assert_forbidden(&other.send(no_header).await);
    let cross_site = other
        .request(Method::POST, SIGN_IN_PATH)
        .header("x-csrf", "1")
        .header("origin", "https://evil.example")
        .json(&credentials);
    assert_forbidden(&other.send(cross_site).await);
    assert_eq!(shop.count("sessions", "1 = 1").await, 1, "no session made");

    // Address writes of the signed-in shopper.
    let form = address_form("Ada", "Berlin", false);
    let no_header = browser
        .request(Method::POST, account_api::ADDRESSES_PATH)
        .json(&form);
    assert_forbidden(&browser.send(no_header).await);
    assert_eq!(shop.addresses().await, 0);
    let saved = browser
        .write(Method::POST, account_api::ADDRESSES_PATH, Some(form))
        .await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.text);
    let id = saved.body["id"].as_str().unwrap().to_owned();
    let changed = address_form("Ada", "Hamburg", false);
    for request in [
        browser
            .request(Method::PUT, &account_api::address_url(&id))
            .json(&changed),
        browser
            .request(Method::PUT, &account_api::address_url(&id))
            .header("x-csrf", "1")
            .header("origin", "https://evil.example")
            .json(&changed),
        browser.request(Method::DELETE, &account_api::address_url(&id)),
        browser
            .request(Method::DELETE, &account_api::address_url(&id))
            .header("x-csrf", "1")
            .header("sec-fetch-site", "cross-site"),
        browser.request(Method::POST, &account_api::default_address_url(&id)),
        browser.request(Method::POST, account_api::SIGN_OUT_PATH),
        browser.request(Method::POST, account_api::SIGN_OUT_EVERYWHERE_PATH),
        browser
            .request(Method::PATCH, account_api::PROFILE_PATH)
            .json(&json!({ "name": "Renamed" })),
    ] {
        assert_forbidden(&browser.send(request).await);
    }
    let addresses: account_api::Addresses = browser.get(account_api::ADDRESSES_PATH).await.json();
    assert_eq!(addresses.items.len(), 1);
    assert_eq!(addresses.items[0].address.city, "Berlin");
    let me = browser.me().await;
    assert_eq!(
        me.user.unwrap().name,
        "Mallory",
        "still signed in, not renamed"
    );
}

async fn a_sign_up_that_breaks_the_forms_rules_is_a_422_naming_every_field(shop: Shop) {
    let mut browser = shop.browser();
    for email in [
        "",
        "plainaddress",
        "@example.com",
        "ada@",
        "ada@example",
        "ada@@example.com",
        "ada lovelace@example.com",
        "ada@example.com.",
        "ada\n@example.com",
    ] {
        let answer = browser
            .write(Method::POST, SIGN_UP_PATH, Some(sign_up_body("Ada", email)))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{email:?}: {}",
            answer.text
        );
        assert_eq!(answer.fields(), ["email"], "{email:?}: {}", answer.text);
    }
    let long_name = "N".repeat(10_000);
    let answer = browser
        .write(
            Method::POST,
            SIGN_UP_PATH,
            Some(json!({ "name": long_name, "email": "bad", "password": "short" })),
        )
        .await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.text
    );
    assert_eq!(answer.code(), "unprocessable");
    assert_eq!(answer.fields(), ["email", "name", "password"]);
    assert!(!answer.text.contains("NNNN"), "the value is not repeated");
    assert!(answer.set_cookies.is_empty());
    let answer = browser
        .write(
            Method::POST,
            SIGN_UP_PATH,
            Some(json!({ "name": "   ", "email": unique_email(), "password": PASSWORD })),
        )
        .await;
    assert_eq!(answer.fields(), ["name"], "{}", answer.text);
    assert_eq!(shop.users().await, 0, "nothing reached account-service");
}

async fn a_sign_up_body_of_the_wrong_shape_is_a_400_naming_the_field(shop: Shop) {
    let mut browser = shop.browser();
    let secret = "Zebra-Quartz-Velvet-91";
    for (body, field) in [
        (
            json!({ "email": unique_email(), "password": PASSWORD }),
            "name",
        ),
        (json!({ "name": "Ada", "password": PASSWORD }), "email"),
        (
            json!({ "name": "Ada", "email": unique_email() }),
            "password",
        ),
        (
            json!({ "name": 5, "email": unique_email(), "password": PASSWORD }),
            "name",
        ),
        (
            json!({ "name": "Ada", "email": [secret], "password": PASSWORD }),
            "email",
        ),
        (
            json!({ "name": "Ada", "email": unique_email(), "password": { "text": secret } }),
            "password",
        ),
        (
            json!({ "name": "Ada", "email": unique_email(), "password": 12_345_678_901_u64 }),
            "password",
        ),
        (
            json!({ "name": null, "email": unique_email(), "password": PASSWORD }),
            "name",
        ),
    ] {
        let answer = browser
            .write(Method::POST, SIGN_UP_PATH, Some(body.clone()))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            answer.text
        );
        assert_eq!(answer.code(), "invalid_parameter");
        assert_eq!(answer.field(), field, "{body}: {}", answer.text);
        assert!(!answer.text.contains(secret), "{}", answer.text);
        assert!(!answer.text.contains("12345678901"), "{}", answer.text);
    }
    let not_json = browser
        .request(Method::POST, SIGN_UP_PATH)
        .header("x-csrf", "1")
        .header("content-type", "application/json")
        .body("{\"name\": \"Ada\",");
    assert_eq!(browser.send(not_json).await.status, StatusCode::BAD_REQUEST);
    let not_declared = browser
        .request(Method::POST, SIGN_UP_PATH)
        .header("x-csrf", "1")
        .header("content-type", "text/plain")
        .body(sign_up_body("Ada", &unique_email()).to_string());
    assert_eq!(
        browser.send(not_declared).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    assert_eq!(shop.users().await, 0);
}

async fn a_sign_in_without_an_email_or_password_is_refused_before_the_service(shop: Shop) {
    let (_, email) = shop.signed_up("Ada").await;
    let mut browser = shop.browser();
    let answer = browser.sign_in(&email, "").await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.text
    );
    assert_eq!(answer.fields(), ["password"]);
    let answer = browser.sign_in("  ", "").await;
    assert_eq!(answer.fields(), ["email", "password"]);
    let answer = browser
        .write(Method::POST, SIGN_IN_PATH, Some(json!({ "email": email })))
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    assert_eq!(answer.field(), "password");
    // None of these counted as a failed attempt: ten wrong passwords still get 401s.
    for _ in 0..10 {
        let answer = browser.sign_in(&email, "not the password at all").await;
        assert_eq!(answer.code(), codes::INVALID_CREDENTIALS, "{}", answer.text);
    }
}

async fn names_in_any_script_are_welcome(shop: Shop) {
    let mut browser = shop.browser();
    for name in [
        "Zoë Ångström",
        "李小龍",
        "Ренат Ибрагимов",
        "O'Brien-Łukasz",
    ] {
        let email = unique_email();
        let answer = browser.sign_up(name, &email, PASSWORD).await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "{name}: {}",
            answer.text
        );
        let me: account_api::Me = answer.json();
        let user = me.user.unwrap();
        assert_eq!(user.name, name);
        assert_eq!(user.first_name, account_api::first_name(name));
    }
}
