use platform::config::{bind_host, optional_path, var_or, ConfigError};
use std::path::PathBuf;
use std::time::Duration;

/// How catalog-bff runs; every field can be set from the environment.
#[derive(Debug, Clone)]
pub struct Configuration {
    /// `CATALOG_BFF__HOST` (default `127.0.0.1`)
    pub host: String,
    /// `CATALOG_BFF__PORT` (default 8201; 0 picks a free port)
    pub port: u16,
    /// `CATALOG_BFF__CATALOG_SERVICE_URL` (default `http://127.0.0.1:8101`)
    pub catalog_service_url: String,
    /// `CATALOG_BFF__UPSTREAM_TIMEOUT_MS` (default 800): the most one answer may wait for
    /// catalog-service before the shopper gets a "catalog unavailable" answer.
    pub upstream_timeout: Duration,
    /// `CATALOG_BFF__MFE_MANIFEST` (default: none): the published MFE manifest
    /// (`<site>/mfe/manifest.json`). The first views are rendered only while it names the
    /// catalog build this BFF was built with; unset, always.
    pub mfe_manifest: Option<PathBuf>,
}

impl Configuration {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            host: bind_host("CATALOG_BFF")?,
            port: var_or("CATALOG_BFF__PORT", 8201)?,
            catalog_service_url: var_or(
                "CATALOG_BFF__CATALOG_SERVICE_URL",
                "http://127.0.0.1:8101".to_owned(),
            )?,
            upstream_timeout: Duration::from_millis(var_or(
                "CATALOG_BFF__UPSTREAM_TIMEOUT_MS",
                800,
            )?),
            mfe_manifest: optional_path("CATALOG_BFF__MFE_MANIFEST")?,
        })
    }
}
