use crate::startup::AppState;
use actix_web::{web, HttpResponse};
use sea_orm::ConnectionTrait;

/// Ready when the cart database answers. The catalog is not needed: carts can be shown
/// and changed (with remembered prices) while it is down, and checkouts say so.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let problem = match state.db.execute_unprepared("SELECT 1").await {
        Ok(_) => None,
        Err(error) => {
            tracing::warn!(%error, "cart database unreachable");
            Some("The cart database does not answer.".to_owned())
        }
    };
    platform::server::readiness(problem)
}
