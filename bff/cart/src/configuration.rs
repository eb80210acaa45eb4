use platform::config::{bind_host, optional_path, var_or, ConfigError};
use std::path::PathBuf;
use std::time::Duration;

/// How cart-bff runs; every field can be set from the environment.
#[derive(Debug, Clone)]
pub struct Configuration {
    /// `CART_BFF__HOST` (default `127.0.0.1`)
    pub host: String,
    /// `CART_BFF__PORT` (default 8202; 0 picks a free port)
    pub port: u16,
    /// `CART_BFF__CART_SERVICE_URL` (default `http://127.0.0.1:8102`)
    pub cart_service_url: String,
    /// `CART_BFF__UPSTREAM_TIMEOUT_MS` (default 5000): the most one answer may wait for
    /// cart-service before the shopper gets a "cart unavailable" answer. Longer than the
    /// catalog's: a checkout takes several catalog round trips inside cart-service.
    pub upstream_timeout: Duration,
    /// `CART_BFF__IDENTITY_PUBLIC_KEY_FILE` (default `var/keys/identity.pem.pub`):
    /// account-service's public key (SPKI PEM), which tells signed-in shoppers from
    /// guests without asking account-service. Read at start; start-up fails without it.
    pub identity_public_key_file: PathBuf,
    /// `CART_BFF__MFE_MANIFEST` (default: none): the published MFE manifest
    /// (`<site>/mfe/manifest.json`). The badge and the cart's pages are rendered on the
    /// server only while it names the cart build this BFF was built with; unset, always.
    pub mfe_manifest: Option<PathBuf>,
}

impl Configuration {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            host: bind_host("CART_BFF")?,
            port: var_or("CART_BFF__PORT", 8202)?,
            cart_service_url: var_or(
                "CART_BFF__CART_SERVICE_URL",
                "http://127.0.0.1:8102".to_owned(),
            )?,
            upstream_timeout: Duration::from_millis(var_or("CART_BFF__UPSTREAM_TIMEOUT_MS", 5000)?),
            identity_public_key_file: var_or(
                "CART_BFF__IDENTITY_PUBLIC_KEY_FILE",
                PathBuf::from("var/keys/identity.pem.pub"),
            )?,
            mfe_manifest: optional_path("CART_BFF__MFE_MANIFEST")?,
        })
    }
}
