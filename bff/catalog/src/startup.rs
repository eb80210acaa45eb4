use crate::{configuration::Configuration, routes};
use actix_web::{dev::Server, web, App, HttpServer};
use platform::upstream::{Upstream, UpstreamConfig};

/// A running catalog-bff, bound but not yet awaited.
pub struct Application {
    port: u16,
    server: Server,
}

/// The shared state of all request handlers.
pub struct State {
    pub catalog: Upstream,
}

impl Application {
    pub fn build(configuration: Configuration) -> anyhow::Result<Self> {
        let catalog = Upstream::new(
            UpstreamConfig::new(
                configuration.catalog_service_url,
                configuration.upstream_timeout,
            ),
            "catalog_unavailable",
            "The catalog is unavailable right now. Please try again in a moment.",
        )?;
        let state = web::Data::new(State { catalog });
        let listener = platform::server::listen(&configuration.host, configuration.port)?;
        let port = listener.local_addr()?.port();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(platform::server::request_logger())
                .app_data(state.clone())
                .configure(routes::configure)
                .default_service(web::to(platform::server::not_found))
        })
        .listen(listener)?
        .shutdown_timeout(10)
        .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
