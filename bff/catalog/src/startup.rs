use crate::{configuration::Configuration, routes};
use actix_web::web;
use platform::live_build::LiveBuild;
use platform::upstream::{Upstream, UpstreamConfig};

/// A running catalog-bff, bound but not yet awaited.
pub struct Application {
    pub server: platform::server::Server,
}

/// The shared state of all request handlers.
pub struct State {
    pub catalog: Upstream,
    /// Whether the catalog build this BFF renders is live (see `routes::fragments`).
    pub live: LiveBuild,
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
            web::Data::new(State {
                catalog,
                live: LiveBuild::new("catalog", catalog_mfe::BUILD, configuration.mfe_manifest),
            }),
            routes::configure,
        )?;
        Ok(Self { server })
    }
}
