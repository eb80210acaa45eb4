//! The JSON client against a stand-in for `window.fetch` that records each request and
//! answers what the test asked for, in a real browser.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use error_body::ErrorDetail;
use mfe_kit::http::{self, ApiError};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// Replaces `window.fetch` (once) with a function that records every request under its URL
/// in `window.sentRequests` and answers with `window.answers[url]`: `{ status, body }`, or
/// a network failure when there is none.
fn stub_fetch() {
    let install = js_sys::Function::new_no_args(
        r#"
        if (window.sentRequests) return;
        window.sentRequests = {};
        window.answers = {};
        window.fetch = (url, init = {}) => {
          const headers = new Headers(init.headers);
          window.sentRequests[url] = {
            method: init.method || 'GET',
            // What the browser does with the request: `fetch` defaults included.
            credentials: new Request(url, init).credentials,
            csrf: headers.get('X-CSRF'),
            contentType: headers.get('Content-Type'),
            idempotencyKey: headers.get('Idempotency-Key'),
            body: init.body === undefined ? null : init.body,
          };
          const answer = window.answers[url];
          if (!answer) return Promise.reject(new TypeError('Failed to fetch'));
          const body = answer.body === undefined ? null : answer.body;
          return Promise.resolve(new Response(body, {
            status: answer.status,
            headers: body === null ? {} : { 'Content-Type': 'application/json' },
          }));
        };
        "#,
    );
    install.call0(&JsValue::NULL).unwrap();
}

/// Makes the stand-in answer `url` with `status` and `body` (JSON text, or none).
fn answer(url: &str, status: u16, body: Option<&str>) {
    stub_fetch();
    let window = web_sys::window().unwrap();
    let answers = js_sys::Reflect::get(&window, &"answers".into()).unwrap();
    let reply = js_sys::Object::new();
    js_sys::Reflect::set(&reply, &"status".into(), &status.into()).unwrap();
    if let Some(body) = body {
        js_sys::Reflect::set(&reply, &"body".into(), &body.into()).unwrap();
    }
    js_sys::Reflect::set(&answers, &url.into(), &reply).unwrap();
}

/// What the MFE sent to `url`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Sent {
    method: String,
    credentials: String,
    csrf: Option<String>,
    content_type: Option<String>,
    idempotency_key: Option<String>,
    body: Option<String>,
}

