//! Connecting to the catalog database and bringing it up to date.

use crate::{migration::Migrator, seed};
use anyhow::Context;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use sea_orm_migration::MigratorTrait;
use std::time::Duration;

/// Connects, runs pending migrations and seeds an empty catalog.
pub async fn connect_and_prepare(
    url: &str,
    max_connections: u32,
) -> anyhow::Result<DatabaseConnection> {
    create_sqlite_parent_dir(url)?;
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false);
    let db = Database::connect(options)
        .await
        .with_context(|| format!("connecting to {}", redact(url)))?;
    if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        // Readers never wait for the writer, and a committed write survives a crash.
        db.execute_unprepared("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
            .await
            .context("setting SQLite journal mode")?;
    }
    Migrator::up(&db, None)
        .await
        .context("running migrations")?;
    seed::seed_if_empty(&db)
        .await
        .context("seeding the catalog")?;
    Ok(db)
}

/// `sqlite://var/data/catalog.db?mode=rwc` needs `var/data/` to exist.
fn create_sqlite_parent_dir(url: &str) -> anyhow::Result<()> {
    let Some(path) = url.strip_prefix("sqlite://") else {
        return Ok(());
    };
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = std::path::Path::new(path).parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
    }
    Ok(())
}

/// The URL without its password, for logs and errors.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_kept_out_of_messages() {
        assert_eq!(
            redact("postgres://shop:s3cret@db:5432/catalog"),
            "postgres://shop:***@db:5432/catalog"
        );
        assert_eq!(redact("sqlite://var/catalog.db"), "sqlite://var/catalog.db");
    }
}
