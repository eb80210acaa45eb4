//! Structured logs for every server.

use tracing_subscriber::EnvFilter;

/// Logs to stdout, filtered by `RUST_LOG` (default: `info`, quiet SQL). Safe to call more
/// than once (tests start several servers in one process).
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}
