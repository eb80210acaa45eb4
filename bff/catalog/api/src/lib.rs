//! The contract between the catalog micro-frontend and catalog-bff.
//!
//! Both sides compile this crate (the MFE for wasm32, the BFF natively), so changing a
//! field or a path here breaks both builds instead of one user's page. Everything is
//! shaped for the catalog screens: prices arrive formatted, stock arrives as a badge, and
//! the listing query has one canonical spelling used in both the page URL and the API URL.

mod listing;
mod paths;

pub use error_body::{ErrorBody, ErrorDetail};
pub use listing::{
    check_price_range, Amount, InvalidParameter, ListingQuery, Page, Sort, MAX_SEARCH_LEN,
};
pub use paths::*;

use serde::{Deserialize, Serialize};

/// One screen of the product listing: the cards, the category navigation with counts,
/// and where this page sits in the whole result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListingPage {
    pub products: Vec<ProductCard>,
    /// Every category, counted against the current search and price/stock filters (but not
    /// the category filter itself), so the navigation shows where matches are.
    pub categories: Vec<CategoryFacet>,
    pub paging: Paging,
    /// The query's price range as the shop writes prices (`€10.00`), for sentences such as
    /// "nothing between €10.00 and €20.00".
    pub price_range: PriceRange,
}

/// Ends of a price range, formatted; `None` where the range is open.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceRange {
    pub min: Option<String>,
    pub max: Option<String>,
}

/// A product as a card in a grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductCard {
    pub id: i64,
    pub slug: String,
    pub name: String,
    /// Ready to display, e.g. `€24.50`.
    pub price: String,
    pub image: Image,
    pub stock: StockBadge,
}

/// Everything the product page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductDetail {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub price: String,
    pub image: Image,
    pub stock: StockBadge,
    pub category: CategoryRef,
    /// The largest quantity the picker offers (0 when out of stock).
    pub max_quantity: u32,
}

/// An image with the text that stands in for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Image {
    pub url: String,
    pub alt: String,
}

/// Availability as the shopper reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockBadge {
    pub level: StockLevel,
    /// `In stock`, `Only 3 left`, `Out of stock`.
    pub label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockLevel {
    InStock,
    Low,
    OutOfStock,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryFacet {
    pub slug: String,
    pub name: String,
    pub product_count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryRef {
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paging {
    pub page: u32,
    pub per_page: u32,
    pub total_items: u64,
    pub total_pages: u32,
}
