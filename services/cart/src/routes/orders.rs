use crate::orders;
use crate::startup::AppState;
use actix_web::{web, HttpResponse};
use cart_service_api::{is_valid_key, OrderList, Owner};
use platform::database::DbResultExt;
use platform::{Error, Result};
use serde::Deserialize;

/// `GET /orders/{id}`
pub async fn show(path: web::Path<String>, state: web::Data<AppState>) -> Result<HttpResponse> {
    let not_found = || Error::NotFound("There is no such order.".into());
    if !is_valid_key(&path) {
        return Err(not_found());
    }
    let order = orders::by_id(&state.db, &path)
        .await
        .or_db_error("loading an order")?
        .ok_or_else(not_found)?;
    let lines = orders::lines(&state.db, &order.id)
        .await
        .or_db_error("loading an order's lines")?;
    Ok(HttpResponse::Ok().json(orders::to_api(order, lines)))
}

#[derive(Deserialize)]
pub struct OwnerQuery {
    owner: String,
}

/// `GET /orders?owner=guest:...`: the owner's orders, newest first.
pub async fn of_owner(
    query: web::Query<OwnerQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse> {
    let owner = Owner(query.into_inner().owner);
    if !owner.is_valid() {
        return Err(Error::invalid(
            "owner",
            "The owner must be guest:<cart id> or user:<user id>.",
        ));
    }
    let items = orders::of_owner(&state.db, &owner.0)
        .await
        .or_db_error("listing orders")?
        .into_iter()
        .map(|(order, lines)| orders::to_api(order, lines))
        .collect();
    Ok(HttpResponse::Ok().json(OrderList { items }))
}
