use crate::startup::State;
use actix_web::{http::header, web, HttpResponse};
use catalog_service_api::paths;
use platform::Result;

/// `GET /api/catalog/images/{slug}.svg` — a product's picture. Pictures change rarely, so
/// browsers may keep them for a day.
pub async fn image(slug: web::Path<String>, state: web::Data<State>) -> Result<HttpResponse> {
    let image = state
        .catalog
        .get_bytes(&paths::product_image(&slug))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, image.content_type))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(image.body))
}
