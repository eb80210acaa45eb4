use crate::{presenter, startup::State};
use actix_web::{web, HttpResponse};
use catalog_api::ProductDetail;
use catalog_service_api::{paths, Product};
use platform::Result;

/// `GET /api/catalog/products/{slug}` — the product page.
pub async fn detail(slug: web::Path<String>, state: web::Data<State>) -> Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(product_detail(&state, &slug).await?))
}

/// The product page's data (also rendered on the server: see `fragments`).
pub async fn product_detail(state: &State, slug: &str) -> Result<ProductDetail> {
    let product = state
        .catalog
        .get_json::<Product>(&paths::product(slug))
        .await?;
    Ok(presenter::detail(product))
}
