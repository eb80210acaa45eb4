use platform::config::{bind_host, secret_database_url, var_or, ConfigError};
use platform::database::Pool;
use secrecy::SecretString;
use std::time::Duration;

/// How cart-service runs; every field can be set from the environment.
#[derive(Debug, Clone)]
pub struct Configuration {
    /// `CART_SERVICE__HOST` (default `127.0.0.1`)
    pub host: String,
    /// `CART_SERVICE__PORT` (default 8102; 0 picks a free port)
    pub port: u16,
    /// `DATABASE_URL` (default a SQLite file under `var/data/`), and
    /// `DATABASE_PASSWORD_FILE` (unset): a file whose content (less its trailing newline)
    /// is the password of a server database's URL — the container secret, so the password
    /// is never in the environment. Start-up fails if the URL has a password too, or is
    /// SQLite's. A secret: no `Debug` or log line shows it.
    pub database_url: SecretString,
    /// `CART_SERVICE__MAX_CONNECTIONS` (default 16) and `CART_SERVICE__DB_ACQUIRE_TIMEOUT_MS`
    /// (default 2000: its BFF waits 5 s, a checkout 8 s).
    pub pool: Pool,
    /// `CART_SERVICE__CATALOG_SERVICE_URL` (default `http://127.0.0.1:8101`)
    pub catalog_service_url: String,
    /// `CART_SERVICE__UPSTREAM_TIMEOUT_MS` (default 2000): the most one call to
    /// catalog-service may take, retry included.
    pub upstream_timeout: Duration,
    /// `CART_SERVICE__RESERVATION_TTL_SECONDS` (default 900): how long the catalog holds
    /// the stock of a checkout that is neither committed nor released.
    pub reservation_ttl_seconds: u32,
    /// `CART_SERVICE__CHECKOUT_LEASE_MS` (default 30000): how long a worker (a checkout
    /// request, a recovery pass) holds an order from each step of its saga. Another
    /// replica takes an order over only after that long without a step, so it must be
    /// longer than any one step can take (a catalog call, a charge); and it is how long a
    /// checkout whose process died waits before it is finished.
    pub checkout_lease: Duration,
    /// `CART_SERVICE__RECOVERY_INTERVAL_MS` (default 5000): how often each replica looks
    /// for checkouts whose worker is gone.
    pub recovery_interval: Duration,
    /// `CART_SERVICE__OFFER_CACHE_MS` (default 1000): how long an offer (name, price, units
    /// available) asked of the catalog for an add or a quantity change is used again
    /// before it is asked again; 0 asks every time. Showing a cart and checking out always
    /// ask (checkout's reservation is the authority on stock and price).
    pub offer_cache: Duration,
}

impl Configuration {
    pub fn from_env() -> Result<Self, ConfigError> {
        let reservation_ttl_seconds = var_or("CART_SERVICE__RESERVATION_TTL_SECONDS", 900)?;
        let ttl_range = catalog_service_api::MIN_RESERVATION_TTL_SECONDS
            ..=catalog_service_api::MAX_RESERVATION_TTL_SECONDS;
        if !ttl_range.contains(&reservation_ttl_seconds) {
            return Err(ConfigError {
                key: "CART_SERVICE__RESERVATION_TTL_SECONDS".into(),
                value: reservation_ttl_seconds.to_string(),
                reason: format!(
                    "the catalog holds stock for {} to {} seconds",
                    ttl_range.start(),
                    ttl_range.end()
                ),
            });
        }
        Ok(Self {
            host: bind_host("CART_SERVICE")?,
            port: var_or("CART_SERVICE__PORT", 8102)?,
            database_url: secret_database_url("sqlite://var/data/cart.db?mode=rwc")?,
            pool: Pool::from_env("CART_SERVICE", Duration::from_millis(2000))?,
            catalog_service_url: var_or(
                "CART_SERVICE__CATALOG_SERVICE_URL",
                "http://127.0.0.1:8101".to_owned(),
            )?,
            upstream_timeout: Duration::from_millis(var_or(
                "CART_SERVICE__UPSTREAM_TIMEOUT_MS",
                2000,
            )?),
            reservation_ttl_seconds,
            checkout_lease: Duration::from_millis(var_or(
                "CART_SERVICE__CHECKOUT_LEASE_MS",
                30_000,
            )?),
            recovery_interval: Duration::from_millis(
                var_or("CART_SERVICE__RECOVERY_INTERVAL_MS", 5_000)?.max(10),
            ),
            offer_cache: Duration::from_millis(var_or("CART_SERVICE__OFFER_CACHE_MS", 1000)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_never_shows_the_database_url() {
        let configuration = Configuration {
            host: "127.0.0.1".into(),
            port: 8102,
            database_url: "postgres://cart:hunter2@db:5432/cart".into(),
            pool: Pool::new(16, Duration::from_millis(500)),
            catalog_service_url: "http://127.0.0.1:8101".into(),
            upstream_timeout: Duration::from_secs(2),
            reservation_ttl_seconds: 900,
            checkout_lease: Duration::from_secs(30),
            recovery_interval: Duration::from_secs(5),
            offer_cache: Duration::from_secs(1),
        };
        for shown in [format!("{configuration:?}"), format!("{configuration:#?}")] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(!shown.contains("postgres://"), "{shown}");
        }
    }
}
