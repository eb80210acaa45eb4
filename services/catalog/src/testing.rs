//! Starting a real catalog-service for tests — its own and its clients' (catalog-bff) — on
//! a free port with a fresh database, SQLite or PostgreSQL.
//!
//! PostgreSQL tests use the server at `STOREFRONT_TEST_POSTGRES_URL` (`cargo xtask test`
//! starts a throw-away one) and create a new database per test. Without that variable they
//! are skipped with a notice — unless `STOREFRONT_REQUIRE_POSTGRES` is set, as it is under
//! `cargo xtask test`, in which case a missing server fails the test.

// Test support: failing to set up a test is that test failing.
#![allow(clippy::expect_used)]

use crate::{configuration::Configuration, startup::Application};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use std::sync::atomic::{AtomicU32, Ordering};

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestDatabase {
    Sqlite,
    Postgres,
}

impl TestDatabase {
    /// A URL of a new, empty database, or `None` when PostgreSQL is not available.
    pub async fn create(self) -> Option<String> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "catalog_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or_default()
        );
        match self {
            TestDatabase::Sqlite => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                Some(format!("sqlite://{}?mode=rwc", path.display()))
            }
            TestDatabase::Postgres => {
                let Ok(admin_url) = std::env::var("STOREFRONT_TEST_POSTGRES_URL") else {
                    assert!(
                        std::env::var_os("STOREFRONT_REQUIRE_POSTGRES").is_none(),
                        "STOREFRONT_REQUIRE_POSTGRES is set but STOREFRONT_TEST_POSTGRES_URL is not"
                    );
                    eprintln!("skipped: set STOREFRONT_TEST_POSTGRES_URL (cargo xtask test does) to run the PostgreSQL variant");
                    return None;
                };
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("connecting to the test PostgreSQL server");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("creating a test database");
                admin.close().await.ok();
                let base = admin_url
                    .rsplit_once('/')
                    .map_or(admin_url.as_str(), |(base, _)| base);
                Some(format!("{base}/{name}"))
            }
        }
    }
}

/// A catalog-service running in this process.
pub struct RunningService {
    /// e.g. `http://127.0.0.1:41234`
    pub address: String,
    /// Direct access to its database, to arrange data a test needs.
    pub db: DatabaseConnection,
    handle: actix_web::dev::ServerHandle,
    /// A SQLite file made for this service alone, deleted with it.
    temporary_file: Option<std::path::PathBuf>,
}

impl Drop for RunningService {
    fn drop(&mut self) {
        if let Some(path) = &self.temporary_file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
}

impl RunningService {
    /// Stops the server (in-flight requests finish); its port refuses connections after.
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }
}

/// Starts catalog-service on a free port with a new database; `None` if that database
/// kind is not available here (see the module docs).
pub async fn spawn(database: TestDatabase) -> Option<RunningService> {
    let database_url = database.create().await?;
    let mut service = spawn_on(&database_url).await;
    service.temporary_file = database_url
        .strip_prefix("sqlite://")
        .and_then(|rest| rest.split('?').next())
        .map(std::path::PathBuf::from);
    Some(service)
}

/// Starts catalog-service on a free port with the database at `database_url` (which may
/// already hold a catalog: that is how restarts are tested).
pub async fn spawn_on(database_url: &str) -> RunningService {
    crate::telemetry_for_tests();
    let configuration = Configuration {
        host: "127.0.0.1".into(),
        port: 0,
        database_url: database_url.to_owned(),
        max_connections: 8,
    };
    let application = Application::build(configuration)
        .await
        .expect("starting catalog-service");
    let address = format!("http://127.0.0.1:{}", application.port());
    let db = application.db().clone();
    let handle = application.handle();
    tokio::spawn(application.run_until_stopped());
    RunningService {
        address,
        db,
        handle,
        temporary_file: None,
    }
}

/// Defines `mod <name> { sqlite, postgres }` tests that each run `async fn <name>(service)`
/// against a fresh catalog-service on that database.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    if let Some(service) = $crate::testing::spawn($crate::testing::TestDatabase::Sqlite).await {
                        super::$name(service).await;
                    }
                }

                #[tokio::test]
                async fn postgres() {
                    if let Some(service) = $crate::testing::spawn($crate::testing::TestDatabase::Postgres).await {
                        super::$name(service).await;
                    }
                }
            }
        )*
    };
}
