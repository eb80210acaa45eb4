//! account-bff when account-service is down or never answers: 503 `account_unavailable`
//! within the deadline, never a hang — and never a shopper silently made a guest.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use account_api::{
    address_url, default_address_url, ADDRESSES_PATH, HEALTH_PATH, ME_PATH, PROFILE_PATH,
    SIGN_OUT_EVERYWHERE_PATH, SIGN_OUT_PATH,
};
use account_bff::cookies::SESSION_COOKIE;
use common::{address_form, spawn_shop, unique_email, Answer, Browser, PASSWORD};
use identity::IDENTITY_COOKIE;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;
use test_support::TestDatabase;

const READYZ: &str = "/api/account/readyz";

fn assert_account_unavailable(answer: &Answer) {
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        answer.text
    );
    assert_eq!(answer.code(), "account_unavailable");
    assert_eq!(
        answer.body["error"]["message"],
        account_bff::startup::UNAVAILABLE_MESSAGE
    );
    assert!(answer.set_cookies.is_empty(), "{:?}", answer.set_cookies);
    assert_eq!(answer.headers["cache-control"], "no-store");
}

#[tokio::test]
async fn a_stopped_account_service_is_a_503_account_unavailable() {
    let Some(shop) = spawn_shop(TestDatabase::Sqlite).await else {
        return;
    };
    let (mut shopper, email) = shop.signed_up("Ada").await;
    let address = shopper
        .write(
            Method::POST,
            ADDRESSES_PATH,
            Some(address_form("Ada", "Berlin", false)),
        )
        .await;
    let id = address.body["id"].as_str().unwrap().to_owned();
    assert_eq!(shopper.get(READYZ).await.status, StatusCode::OK);
    let cookies = shopper.cookies.clone();
    shop.account.stop().await;

    // Not knowing is not "signed out": the menu shows the degraded state, not a guest.
    assert_account_unavailable(&shopper.get(ME_PATH).await);
    assert_account_unavailable(&shopper.get(PROFILE_PATH).await);
    assert_account_unavailable(&shopper.get(ADDRESSES_PATH).await);
    for (method, path, body) in [
        (
            Method::PATCH,
            PROFILE_PATH.to_owned(),
            Some(json!({ "name": "Ada" })),
        ),
        (
            Method::POST,
            ADDRESSES_PATH.to_owned(),
            Some(address_form("Ada", "Hamburg", false)),
        ),
        (
            Method::PUT,
            address_url(&id),
            Some(address_form("Ada", "Hamburg", false)),
        ),
        (Method::DELETE, address_url(&id), None),
        (Method::POST, default_address_url(&id), None),
        (Method::POST, SIGN_OUT_EVERYWHERE_PATH.to_owned(), None),
        // Signing out cannot end the session now; saying it did would be a lie.
        (Method::POST, SIGN_OUT_PATH.to_owned(), None),
    ] {
        assert_account_unavailable(&shopper.write(method, &path, body).await);
    }
    assert_eq!(shopper.cookies, cookies, "the session is kept for later");

    let mut newcomer = shop.browser();
    assert_account_unavailable(&newcomer.sign_in(&email, PASSWORD).await);
    assert_account_unavailable(&newcomer.sign_up("Grace", &unique_email(), PASSWORD).await);
    // A browser without a session is a guest, which needs no service to know.
    let answer = newcomer.get(ME_PATH).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert!(!answer.json::<account_api::Me>().signed_in());

    // Alive, though not ready; the answer names no internal address.
    assert_eq!(newcomer.get(HEALTH_PATH).await.status, StatusCode::OK);
    let ready = newcomer.get(READYZ).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        ready.body["error"]["message"],
        "account-service is not ready"
    );
    let port = shop.account.url.rsplit(':').next().unwrap();
    assert!(!ready.text.contains("127.0.0.1") && !ready.text.contains(port));
}

/// A service that accepts connections and never answers: the BFF's deadline turns that
/// into a 503 (the test client, far more patient, would report a hang as a failure).
#[tokio::test]
async fn an_account_service_that_never_answers_is_a_503_at_the_deadline() {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = vec![];
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let keys = std::env::temp_dir().join(format!("account-bff-outage-{}", std::process::id()));
    let public_key = identity::KeyPair::ensure_files(&keys.join("identity.pem")).unwrap();
    let mut configuration = test_support::account_bff::bff_configuration(&url, &public_key);
    configuration.upstream_timeout = Duration::from_millis(300);
    let application = account_bff::startup::Application::build(configuration).unwrap();
    let bff = test_support::RunningServer::spawn(application.server);

    let mut shopper = Browser::new(&bff.address);
    shopper.cookies.insert(
        SESSION_COOKIE.into(),
        "a-session-secret-of-43-characters-xxxxxxxxx".into(),
    );
    assert_account_unavailable(&shopper.get(ME_PATH).await);
    assert_account_unavailable(&shopper.sign_in("ada@example.org", PASSWORD).await);
    assert!(shopper.cookie(IDENTITY_COOKIE).is_none());
    // A browser with the old site-wide session cookie keeps it too: an outage moves
    // nothing and signs nobody out.
    let mut old = Browser::new(&bff.address);
    old.cookies.insert(
        "session".into(),
        "a-session-secret-of-43-characters-xxxxxxxxx".into(),
    );
    assert_account_unavailable(&old.get(ME_PATH).await);
    assert!(old.cookie("session").is_some());
    let _ = std::fs::remove_dir_all(keys);
}
