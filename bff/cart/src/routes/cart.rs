use super::{private, unless_unknown};
use crate::shopper::Shopper;
use crate::{presenter, startup::State};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use cart_api::CartView;
use cart_service_api::{paths, Cart};
use platform::upstream::HttpMethod;
use platform::Result;

/// `GET /api/cart` — the cart page; an empty one when the shopper has no cart.
pub async fn view(shopper: Shopper, state: web::Data<State>) -> Result<HttpResponse> {
    Ok(private(StatusCode::OK, &view_of(&shopper, &state).await?))
}

/// The cart page of `shopper` (also rendered on the server: see `fragments`).
pub async fn view_of(shopper: &Shopper, state: &State) -> Result<CartView> {
    let Some(cart) = shopper.cart() else {
        return Ok(presenter::empty_cart_view());
    };
    let found = state
        .cart
        .get_json::<Cart>(&paths::cart(cart.as_str()))
        .await;
    Ok(unless_unknown(found)?.map_or_else(presenter::empty_cart_view, presenter::cart_view))
}

/// `DELETE /api/cart` — empties the cart; emptying no cart is done already.
pub async fn clear(shopper: Shopper, state: web::Data<State>) -> Result<HttpResponse> {
    let Some(cart) = shopper.cart() else {
        return Ok(private(StatusCode::OK, &presenter::empty_cart_view()));
    };
    let emptied = state
        .cart
        .call(HttpMethod::DELETE, &paths::cart(cart.as_str()))
        .send::<Cart>()
        .await;
    Ok(cart_page(unless_unknown(emptied)?))
}

/// The cart page for a cart, or the empty one.
pub(super) fn cart_page(cart: Option<Cart>) -> HttpResponse {
    let view = cart.map_or_else(presenter::empty_cart_view, presenter::cart_view);
    private(StatusCode::OK, &view)
}
