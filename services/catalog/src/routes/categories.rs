use super::parse_query;
use crate::storage;
use actix_web::{web, HttpRequest, HttpResponse};
use platform::database::DbResultExt;
use platform::Result;
use sea_orm::DatabaseConnection;

/// `GET /categories?q&min_price&max_price&in_stock` — every category with its count of
/// matching products.
pub async fn list(request: HttpRequest, db: web::Data<DatabaseConnection>) -> Result<HttpResponse> {
    let query = parse_query(&request)?;
    let categories = storage::category_counts(&db, &query)
        .await
        .or_db_error("counting products per category")?;
    Ok(HttpResponse::Ok().json(categories))
}
