//! What account-service's tests share: speaking to the service as account-bff does.

// Each test file uses its own part of this module.
#![allow(dead_code)]

#[allow(unused_imports)] // not every test file reads a secret
pub use account_service_api::ExposeSecret;
use account_service_api::{paths, NewUser, SignedIn, CLIENT_HEADER, SESSION_HEADER};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::Value;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use test_support::account::AccountService;

/// A good password: long, uncommon, not the email.
pub const PASSWORD: &str = "copper kettle at dawn";

/// A client patient enough for many password hashes at once (a debug build hashes
/// slowly): a slow answer is not what these tests judge, a wrong one is.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()
        .unwrap()
}

/// An answer: status, headers and body (the raw bytes and, when it is JSON, the value).
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
    pub body: Value,
}

pub async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("no answer");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap().to_vec();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        bytes,
        body,
    }
}

pub fn url(service: &AccountService, path: &str) -> String {
    format!("{}{path}", service.url)
}

/// An email nobody used yet in this test process.
pub fn unique_email() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "shopper{}-{}@example.org",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

pub fn new_user(email: &str, name: &str, password: &str) -> NewUser {
    NewUser {
        email: email.into(),
        name: name.into(),
        password: password.to_owned().into(),
    }
}

pub async fn post_user(service: &AccountService, body: &Value) -> Answer {
    send(client().post(url(service, paths::USERS)).json(body)).await
}

/// `POST /users` from `client_address` (as account-bff sends it).
pub async fn post_user_from(
    service: &AccountService,
    body: &Value,
    client_address: &str,
) -> Answer {
    send(
        client()
            .post(url(service, paths::USERS))
            .header(CLIENT_HEADER, client_address)
            .json(body),
    )
    .await
}

/// Signs up someone new with [`PASSWORD`].
pub async fn sign_up(service: &AccountService, name: &str) -> SignedIn {
    let email = unique_email();
    let answer = post_user(
        service,
        &serde_json::to_value(new_user(&email, name, PASSWORD)).unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    serde_json::from_value(answer.body).unwrap()
}

/// `POST /sessions`, from `client_address` when given.
pub async fn sign_in(
    service: &AccountService,
    email: &str,
    password: &str,
    client_address: Option<&str>,
) -> Answer {
    let mut request = client()
        .post(url(service, paths::SESSIONS))
        .json(&serde_json::json!({ "email": email, "password": password }));
    if let Some(address) = client_address {
        request = request.header(CLIENT_HEADER, address);
    }
    send(request).await
}

/// `GET /session` with `secret`.
pub async fn session(service: &AccountService, secret: &str) -> Answer {
    send(
        client()
            .get(url(service, paths::SESSION))
            .header(SESSION_HEADER, secret),
    )
    .await
}

/// How many rows of `table` match `condition`.
pub async fn count(db: &DatabaseConnection, table: &str, condition: &str) -> i64 {
    db.query_one(Statement::from_string(
        db.get_database_backend(),
        format!("SELECT COUNT(*) AS n FROM {table} WHERE {condition}"),
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get::<i64>("", "n")
    .unwrap()
}

pub async fn users(service: &AccountService) -> i64 {
    count(&service.db, "users", "1 = 1").await
}

/// The error body's `field`s: `field` and each of `fields`.
pub fn fields_named(body: &Value) -> Vec<String> {
    let mut named: Vec<String> = body["error"]["fields"]
        .as_array()
        .map(|fields| {
            fields
                .iter()
                .filter_map(|field| field["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if let Some(field) = body["error"]["field"].as_str() {
        if !named.iter().any(|named| named == field) {
            named.push(field.to_owned());
        }
    }
    named.sort();
    named
}
