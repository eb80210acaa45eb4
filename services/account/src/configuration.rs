use platform::config::{bind_host, database_url, var_or, ConfigError};
use std::path::PathBuf;

/// How account-service runs; every field can be set from the environment.
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
    /// SQLite's. Holds the password: never log it (nor this configuration with `{:?}`).
    pub database_url: String,
    /// `ACCOUNT_SERVICE__MAX_CONNECTIONS` (default 16)
    pub max_connections: u32,
    /// `ACCOUNT_SERVICE__SIGNING_KEY_FILE` (default `var/keys/identity.pem`): the Ed25519
    /// private key identity tokens are signed with (PKCS#8 PEM). When it is missing, a new
    /// pair is made there, the public key beside it with `.pub` appended — the file every
    /// BFF verifies tokens with.
    pub signing_key_file: PathBuf,
}

impl Configuration {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            host: bind_host("ACCOUNT_SERVICE")?,
            port: var_or("ACCOUNT_SERVICE__PORT", 8103)?,
            database_url: database_url("sqlite://var/data/account.db?mode=rwc")?,
            max_connections: var_or("ACCOUNT_SERVICE__MAX_CONNECTIONS", 16)?,
            signing_key_file: var_or(
                "ACCOUNT_SERVICE__SIGNING_KEY_FILE",
                PathBuf::from("var/keys/identity.pem"),
            )?,
        })
    }
}
