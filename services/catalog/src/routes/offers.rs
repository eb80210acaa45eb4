use super::invalid;
use crate::domain::OfferIds;
use crate::storage;
use actix_web::{web, HttpResponse};
use platform::database::DbResultExt;
use platform::Result;
use sea_orm::DatabaseConnection;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct OffersQuery {
    ids: Option<String>,
}

/// `GET /offers?ids=1,2,3`: the offer for each id that exists, in the order asked.
pub async fn list(
    query: web::Query<OffersQuery>,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse> {
    let ids = OfferIds::parse(query.ids.as_deref()).map_err(invalid)?;
    let offers = storage::offers(&db, ids.as_slice())
        .await
        .or_db_error("loading offers")?;
    Ok(HttpResponse::Ok().json(offers))
}
