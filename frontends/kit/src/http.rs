//! The JSON client an MFE uses to call its own BFF (same origin, `/api/<name>/...`), and
//! how a failed call is shown ([`Failure`]).

use crate::from_js::from_js;
use error_body::{ErrorBody, ErrorDetail};
use serde::{de::DeserializeOwned, Serialize};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use yew::{hook, use_mut_ref};

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
    /// The answer (or the request body) did not have the expected shape: the MFE and BFF
    /// disagree.
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

/// How the UI should answer a failed call: the shopper sees a sentence and a way forward,
/// never a status code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The BFF or what is behind it is down, slow or unreachable: worth trying again.
    Unavailable,
    /// The request itself was refused (a bad filter, a conflicting change); the server's
    /// message says why, and trying again would not help.
    Rejected(String),
    /// There is no such thing (a page for an unknown product or order).
    Missing,
}

impl Failure {
    /// `*_unavailable` codes (whatever the status), 502/503/504, timeouts, throttling,
    /// other 5xx, network and decode errors are [`Failure::Unavailable`]; 404 is
    /// [`Failure::Missing`]; any other 4xx is [`Failure::Rejected`] with the server's message.
    pub fn of(error: &ApiError) -> Self {
        if error
            .code()
            .is_some_and(|code| code.ends_with("_unavailable"))
        {
            return Failure::Unavailable;
        }
        match error.status() {
            Some(404) => Failure::Missing,
            Some(status @ 400..=499) if status != 408 && status != 429 => {
                Failure::Rejected(error.message())
            }
            _ => Failure::Unavailable,
        }
    }
}

/// What an answer's JSON (parsed by the browser) is read into. Every type serde can read
/// is one, read with serde. An MFE may read a type of its own by hand instead (see the
/// cart's `json` module): serde's generated code is a large part of a small wasm.
pub trait FromJson: Sized {
    /// `value` as `Self`, or `None` when it does not have the expected shape.
    fn from_json(value: JsValue) -> Option<Self>;

    /// JSON text as `Self`, on the server (see [`crate::ssr`]); `None` for a type a server
    /// cannot read (its page is then not rendered there).
    fn from_json_text(text: &str) -> Option<Self> {
        let _ = text;
        None
    }
}

impl<T: DeserializeOwned> FromJson for T {
    fn from_json(value: JsValue) -> Option<Self> {
        from_js(value)
    }

    #[cfg(feature = "ssr")]
    fn from_json_text(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }
}

/// What a request body is written from: a value the browser turns into JSON text
/// (`JSON.stringify`). Every type serde can write is one, written with serde as plain
/// objects. An MFE may write a type of its own by hand instead (see [`FromJson`]).
pub trait ToJson {
    /// `self` as a JSON-compatible browser value, or `None` when it cannot be one.
    fn to_json(&self) -> Option<JsValue>;
}

impl<T: Serialize + ?Sized> ToJson for T {
    fn to_json(&self) -> Option<JsValue> {
        self.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .ok()
    }
}

/// GETs `url` and reads its JSON answer. If the shell already started this exact request
/// (see the crate docs), its response is used instead of asking again.
pub async fn get_json<T: FromJson>(url: &str) -> Result<T, ApiError> {
    if let Some(answer) = take_ready(url) {
        return answer;
    }
    let response = match take_prefetched(url) {
        Some(promise) => match JsFuture::from(promise).await {
            Ok(response) => response.unchecked_into::<web_sys::Response>(),
            // The early request failed; it costs nothing to try once more now.
            Err(_) => fetch(url).await?,
        },
        None => fetch(url).await?,
    };
    read(response).await
}

/// POSTs `body` as JSON to `url` and reads the JSON answer.
pub async fn post_json<B, T>(url: &str, body: &B) -> Result<T, ApiError>
where
    B: ToJson + ?Sized,
    T: FromJson,
{
    read(send("POST", url, Some(encode(body)?), &[]).await?).await
}

/// POSTs `body` as JSON to `url` with `headers` besides the usual ones (e.g. an
/// `Idempotency-Key`), and reads the JSON answer. They cannot replace `X-CSRF` or
/// `Content-Type`.
pub async fn post_json_with_headers<B, T>(
    url: &str,
    body: &B,
    headers: &[(&str, &str)],
) -> Result<T, ApiError>
where
    B: ToJson + ?Sized,
    T: FromJson,
{
    read(send("POST", url, Some(encode(body)?), headers).await?).await
}

/// PUTs `body` as JSON to `url` and reads the JSON answer.
pub async fn put_json<B, T>(url: &str, body: &B) -> Result<T, ApiError>
where
    B: ToJson + ?Sized,
    T: FromJson,
{
    read(send("PUT", url, Some(encode(body)?), &[]).await?).await
}

