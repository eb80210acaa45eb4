//! What account-bff's tests share: account-service and this BFF started in this process on
//! free ports (test-support), and a browser that keeps the cookies it is given, sends them
//! back, and sends `X-CSRF: 1` with every write, as mfe-kit's client does.

// A failed expectation in a test is that test failing; not every test file uses every helper.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use account_api::{Me, SignUpForm, ME_PATH, SIGN_IN_PATH, SIGN_UP_PATH};
use reqwest::header::{HeaderMap, COOKIE, SET_COOKIE};
use reqwest::{Method, RequestBuilder, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use test_support::account::AccountService;
use test_support::{RunningServer, TestDatabase};

/// A good password: long, uncommon, not the email.
pub const PASSWORD: &str = "copper kettle at dawn";

/// account-service on a fresh database of one kind, and account-bff calling it.
pub struct Shop {
    pub account: AccountService,
    pub bff: RunningServer,
}

/// The shop's account servers on `database`; `None` when that kind is not available here.
pub async fn spawn_shop(database: TestDatabase) -> Option<Shop> {
    let account = test_support::account::spawn_service(database).await?;
    let bff = test_support::account_bff::spawn_bff(&account.url, &account.public_key_file);
    Some(Shop { account, bff })
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

impl Shop {
    /// A new browser, without cookies.
    pub fn browser(&self) -> Browser {
        Browser::new(&self.bff.address)
    }

    /// A browser in which someone new signed up (and so is signed in), and their email.
    pub async fn signed_up(&self, name: &str) -> (Browser, String) {
        let mut browser = self.browser();
        let email = unique_email();
        let answer = browser.sign_up(name, &email, PASSWORD).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
        (browser, email)
    }

    /// How many rows of account-service's `table` match `condition`.
    pub async fn count(&self, table: &str, condition: &str) -> i64 {
        let db = &self.account.db;
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

    pub async fn users(&self) -> i64 {
        self.count("users", "1 = 1").await
    }

    pub async fn addresses(&self) -> i64 {
        self.count("addresses", "1 = 1").await
    }

    /// A verifier with account-service's public key: what every other BFF trusts.
    pub fn verifier(&self) -> identity::Verifier {
        identity::Verifier::from_file(&self.account.public_key_file).unwrap()
    }
}

/// What the BFF answered.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The body as text, to look for what must not be in it.
    pub text: String,
    /// The body as JSON (`Null` when it is not JSON).
    pub body: Value,
    /// Every `Set-Cookie`, whole.
    pub set_cookies: Vec<String>,
}

impl Answer {
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_value(self.body.clone())
            .unwrap_or_else(|error| panic!("{error}: {}", self.text))
    }

    /// The error body's `code`.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_default()
    }

    /// The error body's `field`.
    pub fn field(&self) -> &str {
        self.body["error"]["field"].as_str().unwrap_or_default()
    }

    /// Every field the error body names (`field` and each of `fields`), sorted.
    pub fn fields(&self) -> Vec<String> {
        let mut named: Vec<String> = self.body["error"]["fields"]
            .as_array()
            .map(|fields| {
                fields
                    .iter()
                    .filter_map(|field| field["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(field) = self.body["error"]["field"].as_str() {
            if !named.iter().any(|named| named == field) {
                named.push(field.to_owned());
            }
        }
        named.sort();
        named
    }

    /// The `Set-Cookie` for cookie `name`, whole, if the answer set it.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        let prefix = format!("{name}=");
        self.set_cookies
            .iter()
            .find(|cookie| cookie.starts_with(&prefix))
            .map(String::as_str)
    }

    /// The value cookie `name` was set to.
    pub fn cookie_value(&self, name: &str) -> Option<&str> {
        self.cookie(name)
            .and_then(|cookie| cookie.split(';').next())
            .and_then(|pair| pair.split_once('='))
            .map(|(_, value)| value)
    }

    /// Whether the answer told the browser to forget cookie `name`.
    pub fn clears(&self, name: &str) -> bool {
        self.cookie(name).is_some_and(|cookie| {
            cookie.starts_with(&format!("{name}=;")) && cookie.contains("Max-Age=0")
        })
    }

    pub fn me(&self) -> Me {
        assert!(self.status.is_success(), "{}: {}", self.status, self.text);
        self.json()
    }
}

/// A browser on the shop's pages.
pub struct Browser {
    bff: String,
    client: reqwest::Client,
    /// The cookies it holds: name → value.
    pub cookies: BTreeMap<String, String>,
    /// Headers it sends with every request (nginx's `X-Forwarded-Proto`, ...).
    pub headers: Vec<(&'static str, String)>,
}

impl Browser {
    pub fn new(bff: &str) -> Self {
        Self {
            bff: bff.to_owned(),
            // More patient than the BFF's deadline for account-service (a debug build hashes
            // passwords slowly, several tests at once), so a BFF that hangs is what fails.
            client: reqwest::Client::builder()
                .timeout(test_support::account_bff::UPSTREAM_TIMEOUT * 3)
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
            headers: Vec::new(),
        }
    }

    /// A request to the BFF carrying the cookies, to adjust before [`Browser::send`].
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let mut request = self.client.request(method, format!("{}{path}", self.bff));
        for (name, value) in &self.headers {
            request = request.header(*name, value);
        }
        if !self.cookies.is_empty() {
            let cookie = self
                .cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>()
                .join("; ");
            request = request.header(COOKIE, cookie);
        }
        request
    }

    /// Sends it, and keeps (or forgets) the cookies the answer sets.
    pub async fn send(&mut self, request: RequestBuilder) -> Answer {
        let response = request.send().await.expect("the BFF did not answer");
        let status = response.status();
        let headers = response.headers().clone();
        let set_cookies: Vec<String> = headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .map(str::to_owned)
            .collect();
        for cookie in &set_cookies {
            let pair = cookie.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if cookie.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            text,
            body,
            set_cookies,
        }
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        self.send(self.request(Method::GET, path)).await
    }

    /// A state-changing request from the shop's own pages.
    pub async fn write(&mut self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut request = self.request(method, path).header("x-csrf", "1");
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }

    pub async fn sign_up(&mut self, name: &str, email: &str, password: &str) -> Answer {
        let form = SignUpForm {
            name: name.into(),
            email: email.into(),
            password: password.into(),
        };
        let body = serde_json::to_value(form).unwrap();
        self.write(Method::POST, SIGN_UP_PATH, Some(body)).await
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> Answer {
        let body = json!({ "email": email, "password": password });
        self.write(Method::POST, SIGN_IN_PATH, Some(body)).await
    }

    pub async fn me(&mut self) -> Me {
        self.get(ME_PATH).await.me()
    }

    /// The cookie `name` holds now.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }
}

/// An address the shop accepts, as its form sends it.
pub fn address_form(name: &str, city: &str, make_default: bool) -> Value {
    json!({
        "name": name,
        "address_line1": "Hauptstraße 1",
        "address_line2": "",
        "postal_code": "10115",
        "city": city,
        "country": "DE",
        "make_default": make_default,
    })
}
