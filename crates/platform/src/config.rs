//! Configuration from environment variables, with defaults that run locally.
//!
//! Variables are named `<SERVER>__<SETTING>` (`CATALOG_SERVICE__PORT`), except the
//! conventional `DATABASE_URL` and `DATABASE_PASSWORD_FILE` ([`database_url`]).

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use secrecy::SecretString;
use std::path::Path;
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

/// Reads `key` as a path; `None` when it is unset or empty.
pub fn optional_path(key: &str) -> Result<Option<std::path::PathBuf>, ConfigError> {
    let path: String = var_or(key, String::new())?;
    Ok((!path.is_empty()).then(|| std::path::PathBuf::from(path)))
}

/// The address servers listen on. Loopback unless the deployment says otherwise
/// (containers set `0.0.0.0`, since their network is already private).
pub fn bind_host(prefix: &str) -> Result<String, ConfigError> {
    var_or(&format!("{prefix}__HOST"), "127.0.0.1".to_owned())
}

/// A service's database URL: `DATABASE_URL` (or `default` when it is unset or empty),
/// with the password read from the file named by `DATABASE_PASSWORD_FILE` when that is
/// set and not empty — as a [`SecretString`], since it holds the password: no `Debug`,
/// log line or panic shows it (`expose_secret()` only where the database is connected).
///
/// In containers the database password is a secret mounted as a file (Docker/compose
/// secrets, a Kubernetes Secret volume), never a literal in the environment: the URL
/// names user, host and database (`postgres://storefront@db:5432/catalog`) and the file
/// holds the password. See [`with_password_file`] for the rules; errors never show the
/// password.
pub fn secret_database_url(default: &str) -> Result<SecretString, ConfigError> {
    let url: String = var_or("DATABASE_URL", default.to_owned())?;
    let password_file: String = var_or("DATABASE_PASSWORD_FILE", String::new())?;
    let password_file = (!password_file.is_empty()).then(|| Path::new(&password_file));
    with_password_file(&url, password_file).map(SecretString::from)
}

/// `url` with the password read from `password_file`, when one is given (the core of
/// [`secret_database_url`], without the environment):
/// - the file's content, less its trailing newline and whitespace, becomes the URL's
///   password, percent-encoded (every byte but letters, digits and `-._~`), so any
///   character may appear in it;
/// - a file that cannot be read, or is empty, is an error naming `DATABASE_PASSWORD_FILE`
///   and the path;
/// - a URL that already has a password is an error: the password would be in two places;
/// - only a server database takes a password: a `sqlite:` URL, or any URL without a
///   host, is an error.
///
/// Without a file, `url` is returned as it is. No error shows the password, from the
/// file or from the URL.
pub fn with_password_file(url: &str, password_file: Option<&Path>) -> Result<String, ConfigError> {
    const URL_KEY: &str = "DATABASE_URL";
    const FILE_KEY: &str = "DATABASE_PASSWORD_FILE";
    let Some(password_file) = password_file else {
        return Ok(url.to_owned());
    };
    let file_error = |reason: String| ConfigError {
        key: FILE_KEY.to_owned(),
        value: password_file.display().to_string(),
        reason,
    };
    let mut parsed = url::Url::parse(url).map_err(|error| ConfigError {
        key: URL_KEY.to_owned(),
        value: redact(url),
        reason: format!("{error} (and {FILE_KEY} needs a URL to put the password in)"),
    })?;
    if parsed.scheme() == "sqlite" || !parsed.has_host() || parsed.cannot_be_a_base() {
        return Err(file_error(format!(
            "a password file only applies to a server database (postgres://user@host/db), \
             not to this {}: URL",
            parsed.scheme()
        )));
    }
    if parsed.password().is_some() {
        return Err(file_error(format!(
            "{URL_KEY} already has a password: give it in one place only"
        )));
    }
    let password = std::fs::read_to_string(password_file)
        .map_err(|error| file_error(format!("the password file cannot be read: {error}")))?;
    let password = password.trim_end();
    if password.is_empty() {
        return Err(file_error("the password file is empty".to_owned()));
    }
    parsed
        .set_password(Some(
            // Encoded here: `set_password` alone leaves `%` as it is, which the database
            // driver would then decode.
            &utf8_percent_encode(password, NON_ALPHANUMERIC).to_string(),
        ))
        .map_err(|()| file_error(format!("{URL_KEY} cannot take a password")))?;
    Ok(parsed.into())
}

