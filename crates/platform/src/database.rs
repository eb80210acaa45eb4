//! A service's own database: connecting, migrating, and what its errors mean to a client.

use crate::Error;
use anyhow::Context;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, SqlErr};
use sea_orm_migration::MigratorTrait;
use std::time::Duration;

/// Connects to `url` (SQLite or PostgreSQL) with a pool of `max_connections` and runs the
/// pending migrations of `M`. A SQLite file's folder is created if missing, and SQLite
/// runs in WAL mode: readers never wait for the writer, and a committed write survives a
/// crash. Errors name the URL without its password.
pub async fn connect_and_migrate<M: MigratorTrait>(
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
        db.execute_unprepared(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        )
        .await
        .context("setting SQLite journal mode")?;
    }
    M::up(&db, None)
        .await
        .with_context(|| format!("migrating {}", redact(url)))?;
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

pub use crate::config::redact;

/// What a database error means to the client: a write that clashes with a unique key is
/// a 409, one that refers to a row that does not exist a 422; anything else is our fault
/// (500, logged with `what` was being done).
pub trait DbResultExt<T> {
    fn or_db_error(self, what: &'static str) -> Result<T, Error>;
}

impl<T> DbResultExt<T> for Result<T, DbErr> {
    fn or_db_error(self, what: &'static str) -> Result<T, Error> {
        self.map_err(|error| match error.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                tracing::info!(%error, what, "unique key clash");
                Error::Conflict("That already exists.".into())
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                tracing::info!(%error, what, "foreign key violation");
                Error::Unprocessable {
                    field: None,
                    message: "That refers to something that does not exist.".into(),
                }
            }
            _ => Error::Internal(anyhow::Error::new(error).context(what)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_kept_out_of_messages() {
        assert_eq!(
            redact("postgres://shop:s3cret@db:5432/catalog"),
            "postgres://shop:***@db:5432/catalog"
        );
        assert_eq!(redact("sqlite://var/catalog.db"), "sqlite://var/catalog.db");
    }
}
