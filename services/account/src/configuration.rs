use crate::attempts::Limits;
use platform::config::{bind_host, secret_database_url, var_or, ConfigError};
use platform::database::Pool;
use secrecy::SecretString;
use std::path::PathBuf;
use std::time::Duration;

/// How account-service runs; every field can be set from the environment. Its `Debug`
/// never shows the database URL (a [`SecretString`]).
#[derive(Debug, Clone)]
pub struct Configuration {
    /// `ACCOUNT_SERVICE__HOST` (default `127.0.0.1`)
    pub host: String,
    /// `ACCOUNT_SERVICE__PORT` (default 8103; 0 picks a free port)
    pub port: u16,
    /// `DATABASE_URL` (default a SQLite file under `var/data/`), and
    /// `DATABASE_PASSWORD_FILE` (unset): a file whose content (less its trailing newline)
    /// is the password of a server database's URL — the container secret, so the password
    /// is never in the environment. Start-up fails if the URL has a password too, or is
    /// SQLite's.
    pub database_url: SecretString,
    /// `ACCOUNT_SERVICE__MAX_CONNECTIONS` (default 16) and `ACCOUNT_SERVICE__DB_ACQUIRE_TIMEOUT_MS`
    /// (default 2000: its BFF waits 5 s).
    pub pool: Pool,
    /// `ACCOUNT_SERVICE__SIGNING_KEY_FILE` (default `var/keys/identity.pem`): the Ed25519
    /// private key identity tokens are signed with (PKCS#8 PEM). When it is missing, a new
    /// pair is made there, the public key beside it with `.pub` appended — the file every
    /// BFF verifies tokens with.
    pub signing_key_file: PathBuf,
    /// The limits on sign-in and sign-up attempts (every replica must have the same):
    /// - `ACCOUNT_SERVICE__FAILED_SIGN_INS_PER_ACCOUNT_AND_CLIENT` (default 10),
    /// - `ACCOUNT_SERVICE__FAILED_SIGN_INS_PER_CLIENT` (default 50),
    /// - `ACCOUNT_SERVICE__FAILED_SIGN_INS_PER_ACCOUNT` (default 100, from all clients),
    /// - `ACCOUNT_SERVICE__SIGN_IN_WINDOW_SECONDS` (default 60),
    /// - `ACCOUNT_SERVICE__SIGN_UPS_PER_CLIENT` (default 5),
    /// - `ACCOUNT_SERVICE__SIGN_UP_WINDOW_SECONDS` (default 600).
    pub limits: Limits,
}

impl Configuration {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            host: bind_host("ACCOUNT_SERVICE")?,
            port: var_or("ACCOUNT_SERVICE__PORT", 8103)?,
            database_url: secret_database_url("sqlite://var/data/account.db?mode=rwc")?,
            pool: Pool::from_env("ACCOUNT_SERVICE", Duration::from_millis(2000))?,
            signing_key_file: var_or(
                "ACCOUNT_SERVICE__SIGNING_KEY_FILE",
                PathBuf::from("var/keys/identity.pem"),
            )?,
            limits: limits_from_env()?,
        })
    }
}

fn limits_from_env() -> Result<Limits, ConfigError> {
    let default = Limits::default();
    Ok(Limits {
        failed_per_account_and_client: at_least_one(
            "ACCOUNT_SERVICE__FAILED_SIGN_INS_PER_ACCOUNT_AND_CLIENT",
            default.failed_per_account_and_client,
        )?,
        failed_per_client: at_least_one(
            "ACCOUNT_SERVICE__FAILED_SIGN_INS_PER_CLIENT",
            default.failed_per_client,
        )?,
        failed_per_account: at_least_one(
            "ACCOUNT_SERVICE__FAILED_SIGN_INS_PER_ACCOUNT",
            default.failed_per_account,
        )?,
        sign_in_window: Duration::from_secs(at_least_one(
            "ACCOUNT_SERVICE__SIGN_IN_WINDOW_SECONDS",
            default.sign_in_window.as_secs(),
        )?),
        sign_ups_per_client: at_least_one(
            "ACCOUNT_SERVICE__SIGN_UPS_PER_CLIENT",
            default.sign_ups_per_client,
        )?,
        sign_up_window: Duration::from_secs(at_least_one(
            "ACCOUNT_SERVICE__SIGN_UP_WINDOW_SECONDS",
            default.sign_up_window.as_secs(),
        )?),
    })
}

/// A count or a number of seconds: 0 would refuse every attempt, or none.
fn at_least_one<T>(key: &str, default: T) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + From<u8> + std::fmt::Display,
    T::Err: std::fmt::Display,
{
    let value = var_or(key, default)?;
    if value < T::from(1) {
        return Err(ConfigError {
            key: key.to_owned(),
            value: value.to_string(),
            reason: "must be at least 1".to_owned(),
        });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_never_shows_the_database_url() {
        let configuration = Configuration {
            host: "127.0.0.1".into(),
            port: 8103,
            database_url: "postgres://account:hunter2@db:5432/account".into(),
            pool: Pool::new(16, Duration::from_millis(500)),
            signing_key_file: PathBuf::from("var/keys/identity.pem"),
            limits: Limits::default(),
        };
        for shown in [format!("{configuration:?}"), format!("{configuration:#?}")] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(!shown.contains("postgres://"), "{shown}");
            assert!(shown.contains("8103"), "{shown}");
        }
    }

    #[test]
    fn limits_come_from_the_environment_and_zero_is_refused() {
        std::env::set_var("ACCOUNT_SERVICE__SIGN_UPS_PER_CLIENT", "50");
        std::env::set_var("ACCOUNT_SERVICE__SIGN_IN_WINDOW_SECONDS", "0");
        let refused = limits_from_env().unwrap_err();
        assert_eq!(refused.key, "ACCOUNT_SERVICE__SIGN_IN_WINDOW_SECONDS");
        std::env::remove_var("ACCOUNT_SERVICE__SIGN_IN_WINDOW_SECONDS");
        let limits = limits_from_env().unwrap();
        std::env::remove_var("ACCOUNT_SERVICE__SIGN_UPS_PER_CLIENT");
        assert_eq!(limits.sign_ups_per_client, 50);
        assert_eq!(limits.failed_per_account_and_client, 10);
        assert_eq!(limits.failed_per_account, 100);
        assert_eq!(limits.sign_up_window, Duration::from_secs(600));
    }
}
