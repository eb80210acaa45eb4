//! cart-service as its own process — the real binary, built with failpoints for these
//! tests — on a database other processes share: how replicas, crashes and restarts are
//! tested.

use cart_service_api::paths;
use reqwest::StatusCode;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use test_support::catalog::CatalogService;
use test_support::{FreshDatabase, TestDatabase};

/// A catalog in this process, and a database for cart-service processes to share.
pub struct Fixture {
    pub catalog: CatalogService,
    pub database: FreshDatabase,
}

pub async fn fixture(database: TestDatabase) -> Option<Fixture> {
    let catalog = test_support::catalog::spawn_service(database).await?;
    let database = database.create().await?;
    Some(Fixture { catalog, database })
}

/// A cart-service process, killed when dropped.
pub struct Process {
    child: Child,
    pub address: String,
    port_file: PathBuf,
    log: PathBuf,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.port_file);
        let _ = std::fs::remove_file(&self.log);
    }
}

impl Process {
    /// Starts the binary on `database_url`, calling the catalog at `catalog_url`, with
    /// `env` on top (failpoints, leases), and waits until it listens.
    pub async fn start(database_url: &str, catalog_url: &str, env: &[(&str, &str)]) -> Self {
        static STARTS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let name = format!(
            "cart-service-{}-{}",
            std::process::id(),
            STARTS.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        let port_file = std::env::temp_dir().join(format!("{name}.port"));
        let log = std::env::temp_dir().join(format!("{name}.log"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_cart-service"));
        command
            .env("NO_COLOR", "1")
            .env("CART_SERVICE__PORT", "0")
            .env("CART_SERVICE__HOST", "127.0.0.1")
            .env("DATABASE_URL", database_url)
            .env("CART_SERVICE__CATALOG_SERVICE_URL", catalog_url)
            .env("CART_SERVICE__RECOVERY_INTERVAL_MS", "100")
            .env("STOREFRONT_PORT_FILE", &port_file)
            .env_remove("FAILPOINTS")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).expect("creating a log file"))
            .stderr(Stdio::inherit());
        let mut child = command.spawn().expect("starting cart-service");
        let deadline = Instant::now() + Duration::from_secs(60);
        let port: u16 = loop {
            if let Some(port) = std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|text| text.trim().parse().ok())
            {
                break port;
            }
            if let Some(status) = child.try_wait().expect("looking at cart-service") {
                panic!(
                    "cart-service exited ({status}) before it listened:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "cart-service did not report its port"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        Self {
            child,
            address: format!("http://127.0.0.1:{port}"),
            port_file,
            log,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// What it logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits for the process to end by itself; its exit code.
    pub async fn exit_code(&mut self) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("looking at cart-service") {
                return status.code();
            }
            assert!(Instant::now() < deadline, "cart-service did not exit");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sets failpoint `name` to `actions` in the running process.
    pub async fn set_failpoint(&self, name: &str, actions: &str) {
        let answer = super::client()
            .put(self.url(&format!("/failpoints/{name}")))
            .body(actions.to_owned())
            .send()
            .await
            .expect("setting a failpoint");
        assert_eq!(answer.status(), StatusCode::NO_CONTENT);
    }

    /// Takes failpoint `name` out: a checkout paused there goes on.
    pub async fn clear_failpoint(&self, name: &str) {
        let answer = super::client()
            .delete(self.url(&format!("/failpoints/{name}")))
            .send()
            .await
            .expect("clearing a failpoint");
        assert_eq!(answer.status(), StatusCode::NO_CONTENT);
    }

    /// A new cart holding `quantity` of `product_id`.
    pub async fn cart_with(&self, product_id: i64, quantity: i32) -> String {
        let (status, body) = super::send(super::client().post(self.url(paths::CARTS))).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let cart_id = body["id"].as_str().expect("a cart id").to_owned();
        let (status, body) = super::send(
            super::client()
                .post(self.url(&paths::lines(&cart_id)))
                .json(&serde_json::json!({ "product_id": product_id, "quantity": quantity })),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        cart_id
    }
}
