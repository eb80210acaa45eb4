//! Configuration from environment variables, with defaults that run locally.
//!
//! Variables are named `<SERVER>__<SETTING>` (`CATALOG_SERVICE__PORT`), except the
//! conventional `DATABASE_URL`.

use std::str::FromStr;

#[derive(Debug, thiserror::Error)]
#[error("environment variable {key}={value:?} is not valid: {reason}")]
pub struct ConfigError {
    pub key: String,
    pub value: String,
    pub reason: String,
}

/// Reads `key`, or `default` when it is unset or empty.
pub fn var_or<T>(key: &str, default: T) -> Result<T, ConfigError>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    match std::env::var(key) {
        Ok(value) if !value.trim().is_empty() => {
            value.trim().parse().map_err(|error: T::Err| ConfigError {
                key: key.to_owned(),
                value,
                reason: error.to_string(),
            })
        }
        _ => Ok(default),
    }
}

/// The address servers listen on. Loopback unless the deployment says otherwise
/// (containers set `0.0.0.0`, since their network is already private).
pub fn bind_host(prefix: &str) -> Result<String, ConfigError> {
    var_or(&format!("{prefix}__HOST"), "127.0.0.1".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_variables_fall_back_to_the_default() {
        assert_eq!(var_or("PLATFORM_TEST__SURELY_UNSET", 7u16).unwrap(), 7);
    }

    #[test]
    fn invalid_values_name_the_variable() {
        std::env::set_var("PLATFORM_TEST__BAD_PORT", "eighty");
        let error = var_or("PLATFORM_TEST__BAD_PORT", 80u16).unwrap_err();
        assert!(
            error.to_string().contains("PLATFORM_TEST__BAD_PORT"),
            "{error}"
        );
    }
}