/// PATCHes `url` with `body` as JSON and reads the JSON answer.
pub async fn patch_json<B, T>(url: &str, body: &B) -> Result<T, ApiError>
where
    B: ToJson + ?Sized,
    T: FromJson,
{
    read(send("PATCH", url, Some(encode(body)?), &[]).await?).await
}

/// DELETEs `url` and reads the JSON answer; `T = ()` for an answer without a body.
pub async fn delete<T: FromJson>(url: &str) -> Result<T, ApiError> {
    read(send("DELETE", url, None, &[]).await?).await
}

/// The answer to `url` if it is already here — the shell requested it early and it arrived
/// before the app was mounted, or it came with the server-rendered page — so the first
/// render can draw data instead of a loading state. `None` means: ask with [`get_json`].
/// Each answer can be taken once. On the server, the answers are the BFF's (see
/// [`crate::ssr`]).
pub fn take_ready<T: FromJson>(url: &str) -> Option<Result<T, ApiError>> {
    #[cfg(feature = "ssr")]
    if !cfg!(target_arch = "wasm32") {
        return crate::ssr::take_answer(url).map(|answer| {
            if (200..300).contains(&answer.status) {
                T::from_json_text(&answer.body).ok_or(ApiError::Decode)
            } else {
                Err(ApiError::Status {
                    status: answer.status,
                    error: serde_json::from_str::<ErrorBody>(&answer.body)
                        .ok()
                        .map(|body| body.error),
                })
            }
        });
    }
    READY
        .with(|ready| take(&mut ready.borrow_mut(), url))
        .map(decode)
}

/// Takes the answers a server-rendered slot came with (the JSON of its `<script data-ssr>`,
/// see [`crate::ssr`]) as if they had just arrived, for [`take_ready`].
#[cfg(target_arch = "wasm32")]
pub(crate) fn accept_embedded(json: &str) {
    let Ok(answers) = js_sys::JSON::parse(json) else {
        return;
    };
    let Some(answers) = answers.dyn_ref::<js_sys::Object>() else {
        return;
    };
    READY.with(|ready| {
        let mut ready = ready.borrow_mut();
        for entry in js_sys::Object::entries(answers).iter() {
            let entry: js_sys::Array = entry.unchecked_into();
            let (Some(url), answer) = (entry.get(0).as_string(), entry.get(1)) else {
                continue;
            };
            let field = |name: &str| js_sys::Reflect::get(&answer, &JsValue::from_str(name)).ok();
            let Some(status) = field("status").and_then(|s| s.as_f64()) else {
                continue;
            };
            let status = status as u16;
            take(&mut ready, &url);
            ready.push((
                url,
                Ready {
                    status,
                    ok: (200..300).contains(&status),
                    body: field("body"),
                },
            ));
        }
    });
}

/// For a page that fetches on mount: the answer that was already here when it was first
/// drawn (taken with `ready`, usually [`take_ready`]) — `Some` on that first render only —
/// and a flag that is true until the page's fetch effect first runs, which then has nothing
/// to fetch: `if skip_first_fetch.replace(false) { return; }`.
#[hook]
pub fn use_first_answer<T: 'static>(
    ready: impl FnOnce() -> Option<Result<T, ApiError>>,
) -> (Option<Result<T, ApiError>>, Rc<RefCell<bool>>) {
    let answer = use_mut_ref(ready);
    let skip_first_fetch = use_mut_ref(|| answer.borrow().is_some());
    let first = answer.borrow_mut().take();
    (first, skip_first_fetch)
}

/// A request body as JSON text. The browser writes it (`JSON.stringify`): serde_json would
/// add its number formatting to every MFE's wasm.
fn encode<B: ToJson + ?Sized>(body: &B) -> Result<JsValue, ApiError> {
    let value = body.to_json().ok_or(ApiError::Decode)?;
    js_sys::JSON::stringify(&value)
        .map(JsValue::from)
        .map_err(|_| ApiError::Decode)
}

/// GETs `url` from the MFE's own BFF. `fetch`'s defaults are what a read needs: the session
/// cookies go along (credentials `same-origin`), and no header needs adding.
async fn fetch(url: &str) -> Result<web_sys::Response, ApiError> {
    let window = crate::browser::window().ok_or(ApiError::Network)?;
    answer_of(window.fetch_with_str(url)).await
}

