//! The catalog's first view, rendered by catalog-bff with the catalog's own components.
//!
//! The BFF reads the page's route, answers what [`needs`] says the first render asks for
//! (with the answers of its JSON API: the same shapes, the same URLs), and [`render`]s.

use crate::app::{App, AppProps};
use catalog_api::ListingQuery;

pub use crate::app::Route;
pub use mfe_kit::ssr::Answer;

/// What the first render of a page asks catalog-bff for.
#[derive(Debug, Clone, PartialEq)]
pub enum Needs {
    /// `catalog_api::listing_url(query)`.
    Listing(ListingQuery),
    /// `catalog_api::product_url(slug)`.
    Product(String),
    /// A page drawn without data (an unreadable listing query, an unknown address).
    Nothing,
}

/// What the first render of `route` asks for.
pub fn needs(route: &Route) -> Needs {
    match route {
        Route::Home => Needs::Listing(ListingQuery::default()),
        Route::Listing(query) => Needs::Listing(query.clone()),
        Route::Product { slug } => Needs::Product(slug.clone()),
        Route::InvalidListing(_) | Route::NotFound { .. } => Needs::Nothing,
    }
}

/// The main slot's markup for `route`, its requests answered by `answers` (URL → answer):
/// see `mfe_kit::ssr`. `None` when it could not be rendered.
pub fn render(route: Route, answers: Vec<(String, Answer)>) -> Option<String> {
    let page = route.to_href();
    mfe_kit::ssr::render::<App>(
        AppProps { route: Some(route) },
        &page,
        crate::BUILD,
        answers,
    )
}
