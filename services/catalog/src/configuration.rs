use platform::config::{bind_host, var_or, ConfigError};

/// How catalog-service runs; every field can be set from the environment.
#[derive(Debug, Clone)]
pub struct Configuration {
    /// `CATALOG_SERVICE__HOST` (default `127.0.0.1`)
    pub host: String,
    /// `CATALOG_SERVICE__PORT` (default 8101; 0 picks a free port)
    pub port: u16,
    /// `DATABASE_URL` (default a SQLite file under `var/data/`)
    pub database_url: String,
    /// `CATALOG_SERVICE__MAX_CONNECTIONS` (default 16)
    pub max_connections: u32,
}

impl Configuration {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            host: bind_host("CATALOG_SERVICE")?,
            port: var_or("CATALOG_SERVICE__PORT", 8101)?,
            database_url: var_or(
                "DATABASE_URL",
                "sqlite://var/data/catalog.db?mode=rwc".to_owned(),
            )?,
            max_connections: var_or("CATALOG_SERVICE__MAX_CONNECTIONS", 16)?,
        })
    }
}
