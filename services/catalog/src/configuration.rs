use platform::config::{bind_host, secret_database_url, var_or, ConfigError};
use platform::database::Pool;
use secrecy::SecretString;
use std::time::Duration;

/// How catalog-service runs; every field can be set from the environment. Its `Debug`
/// never shows the database URL (a [`SecretString`]).
#[derive(Debug, Clone)]
pub struct Configuration {
    /// `CATALOG_SERVICE__HOST` (default `127.0.0.1`)
    pub host: String,
    /// `CATALOG_SERVICE__PORT` (default 8101; 0 picks a free port)
    pub port: u16,
    /// `DATABASE_URL` (default a SQLite file under `var/data/`), and
    /// `DATABASE_PASSWORD_FILE` (unset): a file whose content (less its trailing newline)
    /// is the password of a server database's URL — the container secret, so the password
    /// is never in the environment. Start-up fails if the URL has a password too, or is
    /// SQLite's.
    pub database_url: SecretString,
    /// `CATALOG_SERVICE__MAX_CONNECTIONS` (default 16) and `CATALOG_SERVICE__DB_ACQUIRE_TIMEOUT_MS`
    /// (default 500: its BFF waits 800 ms).
    pub pool: Pool,
    /// `CATALOG_SERVICE__RESERVATION_SWEEP_MS` (default 5000, at least 1): how often held
    /// reservations past their TTL are expired and their units put back in stock.
    pub reservation_sweep: Duration,
}

impl Configuration {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            host: bind_host("CATALOG_SERVICE")?,
            port: var_or("CATALOG_SERVICE__PORT", 8101)?,
            database_url: secret_database_url("sqlite://var/data/catalog.db?mode=rwc")?,
            pool: Pool::from_env("CATALOG_SERVICE", Duration::from_millis(500))?,
            reservation_sweep: sweep_interval()?,
        })
    }
}

fn sweep_interval() -> Result<Duration, ConfigError> {
    const KEY: &str = "CATALOG_SERVICE__RESERVATION_SWEEP_MS";
    match var_or(KEY, 5000u64)? {
        0 => Err(ConfigError {
            key: KEY.to_owned(),
            value: "0".to_owned(),
            reason: "the sweep needs an interval of 1 ms or more".to_owned(),
        }),
        ms => Ok(Duration::from_millis(ms)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_never_shows_the_database_url() {
        let configuration = Configuration {
            host: "127.0.0.1".into(),
            port: 8101,
            database_url: "postgres://catalog:hunter2@db:5432/catalog".into(),
            pool: Pool::new(16, Duration::from_millis(500)),
            reservation_sweep: Duration::from_secs(5),
        };
        for shown in [format!("{configuration:?}"), format!("{configuration:#?}")] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(!shown.contains("postgres://"), "{shown}");
        }
    }
}
