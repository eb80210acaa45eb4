use crate::{presenter, startup::State};
use actix_web::{web, HttpResponse};
use catalog_service_api::{paths, Product};
use platform::Result;

/// `GET /api/catalog/products/{slug}` — the product page.
pub async fn detail(slug: web::Path<String>, state: web::Data<State>) -> Result<HttpResponse> {
    let product = state
        .catalog
        .get_json::<Product>(&paths::product(&slug))
        .await?;
    Ok(HttpResponse::Ok().json(presenter::detail(product)))
}
