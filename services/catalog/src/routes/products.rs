use super::parse_query;
use crate::storage;
use actix_web::{http::header, web, HttpRequest, HttpResponse};
use platform::database::DbResultExt;
use platform::{Error, Result};
use sea_orm::DatabaseConnection;

/// `GET /products?q&category&min_price&max_price&in_stock&sort&page&per_page`
pub async fn list(request: HttpRequest, db: web::Data<DatabaseConnection>) -> Result<HttpResponse> {
    let query = parse_query(&request)?;
    let category = match &query.category {
        Some(slug) => Some(
            storage::category_by_slug(&db, slug)
                .await
                .or_db_error("looking up category")?
                .ok_or_else(|| {
                    Error::invalid("category", format!("unknown category \"{slug}\""))
                })?,
        ),
        None => None,
    };
    let list = storage::list_products(&db, &query, category.as_ref())
        .await
        .or_db_error("listing products")?;
    Ok(HttpResponse::Ok().json(list))
}

/// `GET /products/{slug}`
pub async fn by_slug(
    slug: web::Path<String>,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse> {
    let product = storage::product_by_slug(&db, &slug)
        .await
        .or_db_error("loading product")?
        .ok_or_else(|| Error::NotFound(format!("There is no product \"{slug}\"")))?;
    Ok(HttpResponse::Ok().json(product))
}

/// `GET /products/{slug}/image`
pub async fn image(
    slug: web::Path<String>,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse> {
    let image = storage::image_by_slug(&db, &slug)
        .await
        .or_db_error("loading product image")?
        .ok_or_else(|| Error::NotFound(format!("There is no picture of \"{slug}\"")))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, image.content_type))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(image.data))
}
