//! A guarded HTTP client for one upstream service, as BFFs (and services that call other
//! services) use it.
//!
//! - one pooled keep-alive client per upstream (a new TCP connection per call costs ~4×);
//! - a deadline on every call, retry included, so a slow service can never hang the caller;
//! - a retry only where it is safe: a GET, or a write that carries an `Idempotency-Key`,
//!   is sent once more when the connection failed (the classic stale pooled connection);
//!   any other write is never sent twice;
//! - a circuit breaker (`failsafe`): after repeated failures calls fail at once for a
//!   cool-down; then exactly one probe goes through, and its answer closes or re-opens it;
//! - the request id of the request being served goes along (`X-Request-Id`).
//!
//! What callers get back:
//! - a 2xx answer, decoded; an answer that does not decode is a contract bug: a logged 500;
//! - an upstream 4xx (and a 503 with the shared error body, which a healthy service sends
//!   when one of *its* dependencies is down) passes through with the same status and body;
//! - no answer, a timeout or any other 5xx: [`Error::Unavailable`] with this upstream's
//!   code (`catalog_unavailable`), and a failure for the breaker.

use crate::{request_id, Error};
use error_body::ErrorBody;
use failsafe::backoff::{self, Constant};
use failsafe::failure_policy::{consecutive_failures, ConsecutiveFailures};
use failsafe::{Instrument, StateMachine};
use reqwest::header::{HeaderMap, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde::{de::DeserializeOwned, Serialize};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use reqwest::Method as HttpMethod;

/// The header that makes a write safe to send twice: the service answers a repeated key
/// with the first answer.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// How an upstream is reached and guarded.
#[derive(Debug, Clone)]
pub struct UpstreamConfig {
    /// e.g. `http://127.0.0.1:8101`
    pub base_url: String,
    /// The most a whole call may take, retry included.
    pub timeout: Duration,
    /// Consecutive failures that open the circuit.
    pub failure_threshold: u32,
    /// How long an open circuit fails fast before letting one probe through.
    pub cool_down: Duration,
}

impl UpstreamConfig {
    pub fn new(base_url: impl Into<String>, timeout: Duration) -> Self {
        Self {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            timeout,
            failure_threshold: 5,
            cool_down: Duration::from_secs(5),
        }
    }
}

/// One upstream service.
pub struct Upstream {
    config: UpstreamConfig,
    client: reqwest::Client,
    breaker: Breaker,
    /// What clients get when it is unavailable.
    unavailable_code: String,
    unavailable_message: String,
}

/// A raw answer (e.g. an image) with its content type.
pub struct Bytes {
    pub content_type: String,
    pub body: Vec<u8>,
}

/// An answer read in full, before it is judged.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: bytes::Bytes,
}

