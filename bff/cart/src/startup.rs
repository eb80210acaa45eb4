use crate::shopper::UserCarts;
use crate::{configuration::Configuration, routes};
use actix_web::web;
use anyhow::Context;
use identity::Verifier;
use platform::live_build::LiveBuild;
use platform::upstream::{Upstream, UpstreamConfig};

/// A running cart-bff, bound but not yet awaited.
pub struct Application {
    pub server: platform::server::Server,
}

/// The shared state of all request handlers.
pub struct State {
    pub cart: Upstream,
    /// Tells a signed-in shopper from a guest by their identity cookie.
    pub verifier: Verifier,
    /// Users' cart ids, as cart-service gave them.
    pub user_carts: UserCarts,
    /// Whether the cart build this BFF renders is live (see `routes::fragments`).
    pub live: LiveBuild,
}

impl Application {
    /// Fails when the identity public key cannot be read: without it every signed-in
    /// shopper would silently be a guest, with an empty cart — better not to start.
    pub fn build(configuration: Configuration) -> anyhow::Result<Self> {
        let key_file = &configuration.identity_public_key_file;
        let verifier = Verifier::from_file(key_file).with_context(|| {
            format!(
                "cart-bff needs account-service's identity public key \
                 (CART_BFF__IDENTITY_PUBLIC_KEY_FILE={})",
                key_file.display()
            )
        })?;
        let cart = Upstream::new(
            UpstreamConfig::new(
                configuration.cart_service_url,
                configuration.upstream_timeout,
            ),
            "cart_unavailable",
            "Your cart is unavailable right now. Please try again in a moment.",
        )?;
        let state = State {
            cart,
            verifier,
            user_carts: UserCarts::default(),
            live: LiveBuild::new("cart", cart_mfe::BUILD, configuration.mfe_manifest.clone()),
        };
        let server = platform::server::serve(
            platform::server::Exposure::Public,
            &configuration.host,
            configuration.port,
            web::Data::new(state),
            routes::configure,
        )?;
        Ok(Self { server })
    }
}