/// A database URL without its password, for logs and errors: whatever lies between the
/// user name and the last `@` is masked (a careful guess also for a URL that does not
/// parse).
pub fn redact(url: &str) -> String {
    let Some(authority_start) = url.find("://").map(|at| at + 3) else {
        return url.to_owned();
    };
    let rest = &url[authority_start..];
    let Some(at) = rest.rfind('@') else {
        return url.to_owned();
    };
    match rest[..at].split_once(':') {
        Some((user, _)) => format!("{}{user}:***{}", &url[..authority_start], &rest[at..]),
        None => url.to_owned(),
    }
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

    /// A password file in a fresh temporary folder, removed when dropped.
    struct PasswordFile(std::path::PathBuf);

    impl PasswordFile {
        fn new(name: &str, content: &str) -> Self {
            let dir = std::env::temp_dir().join(format!(
                "platform-config-test-{}-{name}",
                std::process::id()
            ));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("password");
            std::fs::write(&path, content).unwrap();
            Self(path)
        }
    }

    impl Drop for PasswordFile {
        fn drop(&mut self) {
            if let Some(dir) = self.0.parent() {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }

    #[test]
    fn without_a_password_file_the_url_is_kept_as_it_is() {
        for url in [
            "sqlite://var/data/catalog.db?mode=rwc",
            "postgres://user:pass@host/catalog",
            "not a url",
        ] {
            assert_eq!(with_password_file(url, None).unwrap(), url);
        }
    }

    #[test]
    fn the_file_becomes_the_password_less_its_trailing_newline() {
        let file = PasswordFile::new("plain", "secretpw\n");
        let url = with_password_file("postgres://storefront@db:5432/catalog", Some(&file.0));
        assert_eq!(
            url.unwrap(),
            "postgres://storefront:secretpw@db:5432/catalog"
        );
    }

    #[test]
    fn any_character_of_the_password_is_percent_encoded() {
        let file = PasswordFile::new("special", "p@ss:w/rd%41 é?#\r\n");
        let url =
            with_password_file("postgres://u@db/catalog?sslmode=disable", Some(&file.0)).unwrap();
        assert_eq!(
            url,
            "postgres://u:p%40ss%3Aw%2Frd%2541%20%C3%A9%3F%23@db/catalog?sslmode=disable"
        );
        let parsed = url::Url::parse(&url).unwrap();
        assert_eq!(parsed.host_str(), Some("db"));
        assert_eq!(parsed.username(), "u");
        assert_eq!(parsed.path(), "/catalog");
    }

    #[test]
    fn a_password_in_both_places_is_refused_without_showing_either() {
        let file = PasswordFile::new("both", "fromfile");
        let error = with_password_file("postgres://u:inurl@db/catalog", Some(&file.0)).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("DATABASE_PASSWORD_FILE"), "{message}");
        assert!(message.contains("already has a password"), "{message}");
        assert!(
            !message.contains("inurl") && !message.contains("fromfile"),
            "{message}"
        );
    }

    #[test]
    fn a_sqlite_url_takes_no_password_file() {
        let file = PasswordFile::new("sqlite", "secretpw");
        for url in ["sqlite://var/data/catalog.db?mode=rwc", "sqlite::memory:"] {
            let message = with_password_file(url, Some(&file.0))
                .unwrap_err()
                .to_string();
            assert!(message.contains("server database"), "{message}");
            assert!(!message.contains("secretpw"), "{message}");
        }
    }

    #[test]
    fn an_unreadable_or_empty_file_names_the_variable_and_the_path() {
        let missing = std::env::temp_dir().join("platform-config-test-surely/missing");
        let message = with_password_file("postgres://u@db/catalog", Some(&missing))
            .unwrap_err()
            .to_string();
        assert!(message.contains("DATABASE_PASSWORD_FILE"), "{message}");
        assert!(
            message.contains(&missing.display().to_string()),
            "{message}"
        );
        assert!(message.contains("cannot be read"), "{message}");

        let empty = PasswordFile::new("empty", "\n");
        let message = with_password_file("postgres://u@db/catalog", Some(&empty.0))
            .unwrap_err()
            .to_string();
        assert!(message.contains("is empty"), "{message}");
    }

    #[test]
    fn the_database_url_never_shows_in_debug() {
        use secrecy::ExposeSecret;
        let url = SecretString::from("postgres://shop:hunter2@db:5432/catalog");
        for shown in [format!("{url:?}"), format!("{:?}", Some(&url))] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(!shown.contains("postgres://"), "{shown}");
        }
        assert_eq!(
            url.expose_secret(),
            "postgres://shop:hunter2@db:5432/catalog"
        );
    }

    #[test]
    fn a_url_that_does_not_parse_is_shown_without_its_password() {
        let file = PasswordFile::new("unparsable", "secretpw");
        let message = with_password_file("postgres://u:hunter2@db:port/catalog", Some(&file.0))
            .unwrap_err()
            .to_string();
        assert!(message.contains("DATABASE_URL"), "{message}");
        assert!(
            message.contains("postgres://u:***@db:port/catalog"),
            "{message}"
        );
        assert!(!message.contains("hunter2"), "{message}");

        let message = with_password_file("postgres://u:a/b@db:port/catalog", Some(&file.0))
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("postgres://u:***@db:port/catalog"),
            "{message}"
        );
    }
}
