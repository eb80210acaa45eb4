use crate::{configuration::Configuration, database, routes};
use actix_web::web;
use sea_orm::DatabaseConnection;

/// A running catalog-service: migrated, seeded, bound, not yet awaited.
pub struct Application {
    pub server: platform::server::Server,
    /// The database it uses (tests read and change it directly).
    pub db: DatabaseConnection,
}

impl Application {
    /// Connects to (and prepares) the database, then binds the listener — so a caller
    /// that asked for port 0 can read the real one from the server.
    pub async fn build(configuration: Configuration) -> anyhow::Result<Self> {
        let db = database::connect_and_prepare(
            &configuration.database_url,
            configuration.max_connections,
        )
        .await?;
        let server = platform::server::serve(
            platform::server::Exposure::Internal,
            &configuration.host,
            configuration.port,
            web::Data::new(db.clone()),
            routes::configure,
        )?;
        Ok(Self { server, db })
    }
}
