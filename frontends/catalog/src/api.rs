//! The catalog BFF, as typed calls. Components never build URLs: `catalog_api` spells them,
//! and `mfe_kit::http` picks up a request the shell may already have started.

use catalog_api::{ListingPage, ListingQuery, ProductDetail};
use mfe_kit::http::{get_json, take_ready, ApiError};

/// One screen of the product listing.
pub async fn listing(query: &ListingQuery) -> Result<ListingPage, ApiError> {
    get_json(&catalog_api::listing_url(query)).await
}

/// Everything the product page shows.
pub async fn product(slug: &str) -> Result<ProductDetail, ApiError> {
    get_json(&catalog_api::product_url(slug)).await
}

/// The listing for `query` if it is already here (the shell asked for it while the page
/// loaded), so the first render can draw the cards at once.
pub fn ready_listing(query: &ListingQuery) -> Option<Result<ListingPage, ApiError>> {
    take_ready(&catalog_api::listing_url(query))
}

/// The product if it is already here (see [`ready_listing`]).
pub fn ready_product(slug: &str) -> Option<Result<ProductDetail, ApiError>> {
    take_ready(&catalog_api::product_url(slug))
}
