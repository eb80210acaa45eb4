//! The HTTP API (paths in `cart_service_api::paths`). Handlers parse, call `carts`,
//! `orders` or the `saga`, and map the answer.

mod carts;
mod checkout;
mod health;
mod lines;
mod orders;

use actix_web::http::StatusCode;
use actix_web::web;
use cart_service_api::{is_valid_key, ErrorBody};
use platform::Error;

pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/healthz", web::get().to(platform::server::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/carts", web::post().to(carts::create))
        .route("/carts/{cart_id}", web::get().to(carts::show))
        .route("/carts/{cart_id}", web::delete().to(carts::empty))
        .route("/carts/{cart_id}/summary", web::get().to(carts::summary))
        .route("/carts/{cart_id}/lines", web::post().to(lines::add))
        .route(
            "/carts/{cart_id}/lines/{product_id}",
            web::put().to(lines::set_quantity),
        )
        .route(
            "/carts/{cart_id}/lines/{product_id}",
            web::delete().to(lines::remove),
        )
        .route(
            "/carts/{cart_id}/checkout",
            web::post().to(checkout::checkout),
        )
        .route("/orders", web::get().to(orders::of_owner))
        .route("/orders/{order_id}", web::get().to(orders::show));
}

/// A cart id from the path: 400 when it cannot be one.
fn cart_id(id: &str) -> Result<&str, Error> {
    if is_valid_key(id) {
        Ok(id)
    } else {
        Err(Error::invalid(
            "cart_id",
            "A cart id is 1 to 64 letters, digits, '-' or '_'.",
        ))
    }
}

fn no_such_cart() -> Error {
    Error::NotFound("There is no such cart.".into())
}

/// A refusal with its own code, which the shared error type has no variant for
/// (`409 out_of_stock`, `422 unknown_product`). `Error::Upstream` carries any status and
/// body unchanged, which is what this is.
fn refusal(status: StatusCode, code: &str, field: Option<&str>, message: String) -> Error {
    let mut body = ErrorBody::new(code, message);
    body.error.field = field.map(str::to_owned);
    Error::Upstream { status, body }
}