/// Sends a state-changing request to the MFE's own BFF, with the session cookies (same
/// origin) and `X-CSRF: 1`, which a cross-site page cannot send without a CORS preflight
/// the BFFs never grant; a JSON body says it is JSON. (Apart from [`fetch`], so an MFE that
/// only reads carries none of this.)
async fn send(
    method: &str,
    url: &str,
    json_body: Option<JsValue>,
    extra_headers: &[(&str, &str)],
) -> Result<web_sys::Response, ApiError> {
    let window = crate::browser::window().ok_or(ApiError::Network)?;
    let headers = js_sys::Object::new();
    // Never in place of (or beside) the two this function owns.
    for (name, value) in extra_headers.iter().filter(|(name, _)| {
        !name.eq_ignore_ascii_case("X-CSRF") && !name.eq_ignore_ascii_case("Content-Type")
    }) {
        let _ = js_sys::Reflect::set(&headers, &(*name).into(), &(*value).into());
    }
    let _ = js_sys::Reflect::set(&headers, &"X-CSRF".into(), &"1".into());
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    if let Some(body) = &json_body {
        let _ = js_sys::Reflect::set(&headers, &"Content-Type".into(), &"application/json".into());
        init.set_body(body);
    }
    init.set_headers(&headers);
    answer_of(window.fetch_with_str_and_init(url, &init)).await
}

/// The response `fetch` promised, or [`ApiError::Network`] if none came.
async fn answer_of(request: js_sys::Promise) -> Result<web_sys::Response, ApiError> {
    JsFuture::from(request)
        .await
        .map(|response| response.unchecked_into())
        .map_err(|_| ApiError::Network)
}

/// Reads a response's JSON (an empty body reads as `undefined`) and decodes it.
async fn read<T: FromJson>(response: web_sys::Response) -> Result<T, ApiError> {
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

/// The browser parsed the JSON (`Response.json()`); serde only maps the resulting object.
fn decode<T: FromJson>(answer: Ready) -> Result<T, ApiError> {
    if answer.ok {
        // No body reads as `undefined`, which only `()` (and `Option`) accept.
        return T::from_json(answer.body.unwrap_or(JsValue::UNDEFINED)).ok_or(ApiError::Decode);
    }
    let error = answer
        .body
        .and_then(from_js::<ErrorBody>)
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
        // Someone asked for it meanwhile and read it: a body is read once.
        if PREFETCHED
            .with(|prefetched| take(&mut prefetched.borrow_mut(), &url))
            .is_none()
        {
            continue;
        }
        let body = match response.json() {
            Ok(json) => within(json, patience_ms).await,
            Err(_) => None,
        };
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
        if let Some(window) = crate::browser::window() {
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
/// Returns how many this mount brought (another mount's pending requests are not its
/// business: a header badge mounted with none must not wait for, or read, the page's).
pub(crate) fn accept_prefetched(prefetch: &JsValue) -> usize {
    let Some(object) = prefetch.dyn_ref::<js_sys::Object>() else {
        return 0;
    };
    PREFETCHED.with(|prefetched| {
        let mut prefetched = prefetched.borrow_mut();
        let mut brought = 0;
        for entry in js_sys::Object::entries(object).iter() {
            let entry: js_sys::Array = entry.unchecked_into();
            if let (Some(url), Ok(promise)) = (
                entry.get(0).as_string(),
                entry.get(1).dyn_into::<js_sys::Promise>(),
            ) {
                take(&mut prefetched, &url);
                prefetched.push((url, promise));
                brought += 1;
            }
        }
        brought
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

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, code: &str, message: &str) -> ApiError {
        ApiError::Status {
            status,
            error: Some(ErrorDetail {
                code: code.into(),
                message: message.into(),
                field: None,
                fields: Vec::new(),
            }),
        }
    }

    fn bare(status: u16) -> ApiError {
        ApiError::Status {
            status,
            error: None,
        }
    }

    #[test]
    fn any_unavailable_slice_can_be_retried_whatever_its_status() {
        for code in [
            "catalog_unavailable",
            "cart_unavailable",
            "account_unavailable",
        ] {
            assert_eq!(
                Failure::of(&answer(503, code, "down")),
                Failure::Unavailable
            );
            assert_eq!(
                Failure::of(&answer(400, code, "down")),
                Failure::Unavailable
            );
        }
    }

    #[test]
    fn gateway_network_and_shape_errors_can_be_retried() {
        for status in [502, 503, 504, 500, 408, 429] {
            assert_eq!(Failure::of(&bare(status)), Failure::Unavailable, "{status}");
        }
        assert_eq!(Failure::of(&ApiError::Network), Failure::Unavailable);
        assert_eq!(Failure::of(&ApiError::Decode), Failure::Unavailable);
    }

    #[test]
    fn a_refused_request_shows_the_servers_message() {
        assert_eq!(
            Failure::of(&answer(400, "invalid_parameter", "unknown category \"x\"")),
            Failure::Rejected("unknown category \"x\"".into())
        );
        assert_eq!(
            Failure::of(&answer(409, "conflict", "that address is in use")),
            Failure::Rejected("that address is in use".into())
        );
    }

    #[test]
    fn an_unknown_thing_is_missing() {
        assert_eq!(
            Failure::of(&answer(404, "not_found", "no such product")),
            Failure::Missing
        );
        assert_eq!(Failure::of(&bare(404)), Failure::Missing);
    }
}
