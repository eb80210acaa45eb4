use crate::{configuration::Configuration, routes};
use actix_web::web;
use platform::upstream::{Upstream, UpstreamConfig};

/// A running cart-bff, bound but not yet awaited.
pub struct Application {
    pub server: platform::server::Server,
}

/// The shared state of all request handlers.
pub struct State {
    pub cart: Upstream,
}

impl Application {
    pub fn build(configuration: Configuration) -> anyhow::Result<Self> {
        let cart = Upstream::new(
            UpstreamConfig::new(
                configuration.cart_service_url,
                configuration.upstream_timeout,
            ),
            "cart_unavailable",
            "Your cart is unavailable right now. Please try again in a moment.",
        )?;
        let server = platform::server::serve(
            platform::server::Exposure::Public,
            &configuration.host,
            configuration.port,
            web::Data::new(State { cart }),
            routes::configure,
        )?;
        Ok(Self { server })
    }
}
