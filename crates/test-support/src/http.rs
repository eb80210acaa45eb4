//! Speaking HTTP to a server under test, as its clients do.

use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

/// A client that gives up long after any server's own deadline: if a request times out,
/// the server hung — which is the test failing.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("building an HTTP client")
}

/// GETs `url`: its status and JSON body (`Null` when the body is not JSON).
pub async fn get(url: &str) -> (StatusCode, Value) {
    let response = client().get(url).send().await.expect("no answer");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}