fn sent(url: &str) -> Sent {
    let window = web_sys::window().unwrap();
    let requests = js_sys::Reflect::get(&window, &"sentRequests".into()).unwrap();
    let request = js_sys::Reflect::get(&requests, &url.into()).unwrap();
    serde_wasm_bindgen::from_value(request).expect("no request was sent")
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Line {
    product_id: i64,
    quantity: u32,
}

#[wasm_bindgen_test]
async fn a_get_reads_the_json_answer_without_write_headers() {
    let url = "/api/test/lines/1";
    answer(url, 200, Some(r#"{"productId":12,"quantity":2}"#));

    let line: Line = http::get_json(url).await.unwrap();

    assert_eq!(
        line,
        Line {
            product_id: 12,
            quantity: 2
        }
    );
    let sent = sent(url);
    assert_eq!(sent.method, "GET");
    assert_eq!(sent.credentials, "same-origin");
    assert_eq!(sent.csrf, None);
    assert_eq!(sent.content_type, None);
}

#[wasm_bindgen_test]
async fn a_post_sends_json_with_the_csrf_header() {
    let url = "/api/test/lines";
    answer(url, 201, Some(r#"{"productId":12,"quantity":3}"#));

    let created: Line = http::post_json(
        url,
        &Line {
            product_id: 12,
            quantity: 3,
        },
    )
    .await
    .unwrap();

    assert_eq!(created.quantity, 3);
    let sent = sent(url);
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.credentials, "same-origin");
    assert_eq!(sent.csrf.as_deref(), Some("1"));
    assert_eq!(sent.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        sent.body.as_deref(),
        Some(r#"{"productId":12,"quantity":3}"#)
    );
}

#[wasm_bindgen_test]
async fn a_post_with_headers_sends_them_but_keeps_the_csrf_and_json_headers() {
    let url = "/api/test/orders";
    answer(url, 201, Some(r#"{"productId":7,"quantity":1}"#));

    let _: Line = http::post_json_with_headers(
        url,
        &Line {
            product_id: 7,
            quantity: 1,
        },
        &[
            ("Idempotency-Key", "3f2a9c1e"),
            ("x-csrf", "0"),
            ("content-type", "text/plain"),
        ],
    )
    .await
    .unwrap();

    let sent = sent(url);
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.idempotency_key.as_deref(), Some("3f2a9c1e"));
    assert_eq!(sent.csrf.as_deref(), Some("1"));
    assert_eq!(sent.content_type.as_deref(), Some("application/json"));
}

#[wasm_bindgen_test]
async fn put_and_patch_send_json_with_the_csrf_header() {
    let (put, patch) = ("/api/test/lines/2", "/api/test/lines/3");
    answer(put, 200, Some(r#"{"productId":2,"quantity":1}"#));
    answer(patch, 200, Some(r#"{"productId":3,"quantity":5}"#));
    let line = Line {
        product_id: 2,
        quantity: 1,
    };

    let _: Line = http::put_json(put, &line).await.unwrap();
    let _: Line = http::patch_json(patch, &quantity_patch()).await.unwrap();

    for (url, method) in [(put, "PUT"), (patch, "PATCH")] {
        let sent = sent(url);
        assert_eq!(sent.method, method);
        assert_eq!(sent.csrf.as_deref(), Some("1"), "{method}");
        assert_eq!(
            sent.content_type.as_deref(),
            Some("application/json"),
            "{method}"
        );
    }
    assert_eq!(sent(patch).body.as_deref(), Some(r#"{"quantity":5}"#));
}

/// A partial update, as a PATCH sends it.
fn quantity_patch() -> std::collections::BTreeMap<&'static str, u32> {
    std::collections::BTreeMap::from([("quantity", 5)])
}

#[wasm_bindgen_test]
async fn a_delete_sends_the_csrf_header_and_accepts_an_empty_answer() {
    let url = "/api/test/lines/4";
    answer(url, 204, None);

    http::delete::<()>(url).await.unwrap();

    let sent = sent(url);
    assert_eq!(sent.method, "DELETE");
    assert_eq!(sent.csrf.as_deref(), Some("1"));
    assert_eq!(sent.body, None);
}

#[wasm_bindgen_test]
async fn an_error_answer_is_read_into_api_error() {
    let url = "/api/test/lines/5";
    answer(
        url,
        409,
        Some(
            r#"{"error":{"code":"conflict","message":"That line changed meanwhile.","field":"quantity"}}"#,
        ),
    );

    let error = http::post_json::<_, Line>(
        url,
        &Line {
            product_id: 5,
            quantity: 1,
        },
    )
    .await
    .unwrap_err();

    assert_eq!(
        error,
        ApiError::Status {
            status: 409,
            error: Some(ErrorDetail {
                code: "conflict".into(),
                message: "That line changed meanwhile.".into(),
                field: Some("quantity".into()),
                fields: Vec::new(),
            }),
        }
    );
    assert_eq!(error.message(), "That line changed meanwhile.");
}

#[wasm_bindgen_test]
async fn an_answer_of_the_wrong_shape_is_a_decode_error() {
    let url = "/api/test/lines/6";
    answer(url, 200, Some(r#"{"productId":"twelve"}"#));

    assert_eq!(http::get_json::<Line>(url).await, Err(ApiError::Decode));
}

/// Every shape the MFEs' answers use, read as serde-wasm-bindgen read them.
#[derive(Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Shapes {
    id: i64,
    count: u32,
    ratio: f64,
    on: bool,
    name: String,
    note: Option<String>,
    absent: Option<String>,
    #[serde(default)]
    defaulted: u32,
    tags: Vec<String>,
    state: State,
    changes: Vec<Change>,
    inner: Inner,
    extra: std::collections::BTreeMap<String, u32>,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum State {
    Placed,
    OnHold,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Change {
    Quantity(u32),
    Remove,
    Move { to: String },
}

#[derive(Debug, PartialEq, Deserialize)]
struct Inner {
    label: String,
}

/// A struct with flattened fields is read as a map.
#[derive(Debug, PartialEq, Deserialize)]
struct Flattened {
    id: String,
    #[serde(flatten)]
    inner: Inner,
}

#[wasm_bindgen_test]
async fn every_shape_of_answer_is_read() {
    let url = "/api/test/shapes";
    answer(
        url,
        200,
        Some(
            r#"{"id":-9007199254740991,"count":4294967295,"ratio":0.5,"on":true,"name":"Oak",
                "note":null,"unknownKey":[1,2],"tags":["a","b"],"state":"on_hold",
                "changes":[{"quantity":3},"remove",{"move":{"to":"x"}}],
                "inner":{"label":"L"},"extra":{"k":1}}"#,
        ),
    );

    assert_eq!(
        http::get_json::<Shapes>(url).await,
        Ok(Shapes {
            id: -9_007_199_254_740_991,
            count: u32::MAX,
            ratio: 0.5,
            on: true,
            name: "Oak".into(),
            note: None,
            absent: None,
            defaulted: 0,
            tags: vec!["a".into(), "b".into()],
            state: State::OnHold,
            changes: vec![
                Change::Quantity(3),
                Change::Remove,
                Change::Move { to: "x".into() }
            ],
            inner: Inner { label: "L".into() },
            extra: [("k".to_owned(), 1)].into_iter().collect(),
        })
    );

    let url = "/api/test/flattened";
    answer(url, 200, Some(r#"{"id":"f","label":"L"}"#));
    assert_eq!(
        http::get_json::<Flattened>(url).await,
        Ok(Flattened {
            id: "f".into(),
            inner: Inner { label: "L".into() },
        })
    );
}

#[wasm_bindgen_test]
async fn numbers_and_names_that_do_not_fit_are_decode_errors() {
    for (n, body) in [
        r#"{"productId":12,"quantity":1.5}"#,
        r#"{"productId":12,"quantity":-1}"#,
        r#"{"productId":12,"quantity":4294967296}"#,
        r#"{"productId":9007199254740992,"quantity":1}"#,
        r#"{"productId":12,"quantity":"1"}"#,
        r#"{"productId":12}"#,
        r#"[12,1]"#,
        r#"null"#,
    ]
    .into_iter()
    .enumerate()
    {
        let url = format!("/api/test/misfits/{n}");
        answer(&url, 200, Some(body));
        assert_eq!(
            http::get_json::<Line>(&url).await,
            Err(ApiError::Decode),
            "{body}"
        );
    }
    let url = "/api/test/misfits/state";
    answer(url, 200, Some(r#""lost""#));
    assert_eq!(http::get_json::<State>(url).await, Err(ApiError::Decode));
}

#[wasm_bindgen_test]
async fn no_answer_at_all_is_a_network_error() {
    stub_fetch();

    assert_eq!(
        http::delete::<()>("/api/test/unreachable").await,
        Err(ApiError::Network)
    );
}
