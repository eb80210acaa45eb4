use super::private;
use crate::shopper::Shopper;
use crate::{presenter, startup::State};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use cart_api::{OrderHistory, OrderView};
use cart_service_api::{paths, Order, OrderList};
use platform::{Error, Result};

/// `GET /api/cart/orders/{id}` — one of the shopper's orders (the signed-in user's, or
/// the guest cart's). Anyone else's, or one that does not exist, is the same 404, so
/// order ids reveal nothing.
pub async fn order(
    order_id: web::Path<String>,
    shopper: Shopper,
    state: web::Data<State>,
) -> Result<HttpResponse> {
    Ok(private(
        StatusCode::OK,
        &order_of(&order_id, &shopper, &state).await?,
    ))
}

/// One of `shopper`'s orders (also rendered on the server: see `fragments`).
pub async fn order_of(order_id: &str, shopper: &Shopper, state: &State) -> Result<OrderView> {
    let not_found = || Error::NotFound("There is no such order.".into());
    // Only well-formed ids reach the service's path.
    if !cart_service_api::is_valid_key(order_id) {
        return Err(not_found());
    }
    let owner = shopper.owner().ok_or_else(not_found)?;
    let order = super::unless_unknown(state.cart.get_json::<Order>(&paths::order(order_id)).await)?
        .ok_or_else(not_found)?;
    if order.owner != owner {
        return Err(not_found());
    }
    Ok(presenter::order_view(order))
}

/// `GET /api/cart/orders` — the shopper's orders, newest first (failed checkouts left
/// out); none for a guest without a cart.
pub async fn history(shopper: Shopper, state: web::Data<State>) -> Result<HttpResponse> {
    let Some(owner) = shopper.owner() else {
        return Ok(private(StatusCode::OK, &OrderHistory::default()));
    };
    let list = state
        .cart
        .get_json::<OrderList>(&paths::orders_of(&owner))
        .await?;
    Ok(private(StatusCode::OK, &presenter::order_history(list)))
}
