//! What every server answers before its own code runs: bad bodies, paths and queries,
//! unknown methods and paths — always the JSON error body — and the request id, which is
//! on every log line written while a request is served.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use actix_web::{web, HttpResponse};
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::{json, Value};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

#[derive(Deserialize)]
struct Line {
    #[allow(dead_code)]
    product_id: i64,
    quantity: u32,
}

#[derive(Deserialize)]
struct Search {
    page: u32,
}

async fn add_line(line: web::Json<Line>) -> HttpResponse {
    tracing::info!(quantity = line.quantity, "adding a line");
    HttpResponse::Ok().json(json!({ "quantity": line.quantity }))
}

async fn item(id: web::Path<u32>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "id": *id }))
}

async fn search(query: web::Query<Search>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "page": query.page }))
}

/// Every log line of this test binary, to look for request ids in.
fn logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = logs.clone();
        tracing_subscriber::fmt()
            .with_writer(move || Sink(sink.clone()))
            .with_ansi(false)
            .init();
        logs
    })
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn spawn() -> String {
    logs();
    let server = platform::server::serve(
        platform::server::Exposure::Internal,
        "127.0.0.1",
        0,
        web::Data::new(()),
        |config| {
            config
                .route("/lines", web::post().to(add_line))
                .route("/items/{id}", web::get().to(item))
                .route("/search", web::get().to(search));
        },
    )
    .unwrap();
    let address = format!("http://127.0.0.1:{}", server.port());
    tokio::spawn(server.run_until_stopped());
    address
}

async fn answer(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let is_json = response
        .headers()
        .get("content-type")
        .is_some_and(|v| v.to_str().unwrap().starts_with("application/json"));
    assert!(is_json, "{status} is not JSON: {:?}", response.headers());
    (status, response.json().await.unwrap())
}

