//! The HTTP API. Handlers parse, ask `storage`, and map the answer.

mod categories;
mod health;
mod offers;
mod products;
mod reservations;

use actix_web::web;

pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/healthz", web::get().to(platform::server::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/products", web::get().to(products::list))
        .route("/products/{slug}", web::get().to(products::by_slug))
        .route("/products/{slug}/image", web::get().to(products::image))
        .route("/categories", web::get().to(categories::list))
        .route("/offers", web::get().to(offers::list))
        .route("/reservations/{id}", web::put().to(reservations::reserve))
        .route("/reservations/{id}", web::get().to(reservations::by_id))
        .route(
            "/reservations/{id}/commit",
            web::post().to(reservations::commit),
        )
        .route(
            "/reservations/{id}/release",
            web::post().to(reservations::release),
        );
}

/// Parses the request's query string, answering 400 naming the bad parameter.
fn parse_query(
    request: &actix_web::HttpRequest,
) -> Result<catalog_service_api::ProductQuery, platform::Error> {
    catalog_service_api::ProductQuery::parse(request.query_string()).map_err(invalid)
}

/// A 400 naming the parameter at fault.
fn invalid(invalid: catalog_service_api::InvalidParameter) -> platform::Error {
    platform::Error::invalid(invalid.field, invalid.message)
}