impl Upstream {
    /// `unavailable_code`/`unavailable_message` are what clients get when it is down.
    pub fn new(
        config: UpstreamConfig,
        unavailable_code: impl Into<String>,
        unavailable_message: impl Into<String>,
    ) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(config.timeout.min(Duration::from_millis(500)))
            .pool_max_idle_per_host(128)
            .pool_idle_timeout(Duration::from_secs(30))
            .tcp_nodelay(true)
            .build()?;
        Ok(Self {
            breaker: Breaker::new(config.failure_threshold, config.cool_down),
            config,
            client,
            unavailable_code: unavailable_code.into(),
            unavailable_message: unavailable_message.into(),
        })
    }

    /// GETs `path_and_query` and decodes its JSON answer.
    pub async fn get_json<T: DeserializeOwned>(&self, path_and_query: &str) -> Result<T, Error> {
        self.call(Method::GET, path_and_query).send().await
    }

    /// GETs `path_and_query` as raw bytes.
    pub async fn get_bytes(&self, path_and_query: &str) -> Result<Bytes, Error> {
        self.call(Method::GET, path_and_query).send_bytes().await
    }

    /// A call to build: `upstream.call(Method::POST, "/carts").json(&body)?.send().await`.
    pub fn call<'a>(&'a self, method: Method, path_and_query: &str) -> Call<'a> {
        Call {
            upstream: self,
            method,
            path_and_query: path_and_query.to_owned(),
            body: None,
            idempotency_key: None,
            headers: Vec::new(),
            timeout: None,
        }
    }

    /// Whether the upstream answers its health check right now (for `/readyz`; the breaker
    /// is not consulted, so readiness shows the truth as soon as the service is back).
    pub async fn is_healthy(&self, path: &str) -> bool {
        let url = format!("{}{path}", self.config.base_url);
        matches!(
            self.client.get(url).timeout(self.config.timeout).send().await,
            Ok(response) if response.status().is_success()
        )
    }

    /// A 2xx answer, or [`Error::Upstream`] passing a client error (or a degraded 503) on.
    async fn execute(&self, call: &Call<'_>) -> Result<Answer, Error> {
        let answer = self.execute_answered(call).await?;
        if answer.status.is_success() {
            return Ok(answer);
        }
        Err(pass_through(&answer))
    }

    /// The answer of a service that worked: a 2xx, a 4xx or a degraded 503, read whole.
    /// No answer, a timeout or any other 5xx is [`Error::Unavailable`].
    async fn execute_answered(&self, call: &Call<'_>) -> Result<Answer, Error> {
        let what = format!("{} {}", call.method, call.path_and_query);
        let Some(permit) = self.breaker.permit() else {
            return Err(self.unavailable(format!("circuit open, skipped {what}")));
        };
        let url = format!("{}{}", self.config.base_url, call.path_and_query);
        let timeout = call.timeout.unwrap_or(self.config.timeout);
        let deadline = Instant::now() + timeout;
        let retry_is_safe = call.method == Method::GET || call.idempotency_key.is_some();
        let mut attempt = self.send(call, &url, deadline).await;
        if let Err(error) = &attempt {
            if retry_is_safe && !error.is_timeout() && Instant::now() < deadline {
                tracing::info!(%error, %what, "retrying once");
                attempt = self.send(call, &url, deadline).await;
            }
        }
        let answer = match attempt {
            Ok(answer) => answer,
            // A deadline the caller cut shorter than the upstream's own (what was left of
            // its budget) says nothing about the upstream: not a failure for the breaker.
            Err(error) if error.is_timeout() && timeout < self.config.timeout => {
                drop(permit);
                return Err(self.unavailable(format!("{what}: out of time ({timeout:?})")));
            }
            Err(error) => {
                permit.failure();
                return Err(self.unavailable(format!("{what}: {error}")));
            }
        };
        if answer.status.is_server_error() {
            let degraded = answer.status == StatusCode::SERVICE_UNAVAILABLE
                && serde_json::from_slice::<ErrorBody>(&answer.body).is_ok();
            if !degraded {
                permit.failure();
                return Err(self.unavailable(format!("{what} answered {}", answer.status)));
            }
        }
        // It answered, as a working service does: with what was asked, or it is the
        // caller's fault, or one of the service's own dependencies is down.
        permit.success();
        Ok(answer)
    }

    /// One attempt: sends the request and reads the whole answer within the deadline.
    async fn send(&self, call: &Call<'_>, url: &str, deadline: Instant) -> reqwest::Result<Answer> {
        let left = deadline.saturating_duration_since(Instant::now());
        let mut request = self
            .client
            .request(call.method.clone(), url)
            .timeout(left)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(id) = request_id::current() {
            request = request.header(request_id::HEADER, id);
        }
        if let Some(key) = &call.idempotency_key {
            request = request.header(IDEMPOTENCY_KEY, key);
        }
        for (name, value) in &call.headers {
            request = request.header(*name, value);
        }
        if let Some(body) = &call.body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let response = request.send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    fn unavailable(&self, cause: String) -> Error {
        tracing::warn!(upstream = %self.config.base_url, %cause, "upstream unavailable");
        Error::Unavailable {
            code: self.unavailable_code.clone(),
            message: self.unavailable_message.clone(),
        }
    }
}

/// An answer that is not a 2xx, passed on with the same status and body.
fn pass_through(answer: &Answer) -> Error {
    Rejection::of(answer).into_error()
}

