use crate::{configuration::Configuration, database, routes};
use actix_web::{dev::Server, web, App, HttpServer};
use sea_orm::DatabaseConnection;

/// A running catalog-service: bound, migrated, seeded, not yet awaited.
pub struct Application {
    port: u16,
    server: Server,
    db: DatabaseConnection,
}

impl Application {
    /// Connects to (and prepares) the database, then binds the listener — so a caller
    /// that asked for port 0 can read the real one from [`Application::port`].
    pub async fn build(configuration: Configuration) -> anyhow::Result<Self> {
        let db = database::connect_and_prepare(
            &configuration.database_url,
            configuration.max_connections,
        )
        .await?;
        let listener = platform::server::listen(&configuration.host, configuration.port)?;
        let port = listener.local_addr()?.port();
        let data = web::Data::new(db.clone());
        let server = HttpServer::new(move || {
            App::new()
                .wrap(platform::server::request_logger())
                .app_data(data.clone())
                .configure(routes::configure)
                .default_service(web::to(platform::server::not_found))
        })
        .listen(listener)?
        .shutdown_timeout(10)
        .run();
        Ok(Self { port, server, db })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to the database this application uses (tests read and change it directly).
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Lets the server stop accepting and finish in-flight requests on SIGTERM/SIGINT.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
