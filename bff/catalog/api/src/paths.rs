//! Where the catalog BFF answers. The BFF mounts its routes on these paths and the MFE
//! requests them, so neither side spells a URL by hand.

/// The product listing; takes a [`crate::ListingQuery`] as its query string.
pub const PRODUCTS_PATH: &str = "/api/catalog/products";
/// Liveness of the BFF itself.
pub const HEALTH_PATH: &str = "/api/catalog/healthz";

/// The listing URL for a query, e.g. `/api/catalog/products?category=books&page=2`.
pub fn listing_url(query: &crate::ListingQuery) -> String {
    with_query(PRODUCTS_PATH, &query.to_query_string())
}

/// The product page's data.
pub fn product_url(slug: &str) -> String {
    format!("{PRODUCTS_PATH}/{}", encode_segment(slug))
}

/// The product's page in the shop (the catalog MFE's route), e.g. `/products/oak-desk`.
pub fn product_page(slug: &str) -> String {
    format!("/products/{}", encode_segment(slug))
}

/// A product's picture.
pub fn image_url(slug: &str) -> String {
    format!("/api/catalog/images/{}.svg", encode_segment(slug))
}

/// `path` with `?query` appended when there is a query.
pub fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

/// Slugs are `[a-z0-9-]` by construction, but a hand-typed URL may hold anything.
fn encode_segment(segment: &str) -> String {
    form_urlencoded::byte_serialize(segment.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_url_escapes_what_is_not_a_slug() {
        assert_eq!(product_url("oak-desk"), "/api/catalog/products/oak-desk");
        assert_eq!(product_url("a b/c"), "/api/catalog/products/a%20b%2Fc");
    }

    #[test]
    fn product_pages_are_under_products_with_the_slug_escaped() {
        assert_eq!(product_page("oak-desk"), "/products/oak-desk");
        assert_eq!(product_page("a/b"), "/products/a%2Fb");
    }

    #[test]
    fn default_listing_has_no_query_string() {
        assert_eq!(
            listing_url(&crate::ListingQuery::default()),
            "/api/catalog/products"
        );
    }
}