/// actix and reqwest use different versions of the `http` crate.
fn actix_status(status: StatusCode) -> actix_web::http::StatusCode {
    actix_web::http::StatusCode::from_u16(status.as_u16())
        .unwrap_or(actix_web::http::StatusCode::BAD_GATEWAY)
}

/// A client-error answer (4xx) kept whole, for contracts whose error bodies say more than
/// the shared error body (a 409 that lists every line that is short). See
/// [`Call::send_or_rejection`].
#[derive(Debug, Clone)]
pub struct Rejection {
    pub status: actix_web::http::StatusCode,
    pub body: Vec<u8>,
    /// The answer's `Retry-After`, for a caller that passes a 429 on to its own client
    /// (sign-in attempts: when the shopper may try again is the service's to say).
    pub retry_after: Option<String>,
}

impl Rejection {
    fn of(answer: &Answer) -> Self {
        Rejection {
            status: actix_status(answer.status),
            body: answer.body.to_vec(),
            retry_after: answer
                .headers
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
        }
    }

    /// The body as `T`, when it is one.
    pub fn json<T: DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The shared error body in it, passed on as [`Error::Upstream`] would be.
    pub fn into_error(self) -> Error {
        let body = self.json::<ErrorBody>().unwrap_or_else(|| {
            ErrorBody::new(
                "upstream_error",
                self.status
                    .canonical_reason()
                    .unwrap_or("The request was not accepted."),
            )
        });
        Error::Upstream {
            status: self.status,
            body,
        }
    }
}

/// One call to an upstream, being built. See [`Upstream::call`].
#[must_use = "a call does nothing until it is sent"]
pub struct Call<'a> {
    upstream: &'a Upstream,
    method: Method,
    path_and_query: String,
    body: Option<Vec<u8>>,
    idempotency_key: Option<String>,
    headers: Vec<(&'static str, String)>,
    timeout: Option<Duration>,
}

impl Call<'_> {
    /// The most this call may take, retry included, instead of the upstream's deadline:
    /// longer for a call known to take longer (a checkout), or shorter when it is what is
    /// left of the caller's own budget. A call that runs out of a shortened deadline is
    /// not counted against the upstream by the circuit breaker.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sends `body` as JSON.
    pub fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body)
            .map_err(|error| Error::Internal(anyhow::Error::new(error).context("encoding")))?;
        self.body = Some(bytes);
        Ok(self)
    }

    /// Marks a write as safe to repeat: the service answers the same key with the same
    /// answer, so the client may retry it.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Sends the header `name: value` too (a session's secret, the shopper's address). Header
    /// values are never logged.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Sends it and decodes the JSON answer.
    pub async fn send<T: DeserializeOwned>(self) -> Result<T, Error> {
        let answer = self.upstream.execute(&self).await?;
        serde_json::from_slice(&answer.body).map_err(|error| self.contract_bug(&error))
    }

    /// Sends it like [`Call::send`], but hands a 4xx answer back whole, as
    /// `Ok(Err(rejection))`, for a caller that needs more of it than the shared error body.
    pub async fn send_or_rejection<T: DeserializeOwned>(
        self,
    ) -> Result<Result<T, Rejection>, Error> {
        let answer = self.upstream.execute_answered(&self).await?;
        if answer.status.is_client_error() {
            return Ok(Err(Rejection::of(&answer)));
        }
        if !answer.status.is_success() {
            return Err(pass_through(&answer));
        }
        serde_json::from_slice(&answer.body)
            .map(Ok)
            .map_err(|error| self.contract_bug(&error))
    }

    /// Sends it and expects no body worth reading (e.g. a 204).
    pub async fn send_empty(self) -> Result<(), Error> {
        self.upstream.execute(&self).await.map(drop)
    }

    /// Sends it and returns the answer's bytes and content type.
    pub async fn send_bytes(self) -> Result<Bytes, Error> {
        let answer = self.upstream.execute(&self).await?;
        let content_type = answer
            .headers
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_owned();
        Ok(Bytes {
            content_type,
            body: answer.body.to_vec(),
        })
    }

    /// The service answered 2xx with something that does not decode: the two disagree on
    /// the contract. That is a bug to fix, not an outage: logged, and a 500.
    fn contract_bug(&self, error: &serde_json::Error) -> Error {
        Error::Internal(anyhow::anyhow!(
            "unreadable answer from {} {}{}: {error}",
            self.method,
            self.upstream.config.base_url,
            self.path_and_query
        ))
    }
}

