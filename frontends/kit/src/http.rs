//! The JSON client an MFE uses to call its own BFF (same origin, `/api/<name>/...`).

use error_body::{ErrorBody, ErrorDetail};
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

thread_local! {
    // A page has one or two early requests: a list is smaller in wasm than a hash map.
    /// The shell's early requests, not yet answered (or not yet looked at).
    static PREFETCHED: RefCell<Vec<(String, js_sys::Promise)>> = const { RefCell::new(Vec::new()) };
    /// Early requests that were answered before the first render, their JSON parsed.
    static READY: RefCell<Vec<(String, Ready)>> = const { RefCell::new(Vec::new()) };
}

/// An answer that has arrived: its status and its parsed JSON body (if it had one).
struct Ready {
    status: u16,
    ok: bool,
    body: Option<JsValue>,
}

/// Why a call to the BFF did not give the answer asked for. The UI shows
/// [`ApiError::message`], never a raw status.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The request never got an answer (offline, DNS, connection reset).
    Network,
    /// The BFF (or the gateway in front of it) answered with an error.
    Status {
        status: u16,
        error: Option<ErrorDetail>,
    },
    /// The answer did not have the expected shape: the MFE and BFF disagree.
    Decode,
}

impl ApiError {
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The machine-readable error code, when the server sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Status {
                error: Some(error), ..
            } => Some(&error.code),
            _ => None,
        }
    }

    /// A sentence for the shopper.
    pub fn message(&self) -> String {
        match self {
            ApiError::Network => {
                "We couldn't reach the shop. Check your connection and try again.".into()
            }
            ApiError::Status {
                error: Some(error), ..
            } => error.message.clone(),
            ApiError::Status { .. } | ApiError::Decode => {
                "Something went wrong on our side. Please try again in a moment.".into()
            }
        }
    }
}

/// GETs `url` and reads its JSON answer. If the shell already started this exact request
/// (see the crate docs), its response is used instead of asking again.
pub async fn get_json<T: DeserializeOwned>(url: &str) -> Result<T, ApiError> {
    if let Some(answer) = take_ready(url) {
        return answer;
    }
    let response = match take_prefetched(url) {
        Some(promise) => match JsFuture::from(promise).await {
            Ok(response) => response.unchecked_into::<web_sys::Response>(),
            // The early request failed; it costs nothing to try once more now.
            Err(_) => send(url).await?,
        },
        None => send(url).await?,
    };
    let body = match response.json() {
        Ok(promise) => JsFuture::from(promise).await.ok(),
        Err(_) => None,
    };
    decode(Ready {
        status: response.status(),
        ok: response.ok(),
        body,
    })
}

/// The answer to `url` if it is already here — the shell requested it early and it arrived
/// before the app was mounted — so the first render can draw data instead of a loading
/// state. `None` means: ask with [`get_json`]. Each answer can be taken once.
pub fn take_ready<T: DeserializeOwned>(url: &str) -> Option<Result<T, ApiError>> {
    READY
        .with(|ready| take(&mut ready.borrow_mut(), url))
        .map(decode)
}

async fn send(url: &str) -> Result<web_sys::Response, ApiError> {
    let window = web_sys::window().ok_or(ApiError::Network)?;
    JsFuture::from(window.fetch_with_str(url))
        .await
        .map(|response| response.unchecked_into())
        .map_err(|_| ApiError::Network)
}

/// The browser parsed the JSON (`Response.json()`); serde only maps the resulting object.
fn decode<T: DeserializeOwned>(answer: Ready) -> Result<T, ApiError> {
    if answer.ok {
        return answer
            .body
            .and_then(|body| serde_wasm_bindgen::from_value(body).ok())
            .ok_or(ApiError::Decode);
    }
    let error = answer
        .body
        .and_then(|body| serde_wasm_bindgen::from_value::<ErrorBody>(body).ok())
        .map(|body| body.error);
    Err(ApiError::Status {
        status: answer.status,
        error,
    })
}

/// Waits, at most `patience_ms` each, for the shell's early requests and parses their
/// JSON, so that [`take_ready`] has them for the first render. Requests still unanswered
/// by then stay where [`get_json`] will await them.
pub(crate) async fn settle_prefetched(patience_ms: i32) {
    let pending: Vec<(String, js_sys::Promise)> = PREFETCHED.with(|prefetched| {
        prefetched
            .borrow()
            .iter()
            .map(|(url, promise)| (url.clone(), promise.clone()))
            .collect()
    });
    for (url, promise) in pending {
        let Some(response) = within(promise, patience_ms)
            .await
            .and_then(|response| response.dyn_into::<web_sys::Response>().ok())
        else {
            continue;
        };
        let body = match response.json() {
            Ok(json) => within(json, patience_ms).await,
            Err(_) => None,
        };
        PREFETCHED.with(|prefetched| take(&mut prefetched.borrow_mut(), &url));
        let answer = Ready {
            status: response.status(),
            ok: response.ok(),
            body,
        };
        READY.with(|ready| ready.borrow_mut().push((url, answer)));
    }
}

/// What `promise` resolves to, unless it rejects or takes longer than `ms`.
async fn within(promise: js_sys::Promise, ms: i32) -> Option<JsValue> {
    let timer = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let first = js_sys::Promise::race(&js_sys::Array::of2(&promise, &timer));
    JsFuture::from(first)
        .await
        .ok()
        .filter(|value| !value.is_undefined())
}

/// Keeps the shell's early requests (`props.prefetch`) until the app asks for them.
/// Returns how many there are.
pub(crate) fn accept_prefetched(prefetch: &JsValue) -> usize {
    let Some(object) = prefetch.dyn_ref::<js_sys::Object>() else {
        return 0;
    };
    PREFETCHED.with(|prefetched| {
        let mut prefetched = prefetched.borrow_mut();
        for entry in js_sys::Object::entries(object).iter() {
            let entry: js_sys::Array = entry.unchecked_into();
            if let (Some(url), Ok(promise)) = (
                entry.get(0).as_string(),
                entry.get(1).dyn_into::<js_sys::Promise>(),
            ) {
                take(&mut prefetched, &url);
                prefetched.push((url, promise));
            }
        }
        prefetched.len()
    })
}

/// A prefetched response can be read once; later requests for the same URL go out fresh.
fn take_prefetched(url: &str) -> Option<js_sys::Promise> {
    PREFETCHED.with(|prefetched| take(&mut prefetched.borrow_mut(), url))
}

/// Removes and returns the entry for `url`.
fn take<T>(entries: &mut Vec<(String, T)>, url: &str) -> Option<T> {
    let index = entries.iter().position(|(key, _)| key == url)?;
    Some(entries.swap_remove(index).1)
}
