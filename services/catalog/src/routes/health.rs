use crate::storage;
use actix_web::{web, HttpResponse};
use sea_orm::DatabaseConnection;

/// Ready when the database answers.
pub async fn readyz(db: web::Data<DatabaseConnection>) -> HttpResponse {
    let problem = storage::ping(&db)
        .await
        .err()
        .map(|error| format!("catalog database unreachable: {error}"));
    platform::server::readiness(problem)
}