const CLOSED: u8 = 0;
const OPEN: u8 = 1;
const HALF_OPEN: u8 = 2;

/// failsafe's state machine (consecutive failures, a constant cool-down), plus what it
/// does not do itself: in half-open state it lets every call through; this lets exactly
/// one probe through and fails the others fast until the probe's answer decides.
struct Breaker {
    machine: StateMachine<ConsecutiveFailures<Constant>, StateWatch>,
    state: Arc<AtomicU8>,
    probe_in_flight: AtomicBool,
}

/// Follows the state machine's transitions (failsafe reports them through `Instrument`).
struct StateWatch(Arc<AtomicU8>);

impl Instrument for StateWatch {
    fn on_call_rejected(&self) {}

    fn on_open(&self) {
        self.0.store(OPEN, Ordering::SeqCst);
        tracing::warn!("circuit opened: calls fail fast during the cool-down");
    }

    fn on_half_open(&self) {
        self.0.store(HALF_OPEN, Ordering::SeqCst);
    }

    fn on_closed(&self) {
        if self.0.swap(CLOSED, Ordering::SeqCst) != CLOSED {
            tracing::info!("circuit closed: the upstream answers again");
        }
    }
}

impl Breaker {
    fn new(failure_threshold: u32, cool_down: Duration) -> Self {
        let state = Arc::new(AtomicU8::new(CLOSED));
        let machine = failsafe::Config::new()
            .failure_policy(consecutive_failures(
                failure_threshold.max(1),
                backoff::constant(cool_down),
            ))
            .instrument(StateWatch(state.clone()))
            .build();
        Self {
            machine,
            state,
            probe_in_flight: AtomicBool::new(false),
        }
    }

    /// Permission for one call, or `None`: fail fast.
    fn permit(&self) -> Option<Permit<'_>> {
        if !self.machine.is_call_permitted() {
            return None;
        }
        // Not closed (the state may still read "open" for a moment after the machine
        // moved to half-open): this call is the probe, if no other call is.
        let probe = self.state.load(Ordering::SeqCst) != CLOSED;
        if probe && self.probe_in_flight.swap(true, Ordering::SeqCst) {
            return None;
        }
        Some(Permit {
            breaker: self,
            probe,
        })
    }
}

/// One permitted call. Its outcome is recorded with [`Permit::success`] or
/// [`Permit::failure`]; a call dropped half-way (its request was cancelled) records
/// nothing but still frees the probe slot, so the breaker can never stay stuck.
struct Permit<'a> {
    breaker: &'a Breaker,
    probe: bool,
}

impl Permit<'_> {
    fn success(self) {
        self.breaker.machine.on_success();
    }

    fn failure(self) {
        self.breaker.machine.on_error();
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.probe {
            self.breaker.probe_in_flight.store(false, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_breaker_opens_after_the_threshold_and_lets_one_probe_through() {
        let breaker = Breaker::new(2, Duration::from_millis(50));
        breaker.permit().unwrap().failure();
        let second = breaker.permit().expect("one failure is not enough");
        second.failure();
        assert!(breaker.permit().is_none(), "open: fail fast");

        std::thread::sleep(Duration::from_millis(80));
        let probe = breaker.permit().expect("the probe goes through");
        assert!(breaker.permit().is_none(), "only one probe at a time");
        probe.success();
        assert!(breaker.permit().is_some(), "a good probe closes it");
        assert!(breaker.permit().is_some());
    }

    #[test]
    fn a_failed_probe_reopens_and_a_dropped_probe_frees_its_slot() {
        let breaker = Breaker::new(1, Duration::from_millis(50));
        breaker.permit().unwrap().failure();
        std::thread::sleep(Duration::from_millis(80));
        drop(breaker.permit().expect("probe"));
        let probe = breaker
            .permit()
            .expect("a cancelled probe does not block the next");
        probe.failure();
        assert!(breaker.permit().is_none(), "a failed probe re-opens it");
    }
}
