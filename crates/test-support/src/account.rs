//! The account slice's servers, started for tests.

use crate::keys::IdentityKeys;
use crate::{FreshDatabase, RunningServer, TestDatabase};
use account_service::attempts::Limits;
use sea_orm::DatabaseConnection;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// An account-service running in this process, with a key pair of its own.
pub struct AccountService {
    /// e.g. `http://127.0.0.1:41234`
    pub url: String,
    /// Its public key (SPKI PEM), which verifies the identity tokens it signs
    /// (`identity::Verifier::from_file`).
    pub public_key_file: PathBuf,
    /// Direct access to its database, to arrange or inspect data.
    pub db: DatabaseConnection,
    server: RunningServer,
    _keys: Arc<IdentityKeys>,
    _database: Option<Arc<FreshDatabase>>,
}

impl AccountService {
    /// Stops the server; its port refuses connections after.
    pub async fn stop(&self) {
        self.server.stop().await;
    }
}

/// How tests run account-service: any free port, the database at `database_url`, signing
/// with the private key at `signing_key_file` (made there, with its public key beside it,
/// when it does not exist).
pub fn service_configuration(
    database_url: &str,
    signing_key_file: &Path,
) -> account_service::configuration::Configuration {
    account_service::configuration::Configuration {
        host: "127.0.0.1".into(),
        port: 0,
        database_url: database_url.to_owned().into(),
        pool: platform::database::Pool::new(8, std::time::Duration::from_secs(5)),
        signing_key_file: signing_key_file.to_owned(),
        limits: Limits::default(),
    }
}

/// account-service on a free port with a new database and a new key pair; `None` if that
/// database kind is not available here.
pub async fn spawn_service(database: TestDatabase) -> Option<AccountService> {
    let database = database.create().await?;
    let mut service = spawn_service_on(&database.url).await;
    service._database = Some(Arc::new(database));
    Some(service)
}

/// account-service on a free port with the database at `database_url`, which may already
/// hold users (that is how restarts are tested), and a new key pair.
pub async fn spawn_service_on(database_url: &str) -> AccountService {
    let keys = Arc::new(IdentityKeys::generate());
    let configuration = service_configuration(database_url, &keys.private_key_file);
    spawn_configured(configuration, keys).await
}

/// `count` replicas of account-service on one fresh database, as a deployment runs them
/// behind one address: each its own server and connection pool, all with the same key pair
/// and `limits`. `None` if that database kind is not available here.
pub async fn spawn_replicas(
    database: TestDatabase,
    count: usize,
    limits: Limits,
) -> Option<Vec<AccountService>> {
    let database = Arc::new(database.create().await?);
    let keys = Arc::new(IdentityKeys::generate());
    let mut replicas = Vec::with_capacity(count);
    for _ in 0..count {
        let mut configuration = service_configuration(&database.url, &keys.private_key_file);
        configuration.limits = limits;
        let mut replica = spawn_configured(configuration, keys.clone()).await;
        replica._database = Some(database.clone());
        replicas.push(replica);
    }
    Some(replicas)
}

async fn spawn_configured(
    configuration: account_service::configuration::Configuration,
    keys: Arc<IdentityKeys>,
) -> AccountService {
    let application = account_service::startup::Application::build(configuration)
        .await
        .expect("starting account-service");
    let db = application.db.clone();
    let public_key_file = application.public_key_file.clone();
    let server = RunningServer::spawn(application.server);
    AccountService {
        url: server.address.clone(),
        public_key_file,
        db,
        server,
        _keys: keys,
        _database: None,
    }
}
