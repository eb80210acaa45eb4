use platform::config::{bind_host, optional_path, var_or, ConfigError};
use std::path::PathBuf;
use std::time::Duration;

/// How account-bff runs; every field can be set from the environment.
#[derive(Debug, Clone)]
pub struct Configuration {
    /// `ACCOUNT_BFF__HOST` (default `127.0.0.1`)
    pub host: String,
    /// `ACCOUNT_BFF__PORT` (default 8203; 0 picks a free port)
    pub port: u16,
    /// `ACCOUNT_BFF__ACCOUNT_SERVICE_URL` (default `http://127.0.0.1:8103`)
    pub account_service_url: String,
    /// `ACCOUNT_BFF__UPSTREAM_TIMEOUT_MS` (default 5000): the most one answer may wait for
    /// account-service before the shopper gets an "account unavailable" answer. Generous:
    /// signing in and up hashes the password on purpose slowly (argon2id).
    pub upstream_timeout: Duration,
    /// `ACCOUNT_BFF__IDENTITY_PUBLIC_KEY_FILE` (default `var/keys/identity.pem.pub`):
    /// account-service's public key (SPKI PEM), to tell whether the browser's identity
    /// token is still good or must be renewed.
    pub identity_public_key_file: PathBuf,
    /// `ACCOUNT_BFF__MFE_MANIFEST` (default: none): the published MFE manifest
    /// (`<site>/mfe/manifest.json`). The header's menu is rendered on the server only while
    /// it names the account build this BFF was built with; unset, always.
    pub mfe_manifest: Option<PathBuf>,
}

impl Configuration {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            host: bind_host("ACCOUNT_BFF")?,
            port: var_or("ACCOUNT_BFF__PORT", 8203)?,
            account_service_url: var_or(
                "ACCOUNT_BFF__ACCOUNT_SERVICE_URL",
                "http://127.0.0.1:8103".to_owned(),
            )?,
            upstream_timeout: Duration::from_millis(var_or(
                "ACCOUNT_BFF__UPSTREAM_TIMEOUT_MS",
                5000,
            )?),
            identity_public_key_file: var_or(
                "ACCOUNT_BFF__IDENTITY_PUBLIC_KEY_FILE",
                PathBuf::from("var/keys/identity.pem.pub"),
            )?,
            mfe_manifest: optional_path("ACCOUNT_BFF__MFE_MANIFEST")?,
        })
    }
}
