//! The cart slice's servers, started for tests, and the identity keys cart-bff's tests
//! sign their shoppers' tokens with.

use crate::{FreshDatabase, RunningServer, TestDatabase};
use sea_orm::DatabaseConnection;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// cart-service's deadline for catalog-service in tests, as in production.
pub const UPSTREAM_TIMEOUT: Duration = Duration::from_millis(2000);

/// A cart-service running in this process.
pub struct CartService {
    /// e.g. `http://127.0.0.1:41234`
    pub address: String,
    /// Direct access to its database, to arrange or inspect data.
    pub db: DatabaseConnection,
    server: RunningServer,
    _database: Option<FreshDatabase>,
}

impl CartService {
    /// Stops the server; its port refuses connections after.
    pub async fn stop(&self) {
        self.server.stop().await;
    }
}

/// How tests run cart-service: any free port, the database at `database_url`, calling
/// catalog-service at `catalog_url`.
pub fn service_configuration(
    database_url: &str,
    catalog_url: &str,
) -> cart_service::configuration::Configuration {
    cart_service::configuration::Configuration {
        host: "127.0.0.1".into(),
        port: 0,
        database_url: database_url.to_owned(),
        max_connections: 8,
        catalog_service_url: catalog_url.to_owned(),
        upstream_timeout: UPSTREAM_TIMEOUT,
        reservation_ttl_seconds: 900,
        failpoint: None,
        // Tests change stock in the catalog and expect the next add to see it.
        offer_cache: std::time::Duration::ZERO,
    }
}

/// cart-service on a free port with a new database, calling catalog-service at
/// `catalog_url`; `None` if that database kind is not available here.
pub async fn spawn_service(database: TestDatabase, catalog_url: &str) -> Option<CartService> {
    let database = database.create().await?;
    let mut service = spawn_service_on(&database.url, catalog_url).await;
    service._database = Some(database);
    Some(service)
}

/// cart-service on a free port with the database at `database_url`, which may already
/// hold carts and orders (that is how restarts are tested).
pub async fn spawn_service_on(database_url: &str, catalog_url: &str) -> CartService {
    let application =
        cart_service::startup::Application::build(service_configuration(database_url, catalog_url))
            .await
            .expect("starting cart-service");
    let db = application.db.clone();
    let server = RunningServer::spawn(application.server);
    CartService {
        address: server.address.clone(),
        db,
        server,
        _database: None,
    }
}

/// A key pair of the kind account-service signs identity tokens with, made for one test:
/// the public key in a file (what cart-bff reads at start,
/// `CART_BFF__IDENTITY_PUBLIC_KEY_FILE`), and the signer, so the test can mint the tokens
/// of signed-in shoppers — or expired and odd ones. The folder is deleted when dropped.
pub struct IdentityKeys {
    pub public_key_file: PathBuf,
    pub signer: identity::Signer,
    folder: PathBuf,
}

impl IdentityKeys {
    /// A new key pair, its public key written to a new temporary folder.
    pub fn generate() -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let folder = std::env::temp_dir().join(format!(
            "cart-identity-keys-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&folder).expect("making a folder for identity keys");
        let pair = identity::KeyPair::generate().expect("making an identity key pair");
        let public_key_file = folder.join("identity.pem.pub");
        std::fs::write(&public_key_file, &pair.public_pem).expect("writing the public key");
        let signer =
            identity::Signer::from_private_pem(&pair.private_pem).expect("a signer of the key");
        Self {
            public_key_file,
            signer,
            folder,
        }
    }

    /// A valid identity token for `user_id`, as account-bff would set it.
    pub fn token(&self, user_id: &str) -> String {
        self.signer
            .sign(user_id, "test-session", "Ada", identity::now())
            .expect("signing an identity token")
    }
}

impl Drop for IdentityKeys {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}
