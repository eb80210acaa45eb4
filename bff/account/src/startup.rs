use crate::{configuration::Configuration, routes};
use actix_web::web;
use identity::Verifier;
use platform::live_build::LiveBuild;
use platform::upstream::{Upstream, UpstreamConfig};

/// A running account-bff, bound but not yet awaited.
pub struct Application {
    pub server: platform::server::Server,
}

/// The shared state of all request handlers.
pub struct State {
    pub account: Upstream,
    /// Checks the identity cookie the browser sends, to renew it before it runs out.
    pub verifier: Verifier,
    /// Whether the account build this BFF renders is live (see `routes::fragments`).
    pub live: LiveBuild,
}

/// What shoppers read when account-service is down or too slow.
pub const UNAVAILABLE_MESSAGE: &str =
    "Your account is unavailable right now. Please try again in a moment.";

impl Application {
    /// Fails when the public key cannot be read: without it no identity cookie could be
    /// judged, so the BFF would renew on every request — better not to start.
    pub fn build(configuration: Configuration) -> anyhow::Result<Self> {
        let verifier = Verifier::from_file(&configuration.identity_public_key_file)?;
        let account = Upstream::new(
            UpstreamConfig::new(
                configuration.account_service_url,
                configuration.upstream_timeout,
            ),
            "account_unavailable",
            UNAVAILABLE_MESSAGE,
        )?;
        let server = platform::server::serve(
            platform::server::Exposure::Public,
            &configuration.host,
            configuration.port,
            web::Data::new(State {
                account,
                verifier,
                live: LiveBuild::new("account", account_mfe::BUILD, configuration.mfe_manifest),
            }),
            routes::configure,
        )?;
        Ok(Self { server })
    }
}
