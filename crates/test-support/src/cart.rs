//! The cart slice's servers, started for tests.

use crate::{FreshDatabase, RunningServer, TestDatabase};
use sea_orm::DatabaseConnection;
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
