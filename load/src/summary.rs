//! A run's numbers, as `storefront-load` writes them (`STOREFRONT_LOAD_SUMMARY`).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a run did, per endpoint and in all.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    pub seconds: usize,
    pub requests: usize,
    pub per_second: f64,
    /// Requests that failed (right refusals are not failures).
    pub errors: usize,
    /// By request name (`POST /api/cart/checkout`).
    pub endpoints: BTreeMap<String, Endpoint>,
    /// Errors by "<request> <status> <code or cause>" (status 0: no answer).
    pub error_kinds: BTreeMap<String, usize>,
    /// Each error: when (milliseconds since the UNIX epoch) and which request — to tell
    /// which fault caused which.
    pub error_times: Vec<(u64, String)>,
    /// Right refusals by "<request> <status> <code>".
    pub refusals: BTreeMap<String, usize>,
    /// Orders the shop acknowledged.
    pub acknowledged_orders: Vec<Acknowledged>,
}

/// One endpoint's numbers.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Endpoint {
    pub requests: usize,
    pub errors: usize,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub statuses: BTreeMap<u16, usize>,
}

/// An order the shop acknowledged: 201 (placed) or 202 (being finished).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledged {
    pub order_id: String,
    pub status: u16,
}

impl Summary {
    /// Reads a summary file.
    pub fn read(path: &std::path::Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| anyhow::anyhow!("reading {}: {error}", path.display()))?;
        Ok(serde_json::from_str(&text)?)
    }

    /// The errors of requests to `prefix` (`/api/cart/`) between `from` and `to` (ms since
    /// the epoch).
    pub fn errors_between(&self, prefix: &str, from: u64, to: u64) -> usize {
        self.error_times
            .iter()
            .filter(|(at, name)| (from..=to).contains(at) && name.contains(prefix))
            .count()
    }
}
