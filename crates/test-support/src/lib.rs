//! What every slice's tests share.
//!
//! - [`TestDatabase`]: a fresh database per test, SQLite or PostgreSQL, removed afterwards;
//! - [`on_both_databases!`]: one test body, run once on each;
//! - [`RunningServer`]: a server started in this process on a free port, and [`http`] to
//!   speak to it;
//! - one module per slice ([`catalog`], [`cart`]) with that slice's servers started for
//!   tests, so the service's, the BFF's and any other tests set them up the same way.
//!
//! PostgreSQL tests use the server at `STOREFRONT_TEST_POSTGRES_URL` (`cargo xtask test`
//! starts a throw-away one) and create a new database per test. Without that variable they
//! are skipped with a notice — unless `STOREFRONT_REQUIRE_POSTGRES` is set, as it is under
//! `cargo xtask test`, in which case a missing server fails the test.

// Test support: failing to set up a test is that test failing.
#![allow(clippy::expect_used)]

pub mod account;
pub mod account_bff;
pub mod cart;
pub mod catalog;
pub mod fragment;
pub mod http;
pub mod keys;
pub mod proxy;

use sea_orm::{ConnectionTrait, Database};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestDatabase {
    Sqlite,
    Postgres,
}

/// A database made for one test. A SQLite file is deleted when this is dropped; a
/// PostgreSQL database lives as long as the throw-away server.
#[derive(Debug)]
pub struct FreshDatabase {
    pub url: String,
    file: Option<PathBuf>,
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        if let Some(path) = &self.file {
            for suffix in ["", "-wal", "-shm", ".lock"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
}

impl TestDatabase {
    /// A new, empty database, or `None` when PostgreSQL is not available here.
    pub async fn create(self) -> Option<FreshDatabase> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "storefront_test_{}_{}_{}",
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
                Some(FreshDatabase {
                    url: format!("sqlite://{}?mode=rwc", path.display()),
                    file: Some(path),
                })
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
                Some(FreshDatabase {
                    url: format!("{base}/{name}"),
                    file: None,
                })
            }
        }
    }
}

/// A server running in this process (on the test's runtime), stopped with [`stop`].
///
/// [`stop`]: RunningServer::stop
pub struct RunningServer {
    /// e.g. `http://127.0.0.1:41234`
    pub address: String,
    handle: actix_web::dev::ServerHandle,
}

impl RunningServer {
    /// Runs `server` in the background.
    pub fn spawn(server: platform::server::Server) -> Self {
        logs_for_tests();
        let address = format!("http://127.0.0.1:{}", server.port());
        let handle = server.handle();
        tokio::spawn(server.run_until_stopped());
        Self { address, handle }
    }

    /// Stops the server (in-flight requests finish); its port refuses connections after.
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }
}

/// Logs of servers started by tests, shown when a test fails (`RUST_LOG` to choose).
fn logs_for_tests() {
    if std::env::var_os("RUST_LOG").is_some() {
        platform::telemetry::init();
    }
}

/// Defines `mod <name> { sqlite, postgres }` tests that each run `async fn <name>(server)`
/// with what `$spawn(TestDatabase)` started on that database. `$spawn` must be a path that
/// resolves from inside a module, e.g. `test_support::catalog::spawn_service`.
#[macro_export]
macro_rules! on_both_databases {
    ($spawn:path => $($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    if let Some(server) = $spawn($crate::TestDatabase::Sqlite).await {
                        super::$name(server).await;
                    }
                }

                #[tokio::test]
                async fn postgres() {
                    if let Some(server) = $spawn($crate::TestDatabase::Postgres).await {
                        super::$name(server).await;
                    }
                }
            }
        )*
    };
}
