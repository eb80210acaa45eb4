//! Passwords never reach account-bff's log: the real `account-bff` binary, logging at debug
//! level to a file, serves sign-ups and sign-ins with a distinctive password (also inside
//! bodies of the wrong shape, whose error messages serde would quote), and the log is
//! searched for it.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use account_api::{ADDRESSES_PATH, SIGN_IN_PATH, SIGN_UP_PATH};
use account_bff::cookies::SESSION_COOKIE;
use common::{address_form, unique_email, Browser};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use test_support::TestDatabase;

const PASSWORD: &str = "Xylophone-Kumquat-Marmalade-4711";

/// A file in the temporary folder, removed when dropped.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn temp_file(name: &str) -> TempFile {
    TempFile(std::env::temp_dir().join(format!("account-bff-{}-{name}", std::process::id())))
}

#[tokio::test]
async fn passwords_never_reach_the_log() {
    let Some(service) = test_support::account::spawn_service(TestDatabase::Sqlite).await else {
        return;
    };
    let log = temp_file("debug.log");
    let port_file = temp_file("port");
    let output = std::fs::File::create(&log.0).unwrap();
    let mut bff = tokio::process::Command::new(env!("CARGO_BIN_EXE_account-bff"))
        .env("ACCOUNT_BFF__PORT", "0")
        .env("ACCOUNT_BFF__ACCOUNT_SERVICE_URL", &service.url)
        .env(
            "ACCOUNT_BFF__IDENTITY_PUBLIC_KEY_FILE",
            &service.public_key_file,
        )
        .env("ACCOUNT_BFF__UPSTREAM_TIMEOUT_MS", "20000")
        .env("STOREFRONT_PORT_FILE", &port_file.0)
        .env("RUST_LOG", "debug")
        .env("NO_COLOR", "1")
        .stdout(Stdio::from(output.try_clone().unwrap()))
        .stderr(Stdio::from(output))
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut port = None;
    for _ in 0..600 {
        if let Ok(text) = std::fs::read_to_string(&port_file.0) {
            port = text.trim().parse::<u16>().ok();
            break;
        }
        assert!(bff.try_wait().unwrap().is_none(), "account-bff exited");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let port = port.expect("account-bff wrote its port");
    let mut browser = Browser::new(&format!("http://127.0.0.1:{port}"));

    let email = unique_email();
    let answer = browser.sign_up("Ada", &email, PASSWORD).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    let answer = browser.sign_in(&email, PASSWORD).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let secret = browser.cookie(SESSION_COOKIE).unwrap().to_owned();
    let token = browser
        .cookie(identity::IDENTITY_COOKIE)
        .unwrap()
        .to_owned();
    let answer = browser.sign_in(&email, &format!("{PASSWORD}-wrong")).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.text);
    for (path, body) in [
        (
            SIGN_UP_PATH,
            json!({ "name": "Ada", "email": unique_email(), "password": [PASSWORD] }),
        ),
        (
            SIGN_UP_PATH,
            json!({ "name": PASSWORD.len(), "email": PASSWORD, "password": PASSWORD }),
        ),
        (
            SIGN_IN_PATH,
            json!({ "email": email, "password": { "p": PASSWORD } }),
        ),
        (
            SIGN_IN_PATH,
            json!({ "email": [PASSWORD], "password": PASSWORD }),
        ),
    ] {
        let answer = browser.write(Method::POST, path, Some(body)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
        assert!(!answer.text.contains(PASSWORD), "{}", answer.text);
    }
    let mut address = address_form("Ada", "Berlin", false);
    address["make_default"] = json!(PASSWORD);
    let answer = browser
        .write(Method::POST, ADDRESSES_PATH, Some(address))
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    assert_eq!(answer.field(), "make_default");
    assert!(!answer.text.contains(PASSWORD), "{}", answer.text);

    bff.kill().await.unwrap();
    let log = std::fs::read_to_string(&log.0).unwrap();
    for served in [
        "route=/api/account/sign-up status=201",
        "route=/api/account/sign-in status=200",
        "route=/api/account/sign-in status=401",
        "route=/api/account/sign-in status=400",
        "route=/api/account/addresses status=400",
    ] {
        assert!(log.contains(served), "the log shows {served:?}: {log}");
    }
    assert!(log.contains("DEBUG"), "debug lines are logged: {log}");
    assert!(!log.contains(PASSWORD), "{log}");
    assert!(!log.contains("Xylophone"), "{log}");
    // Nor the session's secret or the identity token.
    assert!(!log.contains(&secret) && !log.contains(&token), "{log}");
}
