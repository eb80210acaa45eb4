use super::{cart_id, no_such_cart};
use crate::carts::{self, LineChange};
use crate::startup::AppState;
use actix_web::{web, HttpResponse};
use cart_service_api as api;
use platform::database::DbResultExt;
use platform::{Error, Result};

/// `POST /carts`: 201 with a new, empty cart.
pub async fn create(state: web::Data<AppState>) -> Result<HttpResponse> {
    let cart = carts::create(&state.db)
        .await
        .or_db_error("creating a cart")?;
    Ok(HttpResponse::Created().json(carts::view(&cart.id, Vec::new(), Some(&Default::default()))))
}

/// `GET /carts/{id}`: the cart, checked with the catalog when it answers in time.
pub async fn show(path: web::Path<String>, state: web::Data<AppState>) -> Result<HttpResponse> {
    let cart_id = cart_id(&path)?;
    if !carts::exists(&state.db, cart_id)
        .await
        .or_db_error("looking up a cart")?
    {
        return Err(no_such_cart());
    }
    Ok(HttpResponse::Ok().json(glance(&state, cart_id).await?))
}

/// `DELETE /carts/{id}`: empties the cart.
pub async fn empty(path: web::Path<String>, state: web::Data<AppState>) -> Result<HttpResponse> {
    let cart_id = cart_id(&path)?;
    match carts::empty(&state.db, cart_id)
        .await
        .or_db_error("emptying a cart")?
    {
        LineChange::NoSuchCart => Err(no_such_cart()),
        _ => Ok(HttpResponse::Ok().json(glance(&state, cart_id).await?)),
    }
}

/// `GET /carts/{id}/summary`: the mini-cart's numbers, from this database alone.
pub async fn summary(path: web::Path<String>, state: web::Data<AppState>) -> Result<HttpResponse> {
    let cart_id = cart_id(&path)?;
    if !carts::exists(&state.db, cart_id)
        .await
        .or_db_error("looking up a cart")?
    {
        return Err(no_such_cart());
    }
    let lines = carts::lines(&state.db, cart_id)
        .await
        .or_db_error("loading a cart")?;
    Ok(HttpResponse::Ok().json(carts::summary(&lines)))
}

/// The cart as it is now, checked with the catalog if it answers quickly (and what it
/// says remembered); otherwise with the remembered names and prices, `checked: false`.
pub(super) async fn glance(state: &AppState, cart_id: &str) -> Result<api::Cart, Error> {
    let lines = carts::lines(&state.db, cart_id)
        .await
        .or_db_error("loading a cart")?;
    let ids: Vec<i64> = lines.iter().map(|line| line.product_id).collect();
    let offers = state.catalog.glance_at_offers(&ids).await;
    if let Some(offers) = &offers {
        // Only a cache for when the catalog is down: failing to write it is no reason to
        // fail the answer.
        if let Err(error) = carts::remember_offers(&state.db, &lines, offers).await {
            tracing::warn!(%error, "could not remember the catalog's prices");
        }
    }
    Ok(carts::view(cart_id, lines, offers.as_ref()))
}