async fn post(
    address: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(format!("{address}/lines"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    answer(response).await
}

#[tokio::test]
async fn a_good_body_reaches_the_handler() {
    let address = spawn();
    let (status, body) = post(
        &address,
        "application/json",
        r#"{"product_id":1,"quantity":2}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["quantity"], 2);
}

#[tokio::test]
async fn a_malformed_body_is_a_400() {
    let address = spawn();
    let (status, body) = post(&address, "application/json", "{\"product_id\":").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "invalid_parameter");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not valid JSON"));
}

#[tokio::test]
async fn a_wrong_or_missing_value_is_a_400_naming_what() {
    let address = spawn();
    let (status, body) = post(
        &address,
        "application/json",
        r#"{"product_id":1,"quantity":"x"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "invalid_parameter");
    assert_eq!(body["error"]["field"], "quantity", "{body}");
    assert_eq!(
        body["error"]["message"],
        "`quantity` has a wrong value: expected u32."
    );
    let (status, body) = post(&address, "application/json", r#"{"product_id":1}"#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["field"], "quantity");
}

/// serde's own message would quote what was sent (`invalid type: string "..."`), and a
/// wrongly typed field may hold a password: neither the answer nor the log repeats it.
#[tokio::test]
async fn a_wrong_value_is_neither_answered_nor_logged() {
    let address = spawn();
    for sent in [
        json!({"product_id": 1, "quantity": "Tr0ub4dor&3-wrong-type"}),
        json!({"product_id": "Tr0ub4dor&3-wrong-type", "quantity": 1}),
        json!({"product_id": 1, "quantity": ["Tr0ub4dor&3-wrong-type"]}),
    ] {
        let response = reqwest::Client::new()
            .post(format!("{address}/lines"))
            .header("x-request-id", "wrong-value-1")
            .json(&sent)
            .send()
            .await
            .unwrap();
        let (status, body) = answer(response).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body["error"]["field"].is_string(), "{body}");
        assert!(!body.to_string().contains("Tr0ub4dor"), "{body}");
    }
    let logs = String::from_utf8(logs().lock().unwrap().clone()).unwrap();
    assert!(
        logs.lines()
            .any(|l| l.contains("wrong-value-1") && l.contains("status=400")),
        "the requests are logged: {logs}"
    );
    assert!(!logs.contains("Tr0ub4dor"), "{logs}");
}

#[tokio::test]
async fn a_body_sent_in_chunks_reaches_the_handler_whole() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = spawn();
    let mut connection = tokio::net::TcpStream::connect(address.trim_start_matches("http://"))
        .await
        .unwrap();
    let mut request = String::from(
        "POST /lines HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
    );
    for chunk in [r#"{"product_id":1,"#, r#""quantity":"#, "3}"] {
        request.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
    }
    request.push_str("0\r\n\r\n");
    connection.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    connection.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains(r#"{"quantity":3}"#), "{response}");
}

#[tokio::test]
async fn an_oversized_body_is_a_413() {
    let address = spawn();
    let huge = format!(
        r#"{{"product_id":1,"quantity":2,"note":"{}"}}"#,
        "x".repeat(100_000)
    );
    let (status, body) = post(&address, "application/json", huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"]["code"], "payload_too_large");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415() {
    let address = spawn();
    let (status, body) = post(&address, "text/plain", r#"{"product_id":1,"quantity":2}"#).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_eq!(body["error"]["code"], "unsupported_media_type");
}

#[tokio::test]
async fn a_bad_path_segment_or_query_is_a_400() {
    let address = spawn();
    let (status, body) = answer(reqwest::get(format!("{address}/items/abc")).await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "invalid_parameter");
    let (status, body) = answer(
        reqwest::get(format!("{address}/search?page=x"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = answer(reqwest::get(format!("{address}/search")).await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["field"], "page");
}

#[tokio::test]
async fn a_wrong_method_or_unknown_path_is_json_too() {
    let address = spawn();
    let response = reqwest::Client::new()
        .delete(format!("{address}/lines"))
        .send()
        .await
        .unwrap();
    let (status, body) = answer(response).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
    assert_eq!(body["error"]["code"], "method_not_allowed");
    let (status, body) = answer(reqwest::get(format!("{address}/nothing")).await.unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn the_request_id_is_answered_and_on_every_log_line_of_the_request() {
    let address = spawn();
    let response = reqwest::Client::new()
        .post(format!("{address}/lines"))
        .header("content-type", "application/json")
        .header("x-request-id", "follow-me-7")
        .body(r#"{"product_id":1,"quantity":7}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "follow-me-7");
    let logs = String::from_utf8(logs().lock().unwrap().clone()).unwrap();
    let ours: Vec<&str> = logs.lines().filter(|l| l.contains("follow-me-7")).collect();
    assert!(
        ours.iter()
            .any(|l| l.contains("adding a line") && l.contains("quantity=7")),
        "the handler's line carries the id: {logs}"
    );
    assert!(
        ours.iter()
            .any(|l| l.contains("served") && l.contains("status=200")),
        "so does the request's summary line: {logs}"
    );

    // Without one (or with one that could forge log lines), the server makes one up.
    let response = reqwest::Client::new()
        .get(format!("{address}/items/1"))
        .header("x-request-id", "bad id\twith tab")
        .send()
        .await
        .unwrap();
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 32, "{id}");
}

/// An idle keep-alive connection stays open longer than actix's own 5 s: nginx and the
/// upstream client keep theirs for up to 60 s and 30 s, and must never send a request on a
/// connection the server is closing.
#[tokio::test]
async fn an_idle_keep_alive_connection_stays_open_longer_than_clients_keep_theirs() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = spawn();
    let mut connection = tokio::net::TcpStream::connect(address.trim_start_matches("http://"))
        .await
        .unwrap();
    let request = b"GET /items/7 HTTP/1.1\r\nHost: shop\r\n\r\n";
    let mut answer = vec![0u8; 4096];
    for round in 0..2 {
        if round > 0 {
            // Idle for longer than actix's default keep-alive.
            tokio::time::sleep(std::time::Duration::from_secs(6)).await;
        }
        connection.write_all(request).await.unwrap();
        let read = connection.read(&mut answer).await.unwrap();
        assert!(
            String::from_utf8_lossy(&answer[..read]).starts_with("HTTP/1.1 200"),
            "{}",
            String::from_utf8_lossy(&answer[..read])
        );
    }
}
