//! The guarded upstream client against a stand-in service whose every answer the test
//! scripts: deadlines, safe retries, pass-through of errors, and the circuit breaker.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use platform::upstream::{HttpMethod, Upstream, UpstreamConfig};
use platform::Error;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What the stand-in does with one request.
#[derive(Clone)]
enum Reply {
    /// Answers with this status and body after `delay`.
    Status(u16, &'static str, Duration),
    /// Answers with this status, one more header line (`name: value`) and body.
    Headed(u16, &'static str, &'static str),
    /// Reads the request and closes the connection without a word.
    Hang,
    /// Reads the request and closes the connection at once.
    Drop,
}

fn ok(body: &'static str) -> Reply {
    Reply::Status(200, body, Duration::ZERO)
}

/// A stand-in service: the n-th request (from 0) gets `script(n)`. Records every request.
struct Stub {
    address: String,
    requests: Arc<Mutex<Vec<String>>>,
    count: Arc<AtomicUsize>,
}

impl Stub {
    async fn start(script: impl Fn(usize) -> Reply + Send + Sync + 'static) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(vec![]));
        let count = Arc::new(AtomicUsize::new(0));
        let script = Arc::new(script);
        let (seen, counter) = (requests.clone(), count.clone());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (seen, counter, script) = (seen.clone(), counter.clone(), script.clone());
                tokio::spawn(async move {
                    let mut buffer = vec![0; 65536];
                    let n = socket.read(&mut buffer).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    let index = counter.fetch_add(1, Ordering::SeqCst);
                    seen.lock()
                        .unwrap()
                        .push(String::from_utf8_lossy(&buffer[..n]).to_lowercase());
                    match script(index) {
                        Reply::Status(status, body, delay) => {
                            tokio::time::sleep(delay).await;
                            let answer = format!(
                                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                                body.len()
                            );
                            let _ = socket.write_all(answer.as_bytes()).await;
                        }
                        Reply::Headed(status, header, body) => {
                            let answer = format!(
                                "HTTP/1.1 {status} X\r\n{header}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                                body.len()
                            );
                            let _ = socket.write_all(answer.as_bytes()).await;
                        }
                        Reply::Hang => tokio::time::sleep(Duration::from_secs(30)).await,
                        Reply::Drop => drop(socket),
                    }
                });
            }
        });
        Self {
            address,
            requests,
            count,
        }
    }

    fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

fn upstream(address: &str, timeout_ms: u64) -> Upstream {
    let mut config = UpstreamConfig::new(address, Duration::from_millis(timeout_ms));
    config.failure_threshold = 3;
    config.cool_down = Duration::from_millis(300);
    Upstream::new(config, "stub_unavailable", "The stub is unavailable.").unwrap()
}

