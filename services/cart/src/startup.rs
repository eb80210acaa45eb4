use crate::catalog::Catalog;
use crate::payment::{PaymentProvider, SimulatedPayments};
use crate::saga::Saga;
use crate::{configuration::Configuration, database, recovery, routes};
use actix_web::web;
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;
use std::sync::Arc;

/// What the handlers share.
pub struct AppState {
    pub db: DatabaseConnection,
    pub catalog: Arc<Catalog>,
    pub saga: Arc<Saga>,
}

/// A running cart-service: migrated, recovered, bound, not yet awaited.
pub struct Application {
    pub server: platform::server::Server,
    /// The database it uses (tests read and change it directly).
    pub db: DatabaseConnection,
}

impl Application {
    /// Connects to (and migrates) the database, binds the listener — so a caller that
    /// asked for port 0 can read the real one from the server — and starts the recovery
    /// passes that finish checkouts whose worker is gone (`crate::recovery`).
    pub async fn build(configuration: Configuration) -> anyhow::Result<Self> {
        Self::build_with_payments(configuration, |db| Arc::new(SimulatedPayments::new(db))).await
    }

    /// [`Application::build`] with another payment provider, made from the database.
    pub async fn build_with_payments(
        configuration: Configuration,
        payments: impl FnOnce(DatabaseConnection) -> Arc<dyn PaymentProvider>,
    ) -> anyhow::Result<Self> {
        let db = database::connect_and_prepare(
            configuration.database_url.expose_secret(),
            configuration.pool,
        )
        .await?;
        let catalog = Arc::new(Catalog::new(
            &configuration.catalog_service_url,
            configuration.upstream_timeout,
            configuration.offer_cache,
        )?);
        let saga = Arc::new(Saga {
            db: db.clone(),
            catalog: catalog.clone(),
            payments: payments(db.clone()),
            reservation_ttl_seconds: configuration.reservation_ttl_seconds,
            lease: configuration.checkout_lease,
        });
        let state = web::Data::new(AppState {
            db: db.clone(),
            catalog,
            saga: saga.clone(),
        });
        let server = platform::server::serve(
            platform::server::Exposure::Internal,
            &configuration.host,
            configuration.port,
            state,
            routes::configure,
        )?;
        recovery::keep_recovering(saga, configuration.recovery_interval);
        Ok(Self { server, db })
    }
}
