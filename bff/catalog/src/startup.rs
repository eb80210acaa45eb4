use crate::{configuration::Configuration, routes};
use actix_web::web;
use platform::upstream::{Upstream, UpstreamConfig};

/// A running catalog-bff, bound but not yet awaited.
pub struct Application {
    pub server: platform::server::Server,
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
        let server = platform::server::serve(
            platform::server::Exposure::Public,
            &configuration.host,
            configuration.port,
            web::Data::new(State { catalog }),
            routes::configure,
        )?;
        Ok(Self { server })
    }
}
