use platform::config::{bind_host, database_url, var_or, ConfigError};
use std::str::FromStr;
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
    /// SQLite's. Holds the password: never log it (nor this configuration with `{:?}`).
    pub database_url: String,
    /// `CART_SERVICE__MAX_CONNECTIONS` (default 16)
    pub max_connections: u32,
    /// `CART_SERVICE__CATALOG_SERVICE_URL` (default `http://127.0.0.1:8101`)
    pub catalog_service_url: String,
    /// `CART_SERVICE__UPSTREAM_TIMEOUT_MS` (default 2000): the most one call to
    /// catalog-service may take, retry included.
    pub upstream_timeout: Duration,
    /// `CART_SERVICE__RESERVATION_TTL_SECONDS` (default 900): how long the catalog holds
    /// the stock of a checkout that is neither committed nor released.
    pub reservation_ttl_seconds: u32,
    /// `CART_SERVICE__FAILPOINT` (unset): crash on purpose after a checkout step, for
    /// the crash tests.
    pub failpoint: Option<Failpoint>,
    /// `CART_SERVICE__OFFER_CACHE_MS` (default 1000): how long an offer (name, price, units
    /// available) asked of the catalog for an add or a quantity change is used again
    /// before it is asked again; 0 asks every time. Showing a cart and checking out always
    /// ask (checkout's reservation is the authority on stock and price).
    pub offer_cache: Duration,
}

/// Where a checkout crashes on purpose: the process exits (status 137, as if killed)
/// right after that step's state is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failpoint {
    /// The stock is reserved and the order says `reserved`; nothing is charged yet.
    AfterReserve,
    /// The payment is taken and the order says `paid`; the reservation is not committed.
    AfterPayment,
}

impl FromStr for Failpoint {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "after_reserve" => Ok(Failpoint::AfterReserve),
            "after_payment" => Ok(Failpoint::AfterPayment),
            other => Err(format!(
                "unknown failpoint {other:?}: use after_reserve or after_payment"
            )),
        }
    }
}

impl Configuration {
    pub fn from_env() -> Result<Self, ConfigError> {
        let failpoint: String = var_or("CART_SERVICE__FAILPOINT", String::new())?;
        let failpoint = match failpoint.as_str() {
            "" => None,
            text => Some(text.parse().map_err(|reason| ConfigError {
                key: "CART_SERVICE__FAILPOINT".into(),
                value: text.to_owned(),
                reason,
            })?),
        };
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
            database_url: database_url("sqlite://var/data/cart.db?mode=rwc")?,
            max_connections: var_or("CART_SERVICE__MAX_CONNECTIONS", 16)?,
            catalog_service_url: var_or(
                "CART_SERVICE__CATALOG_SERVICE_URL",
                "http://127.0.0.1:8101".to_owned(),
            )?,
            upstream_timeout: Duration::from_millis(var_or(
                "CART_SERVICE__UPSTREAM_TIMEOUT_MS",
                2000,
            )?),
            reservation_ttl_seconds,
            failpoint,
            offer_cache: Duration::from_millis(var_or("CART_SERVICE__OFFER_CACHE_MS", 1000)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failpoints_are_named_as_documented() {
        assert_eq!("after_reserve".parse(), Ok(Failpoint::AfterReserve));
        assert_eq!("after_payment".parse(), Ok(Failpoint::AfterPayment));
        assert!("after_lunch".parse::<Failpoint>().is_err());
    }
}
