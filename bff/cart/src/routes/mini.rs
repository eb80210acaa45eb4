use super::{private, unless_unknown};
use crate::shopper::Shopper;
use crate::{presenter, startup::State};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use cart_api::MiniCart;
use cart_service_api::{paths, CartSummary};
use platform::Result;

/// `GET /api/cart/mini` — the header's badge. Every page shows it, so it is cheap: a
/// guest without a cart asks nothing, and a cart is read from its summary, which
/// cart-service answers without the catalog.
pub async fn mini_cart(shopper: Shopper, state: web::Data<State>) -> Result<HttpResponse> {
    Ok(private(
        StatusCode::OK,
        &mini_cart_of(&shopper, &state).await?,
    ))
}

/// What the badge shows `shopper` (also rendered on the server: see `fragments`).
pub async fn mini_cart_of(shopper: &Shopper, state: &State) -> Result<MiniCart> {
    let Some(cart) = shopper.cart() else {
        return Ok(presenter::empty_mini_cart());
    };
    let summary = state
        .cart
        .get_json::<CartSummary>(&paths::summary(cart.as_str()))
        .await;
    Ok(unless_unknown(summary)?
        .as_ref()
        .map_or_else(presenter::empty_mini_cart, |summary| {
            presenter::mini_cart(
                summary.item_count,
                summary.subtotal_minor,
                &summary.currency,
            )
        }))
}
