//! `/api/catalog/...`, as listed in `catalog_api`'s paths.

mod fragments;
mod images;
mod listing;
mod product;

use crate::startup::State;
use actix_web::{web, HttpResponse};

pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route(
            catalog_api::HEALTH_PATH,
            web::get().to(platform::server::healthz),
        )
        .route("/api/catalog/readyz", web::get().to(readyz))
        .route(catalog_api::PRODUCTS_PATH, web::get().to(listing::listing))
        .route(
            "/api/catalog/products/{slug}",
            web::get().to(product::detail),
        )
        .route(
            "/api/catalog/fragments/page/{path:.*}",
            web::get().to(fragments::page),
        )
        .route(
            "/api/catalog/images/{slug}.svg",
            web::get().to(images::image),
        );
}

/// Ready when catalog-service is.
async fn readyz(state: web::Data<State>) -> HttpResponse {
    // A public answer: it names the service, never its internal address.
    let problem = (!state.catalog.is_healthy("/readyz").await)
        .then(|| "catalog-service is not ready".to_owned());
    platform::server::readiness(problem)
}
