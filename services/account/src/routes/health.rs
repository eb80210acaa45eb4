use crate::startup::AppState;
use actix_web::{web, HttpResponse};
use sea_orm::ConnectionTrait;

/// Ready when the account database answers.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let problem = match state.db.execute_unprepared("SELECT 1").await {
        Ok(_) => None,
        Err(error) => {
            tracing::warn!(%error, "account database unreachable");
            Some("The account database does not answer.".to_owned())
        }
    };
    platform::server::readiness(problem)
}
