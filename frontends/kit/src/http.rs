//! The JSON client an MFE uses to call its own BFF (same origin, `/api/<name>/...`).

use error_body::{ErrorBody, ErrorDetail};
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

thread_local! {
    static PREFETCHED: RefCell<HashMap<String, js_sys::Promise>> = RefCell::new(HashMap::new());
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

    /// The parameter the server complained about, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            ApiError::Status {
                error: Some(error), ..
            } => error.field.as_deref(),
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
    let response = match take_prefetched(url) {
        Some(promise) => match JsFuture::from(promise).await {
            Ok(response) => response.unchecked_into::<web_sys::Response>(),
            // The early request failed; it costs nothing to try once more now.
            Err(_) => send(url).await?,
        },
        None => send(url).await?,
    };
    read_json(response).await
}

async fn send(url: &str) -> Result<web_sys::Response, ApiError> {
    let window = web_sys::window().ok_or(ApiError::Network)?;
    JsFuture::from(window.fetch_with_str(url))
        .await
        .map(|response| response.unchecked_into())
        .map_err(|_| ApiError::Network)
}

/// The browser parses the JSON (`Response.json()`); serde only maps the resulting object.
async fn read_json<T: DeserializeOwned>(response: web_sys::Response) -> Result<T, ApiError> {
    let body = match response.json() {
        Ok(promise) => JsFuture::from(promise).await.ok(),
        Err(_) => None,
    };
    if response.ok() {
        return body
            .and_then(|body| serde_wasm_bindgen::from_value(body).ok())
            .ok_or(ApiError::Decode);
    }
    let error = body
        .and_then(|body| serde_wasm_bindgen::from_value::<ErrorBody>(body).ok())
        .map(|body| body.error);
    Err(ApiError::Status {
        status: response.status(),
        error,
    })
}

/// Keeps the shell's early requests (`props.prefetch`) until the app asks for them.
pub(crate) fn accept_prefetched(prefetch: &JsValue) {
    let Some(object) = prefetch.dyn_ref::<js_sys::Object>() else {
        return;
    };
    PREFETCHED.with(|prefetched| {
        let mut prefetched = prefetched.borrow_mut();
        for entry in js_sys::Object::entries(object).iter() {
            let entry: js_sys::Array = entry.unchecked_into();
            if let (Some(url), Ok(promise)) = (
                entry.get(0).as_string(),
                entry.get(1).dyn_into::<js_sys::Promise>(),
            ) {
                prefetched.insert(url, promise);
            }
        }
    });
}

/// A prefetched response can be read once; later requests for the same URL go out fresh.
fn take_prefetched(url: &str) -> Option<js_sys::Promise> {
    PREFETCHED.with(|prefetched| prefetched.borrow_mut().remove(url))
}
