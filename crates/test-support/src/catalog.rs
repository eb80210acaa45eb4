//! The catalog slice's servers, started for tests.

use crate::{FreshDatabase, RunningServer, TestDatabase};
use sea_orm::DatabaseConnection;
use std::time::Duration;

/// The BFF's deadline for catalog-service in tests, as in production.
pub const UPSTREAM_TIMEOUT: Duration = Duration::from_millis(800);

/// A catalog-service running in this process.
pub struct CatalogService {
    /// e.g. `http://127.0.0.1:41234`
    pub address: String,
    /// Direct access to its database, to arrange or inspect data.
    pub db: DatabaseConnection,
    server: RunningServer,
    _database: Option<FreshDatabase>,
}

impl CatalogService {
    /// Stops the server; its port refuses connections after.
    pub async fn stop(&self) {
        self.server.stop().await;
    }
}

/// catalog-service on a free port with a new, seeded database; `None` if that database
/// kind is not available here.
pub async fn spawn_service(database: TestDatabase) -> Option<CatalogService> {
    let database = database.create().await?;
    let mut service = spawn_service_on(&database.url).await;
    service._database = Some(database);
    Some(service)
}

/// catalog-service on a free port with the database at `database_url`, which may already
/// hold a catalog (that is how restarts are tested).
pub async fn spawn_service_on(database_url: &str) -> CatalogService {
    let configuration = catalog_service::configuration::Configuration {
        host: "127.0.0.1".into(),
        port: 0,
        database_url: database_url.to_owned().into(),
        pool: platform::database::Pool::new(8, std::time::Duration::from_secs(5)),
        reservation_sweep: Duration::from_secs(5),
    };
    let application = catalog_service::startup::Application::build(configuration)
        .await
        .expect("starting catalog-service");
    let db = application.db.clone();
    let server = RunningServer::spawn(application.server);
    CatalogService {
        address: server.address.clone(),
        db,
        server,
        _database: None,
    }
}

/// How tests run catalog-bff: any free port, calling catalog-service at `service_url`.
pub fn bff_configuration(service_url: &str) -> catalog_bff::configuration::Configuration {
    catalog_bff::configuration::Configuration {
        host: "127.0.0.1".into(),
        port: 0,
        catalog_service_url: service_url.to_owned(),
        upstream_timeout: UPSTREAM_TIMEOUT,
        mfe_manifest: None,
    }
}

/// catalog-bff in this process, calling catalog-service at `service_url`.
pub fn spawn_bff(service_url: &str) -> RunningServer {
    let application = catalog_bff::startup::Application::build(bff_configuration(service_url))
        .expect("starting catalog-bff");
    RunningServer::spawn(application.server)
}
