use crate::{configuration::Configuration, database, routes, storage};
use actix_web::web;
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;
use std::time::Duration;

/// A running catalog-service: migrated, seeded, bound, not yet awaited.
pub struct Application {
    pub server: platform::server::Server,
    /// The database it uses (tests read and change it directly).
    pub db: DatabaseConnection,
}

impl Application {
    /// Connects to (and prepares) the database, then binds the listener — so a caller
    /// that asked for port 0 can read the real one from the server — and starts expiring
    /// reservations in the background (for as long as the runtime runs).
    pub async fn build(configuration: Configuration) -> anyhow::Result<Self> {
        let db = database::connect_and_prepare(
            configuration.database_url.expose_secret(),
            configuration.pool,
        )
        .await?;
        let server = platform::server::serve(
            platform::server::Exposure::Internal,
            &configuration.host,
            configuration.port,
            web::Data::new(db.clone()),
            routes::configure,
        )?;
        tokio::spawn(sweep_expired_reservations(
            db.clone(),
            configuration.reservation_sweep,
        ));
        Ok(Self { server, db })
    }
}

/// Every `interval`, expires the held reservations past their TTL, putting their units
/// back in stock. A failed sweep (the database is away, or even a panic) is logged and
/// the next one tries again: the loop never ends on its own.
async fn sweep_expired_reservations(db: DatabaseConnection, interval: Duration) {
    // `interval` panics on zero; the configuration refuses it, but tests build their own.
    let mut ticks = tokio::time::interval(interval.max(Duration::from_millis(1)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let db = db.clone();
        let sweep = tokio::spawn(async move { storage::expire_due(&db, chrono::Utc::now()).await });
        match sweep.await {
            Ok(Ok(0)) => {}
            Ok(Ok(expired)) => {
                tracing::info!(
                    expired,
                    "expired reservations; their units are back in stock"
                )
            }
            Ok(Err(error)) => tracing::error!(%error, "expiring reservations failed"),
            Err(error) => tracing::error!(%error, "the reservation sweep crashed"),
        }
    }
}
