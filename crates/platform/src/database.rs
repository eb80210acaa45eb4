//! A service's own database: connecting, migrating, and what its errors mean to a client.

use crate::config::{var_or, ConfigError};
use crate::Error;
use anyhow::Context;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DbErr, SqlErr,
    TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use std::time::Duration;

/// A service's connection pool: how many connections, and how long a request waits for
/// one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pool {
    /// `<SERVICE>__MAX_CONNECTIONS` (default 16).
    pub max_connections: u32,
    /// `<SERVICE>__DB_ACQUIRE_TIMEOUT_MS`: the longest a request waits for a connection
    /// (while the database restarts, or every connection is busy) before it is answered
    /// 503 `database_unavailable`. Shorter than the service's callers wait, so they get
    /// that answer — which they pass on — instead of running out of time themselves, which
    /// their circuit breakers would count against the service.
    pub acquire_timeout: Duration,
}

impl Pool {
    pub fn new(max_connections: u32, acquire_timeout: Duration) -> Self {
        Self {
            max_connections,
            acquire_timeout,
        }
    }

    /// From `<service>__MAX_CONNECTIONS` and `<service>__DB_ACQUIRE_TIMEOUT_MS` (e.g.
    /// `CATALOG_SERVICE`), with `acquire_timeout` as the default wait.
    pub fn from_env(service: &str, acquire_timeout: Duration) -> Result<Self, ConfigError> {
        let default_ms = u64::try_from(acquire_timeout.as_millis()).unwrap_or(u64::MAX);
        Ok(Self {
            max_connections: var_or(&format!("{service}__MAX_CONNECTIONS"), 16)?,
            acquire_timeout: Duration::from_millis(var_or(
                &format!("{service}__DB_ACQUIRE_TIMEOUT_MS"),
                default_ms,
            )?),
        })
    }
}

/// Connects to `url` (SQLite or PostgreSQL) with `pool` and runs the
/// pending migrations of `M` — one replica at a time: under a PostgreSQL advisory lock
/// (held by the migrating transaction), or an exclusive lock on a file beside the SQLite
/// database, so replicas starting together (a rolling update, a scale-up) never apply one
/// migration twice. A SQLite file's folder is created if missing, and every SQLite
/// connection runs in WAL mode (readers never wait for the writer, a committed write
/// survives a crash) with `synchronous=NORMAL` and a 5 s busy timeout. Errors name the URL
/// without its password.
pub async fn connect_and_migrate<M: MigratorTrait>(
    url: &str,
    pool: Pool,
) -> anyhow::Result<DatabaseConnection> {
    create_sqlite_parent_dir(url)?;
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(pool.max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(pool.acquire_timeout)
        .sqlx_logging(false)
        // Pragmas are per connection: set on every one the pool opens, not on one of them.
        .map_sqlx_sqlite_opts(|sqlite| {
            sqlite
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
        });
    // SQLite: the lock is taken before connecting, since a new database file is switched
    // to WAL by the first connection, which processes connecting at once can refuse.
    let sqlite_lock = match sqlite_file(url) {
        Some(file) => Some(lock_file(format!("{}.lock", file.display()).into()).await?),
        None => None,
    };
    let db = Database::connect(options)
        .await
        .with_context(|| format!("connecting to {}", redact(url)))?;
    migrate::<M>(&db)
        .await
        .with_context(|| format!("migrating {}", redact(url)))?;
    drop(sqlite_lock);
    Ok(db)
}

/// The advisory lock key every service's migrations take (advisory locks are per
/// database, and each service has its own).
const MIGRATION_LOCK: i64 = 0x5707_ef20;

/// Runs `M`'s pending migrations; on PostgreSQL under the database's migration lock (a
/// SQLite database's lock file is held by the caller).
async fn migrate<M: MigratorTrait>(db: &DatabaseConnection) -> anyhow::Result<()> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        let transaction = db.begin().await?;
        transaction
            .execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
            .await
            .context("waiting for the migration lock")?;
        M::up(&transaction, None).await?;
        transaction.commit().await?;
    } else {
        M::up(db, None).await?;
    }
    Ok(())
}

/// An exclusive lock on `path` (made if missing), released when the file is dropped.
async fn lock_file(path: std::path::PathBuf) -> anyhow::Result<std::fs::File> {
    tokio::task::spawn_blocking(move || {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        file.lock()
            .with_context(|| format!("locking {}", path.display()))?;
        Ok(file)
    })
    .await?
}

/// The file of a `sqlite://` URL, if it names one (not `:memory:`).
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let path = url.strip_prefix("sqlite://")?.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}

/// `sqlite://var/data/catalog.db?mode=rwc` needs `var/data/` to exist.
fn create_sqlite_parent_dir(url: &str) -> anyhow::Result<()> {
    let Some(path) = sqlite_file(url) else {
        return Ok(());
    };
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
    }
    Ok(())
}

pub use crate::config::redact;

/// What a database error means to the client: a write that clashes with a unique key is
/// a 409, one that refers to a row that does not exist a 422; a database that cannot be
/// reached (restarting, connections dropped, the pool out of connections) is a degraded
/// 503 `database_unavailable` — the service answers, quickly and truthfully, so its callers
/// pass it on without counting it against the service (their circuit breakers stay
/// closed and let the next request through the moment the database is back); anything
/// else is our fault (500, logged with `what` was being done).
pub trait DbResultExt<T> {
    fn or_db_error(self, what: &'static str) -> Result<T, Error>;
}

impl<T> DbResultExt<T> for Result<T, DbErr> {
    fn or_db_error(self, what: &'static str) -> Result<T, Error> {
        self.map_err(|error| error_of(error, what))
    }
}

/// What `error`, met while doing `what`, means to the client (see [`DbResultExt`]).
pub fn error_of(error: DbErr, what: &'static str) -> Error {
    if is_unreachable(&error) {
        tracing::warn!(%error, what, "the database cannot be reached");
        return Error::Unavailable {
            code: "database_unavailable".into(),
            message: "This part of the shop cannot reach its data just now. Please try \
                      again in a moment."
                .into(),
        };
    }
    db_error(error, what)
}

/// Whether `error` says the database could not be reached, rather than that a statement
/// failed: the pool could not give a connection, the connection broke, or the server is
/// shutting down or refusing connections (SQLSTATE classes 08 and 57).
pub fn is_unreachable(error: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    use sea_orm::RuntimeErr;
    let sqlx = match error {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(RuntimeErr::SqlxError(sqlx))
        | DbErr::Exec(RuntimeErr::SqlxError(sqlx))
        | DbErr::Query(RuntimeErr::SqlxError(sqlx)) => sqlx,
        DbErr::Conn(_) => return true,
        _ => return false,
    };
    match sqlx {
        Sqlx::Io(_)
        | Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed
        | Sqlx::Tls(_)
        | Sqlx::Protocol(_) => true,
        Sqlx::Database(database) => database
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57")),
        _ => false,
    }
}

/// A database that answered: a constraint it enforced, or our fault.
fn db_error(error: DbErr, what: &'static str) -> Error {
    match error.sql_err() {
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
