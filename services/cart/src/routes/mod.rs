//! The HTTP API (paths in `cart_service_api::paths`). Handlers parse, call `carts`,
//! `orders` or the `saga`, and map the answer.
//!
//! | route | answers |
//! |---|---|
//! | `POST /carts` | 201 empty `Cart` |
//! | `GET /carts/{id}` | 200 `Cart` (`checked: false` when the catalog did not answer); 404; 400 |
//! | `DELETE /carts/{id}` | 200 empty `Cart`; 404 |
//! | `GET /carts/{id}/summary` | 200 `CartSummary` (no catalog needed); 404 |
//! | `POST /carts/{id}/lines` | 200 `Cart`; 422 `quantity` / `unknown_product` / too many lines; 409 `conflict` (only N left) / `out_of_stock`; 503 `catalog_unavailable`; 404 |
//! | `PUT /carts/{id}/lines/{product_id}` | 200 `Cart` (0 removes); 422; 409; 404 (cart, or line not in it); 503 |
//! | `DELETE /carts/{id}/lines/{product_id}` | 200 `Cart`; 404 |
//! | `PUT /users/{user_id}/cart` | 200 `CartRef`: the user's cart, made on first use (one however many ask at once); 400 `user_id` |
//! | `POST /carts/{id}/merge` | 200 `Cart` (the user's): a `MergeCarts` guest cart's lines added (capped at 99 and at the catalog's stock, or at 99 while it cannot be asked; at most 50 products), its orders given to `owner`, the guest cart deleted; 200 unchanged when `from` is gone already; 422 `from` (itself, not a guest cart) / `cart_id` (not a user's cart) / `owner` (not its user); 404; 400 |
//! | `POST /carts/{id}/checkout` | 201 `Order` (200 on replay); 202 `Order` (paid, commit pending); `CheckoutFailed` with 409 `out_of_stock` / `reservation_expired` / `interrupted`, 402 `payment_declined`, 503 `catalog_unavailable`; 400 `Idempotency-Key`; 422 fields / `cart_empty` / `idempotency_key_reused`; 409 `conflict` (another checkout under way); 404 |
//! | `GET /orders/{id}` | 200 `Order`; 404 |
//! | `GET /orders?owner=` | 200 `OrderList`, newest first; 400 `owner` |

mod carts;
mod checkout;
mod health;
mod lines;
mod merge;
mod orders;
mod users;

use actix_web::web;
use cart_service_api::is_valid_key;
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
        .route("/carts/{cart_id}/merge", web::post().to(merge::merge))
        .route("/users/{user_id}/cart", web::put().to(users::cart))
        .route(
            "/carts/{cart_id}/checkout",
            web::post().to(checkout::checkout),
        )
        .route("/orders", web::get().to(orders::of_owner))
        .route("/orders/{order_id}", web::get().to(orders::show));
    #[cfg(feature = "failpoints")]
    crate::failpoints::routes::configure(config);
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
