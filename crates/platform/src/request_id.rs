//! One id per shopper request, followed across processes.
//!
//! nginx gives every request an `X-Request-Id`. Each server reads it (or makes one up when
//! called directly), records it as the `request_id` field of a `tracing` span around the
//! whole request — so every log line written while serving it carries the id — answers it
//! back in the response's `X-Request-Id`, and keeps it for the duration of the request
//! where [`current`] finds it: the upstream client sends it on to the services it calls.
//!
//! The line logged per request names the route's pattern (`/carts/{cart_id}/lines`), never
//! the raw path: a path may carry a bearer identifier (a guest's cart id is the guest's
//! claim to the cart), and no log line may hold one.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tracing::Instrument;

/// The header that carries the id, between nginx, BFFs and services.
pub const HEADER: &str = "x-request-id";

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being served by this task, if any.
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// An id worth keeping from a request header: what nginx sends (32 hex digits) and
/// other reasonable ids; anything else is replaced, so logs can't be forged or flooded.
fn acceptable(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// 32 hex digits, unique enough to follow a request through the logs.
fn generate() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let state = std::collections::hash_map::RandomState::new();
    let mut high = state.build_hasher();
    high.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let mut low = state.build_hasher();
    low.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos()),
    );
    format!("{:016x}{:016x}", high.finish(), low.finish())
}

/// What the log line says for a path no route matched (its path is not logged either).
const UNMATCHED: &str = "(no route)";

/// The middleware: the span, the id for [`current`], one log line per request, and the
/// id in the answer.
pub async fn middleware(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = request
        .headers()
        .get(HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|id| acceptable(id))
        .map_or_else(generate, str::to_owned);
    let span = tracing::info_span!("request", request_id = %id);
    let method = request.method().clone();
    let started = Instant::now();
    let result = REQUEST_ID
        .scope(id.clone(), next.call(request).instrument(span.clone()))
        .await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    let _entered = span.enter();
    match result {
        Ok(mut response) => {
            let status = response.status().as_u16();
            let route = response
                .request()
                .match_pattern()
                .unwrap_or_else(|| UNMATCHED.to_owned());
            tracing::info!(%method, %route, status, elapsed_ms, "served");
            if let Ok(value) = HeaderValue::from_str(&id) {
                response
                    .headers_mut()
                    .insert(HeaderName::from_static(HEADER), value);
            }
            Ok(response)
        }
        Err(error) => {
            tracing::warn!(%method, %error, elapsed_ms, "failed");
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nginx_ids_are_kept_and_odd_ones_are_not() {
        assert!(acceptable("4f1c2b0e9a7d4c3b8e6f5a4d3c2b1a09"));
        assert!(acceptable("bench-1.2_3"));
        assert!(!acceptable(""));
        assert!(!acceptable("has space"));
        assert!(!acceptable("line\nbreak"));
        assert!(!acceptable(&"x".repeat(65)));
    }

    #[test]
    fn generated_ids_differ() {
        let (a, b) = (generate(), generate());
        assert_eq!(a.len(), 32);
        assert!(acceptable(&a));
        assert_ne!(a, b);
    }
}