fn assert_unavailable(result: Result<Value, Error>) {
    match result {
        Err(Error::Unavailable { code, .. }) => assert_eq!(code, "stub_unavailable"),
        other => panic!("expected unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn a_silent_service_is_unavailable_at_the_deadline_not_later() {
    let stub = Stub::start(|_| Reply::Hang).await;
    let upstream = upstream(&stub.address, 400);
    let started = Instant::now();
    assert_unavailable(upstream.get_json::<Value>("/slow").await);
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(400) && elapsed < Duration::from_millis(700),
        "gave up after {elapsed:?}, the deadline is 400 ms"
    );
}

#[tokio::test]
async fn a_get_whose_connection_dropped_is_retried_once() {
    let stub = Stub::start(|n| {
        if n == 0 {
            Reply::Drop
        } else {
            ok(r#"{"n":1}"#)
        }
    })
    .await;
    let upstream = upstream(&stub.address, 800);
    let answer: Value = upstream.get_json("/products").await.unwrap();
    assert_eq!(answer, json!({ "n": 1 }));
    assert_eq!(stub.count(), 2, "one retry");
}

#[tokio::test]
async fn a_get_is_retried_only_once() {
    let stub = Stub::start(|_| Reply::Drop).await;
    let upstream = upstream(&stub.address, 800);
    assert_unavailable(upstream.get_json::<Value>("/products").await);
    assert_eq!(stub.count(), 2);
}

#[tokio::test]
async fn a_write_is_never_sent_twice() {
    let stub = Stub::start(|n| if n == 0 { Reply::Drop } else { ok("{}") }).await;
    let upstream = upstream(&stub.address, 800);
    let result = upstream
        .call(HttpMethod::POST, "/orders")
        .json(&json!({ "lines": 1 }))
        .unwrap()
        .send::<Value>()
        .await;
    assert_unavailable(result);
    assert_eq!(
        stub.count(),
        1,
        "the write may have happened: it must not be repeated"
    );
}

#[tokio::test]
async fn a_write_with_an_idempotency_key_is_retried_with_the_same_key_and_body() {
    let stub = Stub::start(|n| {
        if n == 0 {
            Reply::Drop
        } else {
            ok(r#"{"order":7}"#)
        }
    })
    .await;
    let upstream = upstream(&stub.address, 800);
    let answer: Value = upstream
        .call(HttpMethod::POST, "/orders")
        .json(&json!({ "lines": 1 }))
        .unwrap()
        .idempotency_key("key-123")
        .send()
        .await
        .unwrap();
    assert_eq!(answer, json!({ "order": 7 }));
    let requests = stub.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 2);
    for request in requests {
        assert!(request.starts_with("post /orders"), "{request}");
        assert!(request.contains("idempotency-key: key-123"), "{request}");
        assert!(
            request.contains("content-type: application/json"),
            "{request}"
        );
        assert!(request.ends_with(r#"{"lines":1}"#), "{request}");
    }
}

#[tokio::test]
async fn put_patch_and_delete_send_their_method() {
    let stub = Stub::start(|_| Reply::Status(204, "", Duration::ZERO)).await;
    let upstream = upstream(&stub.address, 800);
    for method in [HttpMethod::PUT, HttpMethod::PATCH, HttpMethod::DELETE] {
        upstream
            .call(method, "/carts/1/lines/2")
            .send_empty()
            .await
            .unwrap();
    }
    let methods: Vec<String> = stub
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.split(' ').next().unwrap().to_owned())
        .collect();
    assert_eq!(methods, ["put", "patch", "delete"]);
}

#[tokio::test]
async fn a_client_error_passes_through_with_its_status_and_body() {
    const BODY: &str =
        r#"{"error":{"code":"out_of_stock","message":"Only 2 left","field":"quantity"}}"#;
    let stub = Stub::start(|_| Reply::Status(409, BODY, Duration::ZERO)).await;
    let upstream = upstream(&stub.address, 800);
    for _ in 0..5 {
        match upstream.get_json::<Value>("/reserve").await {
            Err(Error::Upstream { status, body }) => {
                assert_eq!(status.as_u16(), 409);
                assert_eq!(
                    serde_json::to_value(body).unwrap(),
                    serde_json::from_str::<Value>(BODY).unwrap()
                );
            }
            other => panic!("expected the 409 to pass through, got {other:?}"),
        }
    }
    assert_eq!(stub.count(), 5, "4xx answers never open the circuit");
}

#[tokio::test]
async fn a_client_error_can_be_read_whole_with_what_the_contract_adds() {
    const BODY: &str = r#"{"error":{"code":"out_of_stock","message":"Only 2 left"},"shortages":[{"product_id":7}]}"#;
    let stub = Stub::start(|n| match n {
        0 => Reply::Status(409, BODY, Duration::ZERO),
        _ => ok(r#"{"id":"r1"}"#),
    })
    .await;
    let upstream = upstream(&stub.address, 800);
    let rejected = upstream
        .call(HttpMethod::PUT, "/reservations/r1")
        .send_or_rejection::<Value>()
        .await
        .expect("a 409 is an answer, not an outage")
        .expect_err("a 409 is a rejection");
    assert_eq!(rejected.status.as_u16(), 409);
    let whole: Value = rejected.json().unwrap();
    assert_eq!(whole["shortages"][0]["product_id"], 7);
    match rejected.into_error() {
        Error::Upstream { status, body } => {
            assert_eq!(status.as_u16(), 409);
            assert_eq!(body.error.code, "out_of_stock");
        }
        other => panic!("expected the shared error body, got {other:?}"),
    }
    let accepted = upstream
        .call(HttpMethod::PUT, "/reservations/r1")
        .send_or_rejection::<Value>()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(accepted["id"], "r1");
}

#[tokio::test]
async fn a_call_sends_its_headers_and_a_rejection_keeps_when_to_retry() {
    const BODY: &str = r#"{"error":{"code":"too_many_attempts","message":"Wait"}}"#;
    let stub = Stub::start(|_| Reply::Headed(429, "retry-after: 37", BODY)).await;
    let upstream = upstream(&stub.address, 800);
    let rejected = upstream
        .call(HttpMethod::POST, "/sessions")
        .header("Client-Address", "203.0.113.9")
        .json(&json!({}))
        .unwrap()
        .send_or_rejection::<Value>()
        .await
        .expect("a 429 is an answer, not an outage")
        .expect_err("a 429 is a rejection");
    assert_eq!(rejected.status.as_u16(), 429);
    assert_eq!(rejected.retry_after.as_deref(), Some("37"));
    let request = stub.requests.lock().unwrap()[0].clone();
    assert!(
        request.contains("\r\nclient-address: 203.0.113.9\r\n"),
        "{request}"
    );
}

#[tokio::test]
async fn an_unreadable_success_is_a_contract_bug_not_an_outage() {
    let stub = Stub::start(|_| ok(r#"{"unexpected":true}"#)).await;
    let upstream = upstream(&stub.address, 800);
    #[derive(serde::Deserialize, Debug)]
    struct Expected {
        #[allow(dead_code)]
        name: String,
    }
    for _ in 0..5 {
        match upstream.get_json::<Expected>("/thing").await {
            Err(Error::Internal(_)) => {}
            other => panic!("expected a 500, got {other:?}"),
        }
    }
    assert_eq!(stub.count(), 5, "a contract bug does not open the circuit");
}

#[tokio::test]
async fn a_degraded_503_from_a_healthy_service_passes_through() {
    const BODY: &str =
        r#"{"error":{"code":"catalog_unavailable","message":"The catalog is unavailable."}}"#;
    let stub = Stub::start(|_| Reply::Status(503, BODY, Duration::ZERO)).await;
    let upstream = upstream(&stub.address, 800);
    for _ in 0..5 {
        match upstream.get_json::<Value>("/checkout").await {
            Err(Error::Upstream { status, body }) => {
                assert_eq!(status.as_u16(), 503);
                assert_eq!(body.error.code, "catalog_unavailable");
            }
            other => panic!("expected the 503 to pass through, got {other:?}"),
        }
    }
    assert_eq!(stub.count(), 5);
}

#[tokio::test]
async fn an_open_breaker_fails_fast_then_one_probe_closes_it_when_the_service_recovers() {
    // Three 500s open the circuit (threshold 3); after that the service is healthy but slow.
    let stub = Stub::start(|n| {
        if n < 3 {
            Reply::Status(500, "oops", Duration::ZERO)
        } else {
            Reply::Status(200, "{}", Duration::from_millis(150))
        }
    })
    .await;
    let upstream = Arc::new(upstream(&stub.address, 800));
    for _ in 0..3 {
        assert_unavailable(upstream.get_json::<Value>("/x").await);
    }
    assert_eq!(stub.count(), 3);

    // Open: fails at once, without calling the service.
    let started = Instant::now();
    assert_unavailable(upstream.get_json::<Value>("/x").await);
    assert!(
        started.elapsed() < Duration::from_millis(50),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(stub.count(), 3);

    // After the cool-down, ten calls at once: exactly one probe reaches the service.
    tokio::time::sleep(Duration::from_millis(350)).await;
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let upstream = upstream.clone();
            tokio::spawn(async move { upstream.get_json::<Value>("/x").await })
        })
        .collect();
    let mut succeeded = 0;
    for call in calls {
        if call.await.unwrap().is_ok() {
            succeeded += 1;
        }
    }
    assert_eq!(succeeded, 1, "one probe, the others failed fast");
    assert_eq!(stub.count(), 4);

    // The probe succeeded: the circuit is closed and every call goes through again.
    for _ in 0..3 {
        upstream.get_json::<Value>("/x").await.unwrap();
    }
    assert_eq!(stub.count(), 7);
}

#[tokio::test]
async fn timeouts_and_dropped_connections_count_as_failures() {
    let stub = Stub::start(|_| Reply::Hang).await;
    let upstream = upstream(&stub.address, 100);
    for _ in 0..3 {
        assert_unavailable(upstream.get_json::<Value>("/x").await);
    }
    let before = stub.count();
    let started = Instant::now();
    assert_unavailable(upstream.get_bytes("/image").await.map(|_| Value::Null));
    assert!(started.elapsed() < Duration::from_millis(50));
    assert_eq!(
        stub.count(),
        before,
        "open after three timeouts, bytes calls included"
    );
}
