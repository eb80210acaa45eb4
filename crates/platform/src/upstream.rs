//! A guarded HTTP client for one upstream service, as BFFs use it.
//!
//! - one pooled keep-alive client per upstream (a new TCP connection per call costs ~4×);
//! - a deadline on every call, so a slow service can never hang the BFF;
//! - one immediate retry of a GET whose connection failed before it was sent (safe: GETs
//!   are idempotent, and this is the classic stale-pooled-connection race);
//! - a circuit breaker: after repeated failures calls fail at once for a cool-down, giving
//!   the service room to recover and the shopper an immediate degraded answer.
//!
//! Every failure that is the upstream's fault becomes [`Error::Unavailable`] with this
//! upstream's code (`catalog_unavailable`); 4xx answers pass through as the matching error.

use crate::Error;
use error_body::ErrorBody;
use serde::de::DeserializeOwned;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How an upstream is reached and guarded.
#[derive(Debug, Clone)]
pub struct UpstreamConfig {
    /// e.g. `http://127.0.0.1:8101`
    pub base_url: String,
    /// The most a whole call may take, retry included.
    pub timeout: Duration,
    /// Consecutive failures that open the circuit.
    pub failure_threshold: u32,
    /// How long an open circuit fails fast before letting a call through again.
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
    breaker: Mutex<Breaker>,
    /// The error code and shopper-facing message when it is unavailable.
    unavailable_code: String,
    unavailable_message: String,
}

#[derive(Debug, Default)]
struct Breaker {
    consecutive_failures: u32,
    open_until: Option<Instant>,
}

/// A raw answer (e.g. an image) with its content type.
pub struct Bytes {
    pub content_type: String,
    pub body: Vec<u8>,
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
            config,
            client,
            breaker: Mutex::new(Breaker::default()),
            unavailable_code: unavailable_code.into(),
            unavailable_message: unavailable_message.into(),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.config.base_url
    }

    /// GETs `path_and_query` and reads its JSON answer.
    pub async fn get_json<T: DeserializeOwned>(&self, path_and_query: &str) -> Result<T, Error> {
        let response = self.get(path_and_query).await?;
        response.json::<T>().await.map_err(|error| {
            self.record(false);
            self.unavailable(format!("unreadable answer from {path_and_query}: {error}"))
        })
    }

    /// GETs `path_and_query` as raw bytes.
    pub async fn get_bytes(&self, path_and_query: &str) -> Result<Bytes, Error> {
        let response = self.get(path_and_query).await?;
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_owned();
        let body = response
            .bytes()
            .await
            .map_err(|error| self.unavailable(format!("reading {path_and_query}: {error}")))?;
        Ok(Bytes {
            content_type,
            body: body.to_vec(),
        })
    }

    /// Whether the upstream answers its health check right now (for `/readyz`).
    pub async fn is_healthy(&self, path: &str) -> bool {
        let url = format!("{}{path}", self.config.base_url);
        matches!(
            self.client.get(url).timeout(self.config.timeout).send().await,
            Ok(response) if response.status().is_success()
        )
    }

    /// A 2xx response, or the error to answer with.
    async fn get(&self, path_and_query: &str) -> Result<reqwest::Response, Error> {
        if self.is_open() {
            return Err(self.unavailable(format!("circuit open, skipped {path_and_query}")));
        }
        let url = format!("{}{path_and_query}", self.config.base_url);
        let deadline = Instant::now() + self.config.timeout;
        let mut attempt = self.send(&url, deadline).await;
        if let Err(error) = &attempt {
            if error.is_connect() && !error.is_timeout() && Instant::now() < deadline {
                attempt = self.send(&url, deadline).await;
            }
        }
        let response = match attempt {
            Ok(response) => response,
            Err(error) => {
                self.record(false);
                return Err(self.unavailable(format!("GET {url}: {error}")));
            }
        };
        let status = response.status();
        if status.is_success() {
            self.record(true);
            return Ok(response);
        }
        if status.is_server_error() {
            self.record(false);
            return Err(self.unavailable(format!("GET {url} answered {status}")));
        }
        // A 4xx is the request's fault, not the upstream's: the circuit stays as it is.
        self.record(true);
        let body = response.json::<ErrorBody>().await.ok();
        Err(match (status.as_u16(), body) {
            (404, Some(body)) => Error::NotFound(body.error.message),
            (404, None) => Error::NotFound("Not found".into()),
            (400 | 422, Some(body)) => Error::InvalidParameter {
                field: body.error.field,
                message: body.error.message,
            },
            (code, _) => Error::Internal(anyhow::anyhow!("GET {url} answered {code}")),
        })
    }

    async fn send(&self, url: &str, deadline: Instant) -> reqwest::Result<reqwest::Response> {
        let left = deadline.saturating_duration_since(Instant::now());
        self.client.get(url).timeout(left).send().await
    }

    fn is_open(&self) -> bool {
        let Ok(mut breaker) = self.breaker.lock() else {
            return false;
        };
        match breaker.open_until {
            Some(until) if Instant::now() < until => true,
            Some(_) => {
                // Half-open: let calls through; the next failure re-opens at once.
                breaker.open_until = None;
                breaker.consecutive_failures = self.config.failure_threshold.saturating_sub(1);
                false
            }
            None => false,
        }
    }

    fn record(&self, success: bool) {
        let Ok(mut breaker) = self.breaker.lock() else {
            return;
        };
        if success {
            breaker.consecutive_failures = 0;
            return;
        }
        breaker.consecutive_failures += 1;
        if breaker.consecutive_failures >= self.config.failure_threshold {
            breaker.open_until = Some(Instant::now() + self.config.cool_down);
        }
    }

    fn unavailable(&self, cause: String) -> Error {
        tracing::warn!(upstream = %self.config.base_url, %cause, "upstream unavailable");
        Error::Unavailable {
            code: self.unavailable_code.clone(),
            message: self.unavailable_message.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dead_upstream(threshold: u32) -> Upstream {
        // Port 9 (discard) on loopback is closed on these machines: connections are refused.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let mut config = UpstreamConfig::new(
            format!("http://127.0.0.1:{port}"),
            Duration::from_millis(300),
        );
        config.failure_threshold = threshold;
        config.cool_down = Duration::from_secs(60);
        Upstream::new(config, "test_unavailable", "Test is unavailable").unwrap()
    }

    #[tokio::test]
    async fn a_refused_connection_is_an_unavailable_error_with_the_upstream_code() {
        let upstream = dead_upstream(5);
        let error = upstream
            .get_json::<serde_json::Value>("/x")
            .await
            .unwrap_err();
        assert_eq!(error.code(), "test_unavailable");
    }

    #[tokio::test]
    async fn the_circuit_opens_after_repeated_failures() {
        let upstream = dead_upstream(2);
        for _ in 0..2 {
            let _ = upstream.get_json::<serde_json::Value>("/x").await;
        }
        assert!(upstream.is_open());
    }
}
