//! `/api/cart/...`, as listed in `cart_api`'s paths. Every route that serves a shopper
//! takes a [`crate::shopper::Shopper`]: whose cart and orders it may show.

mod cart;
mod checkout;
mod fragments;
mod items;
mod mini;
mod orders;

use crate::shopper;
use crate::startup::State;
use actix_web::http::{header, StatusCode};
use actix_web::middleware::from_fn;
use actix_web::{web, HttpResponse};
use platform::{Error, Result};
use serde::Serialize;

pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route(
            cart_api::HEALTH_PATH,
            web::get().to(platform::server::healthz),
        )
        .route("/api/cart/readyz", web::get().to(readyz))
        .route("/api/cart/fragments/badge", web::get().to(fragments::badge))
        .route(
            "/api/cart/fragments/page/{path:.*}",
            web::get().to(fragments::page),
        )
        .service(
            // The shopper's routes, under the full paths of `cart_api` (a scope without a
            // prefix; what matches none of them still gets the server's 404).
            web::scope("")
                .wrap(from_fn(shopper::forget_merged_guest_cart))
                .route(cart_api::MINI_CART_PATH, web::get().to(mini::mini_cart))
                .service(
                    web::resource(cart_api::CART_PATH)
                        .route(web::get().to(cart::view))
                        .route(web::delete().to(cart::clear)),
                )
                .route(cart_api::ITEMS_PATH, web::post().to(items::add))
                .service(
                    web::resource("/api/cart/items/{product_id}")
                        .route(web::put().to(items::set_quantity))
                        .route(web::delete().to(items::remove)),
                )
                .route(cart_api::CHECKOUT_PATH, web::post().to(checkout::checkout))
                .route(cart_api::ORDERS_PATH, web::get().to(orders::history))
                .route("/api/cart/orders/{order_id}", web::get().to(orders::order)),
        );
}

/// Ready when cart-service is.
async fn readyz(state: web::Data<State>) -> HttpResponse {
    // A public answer: it names the service, never its internal address.
    let problem =
        (!state.cart.is_healthy("/readyz").await).then(|| "cart-service is not ready".to_owned());
    platform::server::readiness(problem)
}

/// A JSON answer about one shopper's cart or orders: no cache along the way may keep it.
fn private<T: Serialize>(status: StatusCode, body: &T) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

/// The service's answer, or `None` when it does not know what was asked for — for a cart,
/// one that expired or never existed, which the shopper sees as no cart at all.
fn unless_unknown<T>(result: Result<T>) -> Result<Option<T>> {
    match result {
        Err(Error::Upstream { status, .. }) if status == StatusCode::NOT_FOUND => Ok(None),
        other => other.map(Some),
    }
}
