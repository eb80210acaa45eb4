use crate::carts;
use crate::startup::AppState;
use actix_web::{web, HttpResponse};
use cart_service_api::{is_valid_key, CartRef};
use platform::database::DbResultExt;
use platform::{Error, Result};

/// `PUT /users/{user_id}/cart`: the user's cart, made on first use; 200 with its id.
pub async fn cart(path: web::Path<String>, state: web::Data<AppState>) -> Result<HttpResponse> {
    let user_id = path.into_inner();
    if !is_valid_key(&user_id) {
        return Err(Error::invalid(
            "user_id",
            "A user id is 1 to 64 letters, digits, '-' or '_'.",
        ));
    }
    let cart = carts::of_user(&state.db, &user_id)
        .await
        .or_db_error("finding a user's cart")?;
    Ok(HttpResponse::Ok().json(CartRef { id: cart.id }))
}
