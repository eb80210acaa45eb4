//! Pieces the catalog pages are built from.

pub mod category_nav;
pub mod filters;
pub mod pager;
pub mod product_card;
pub mod search_box;
pub mod sort_menu;
pub mod states;

use catalog_api::ListingQuery;
use yew::prelude::*;

/// The listing's address, for the GET forms above and beside it: without JavaScript (or
/// before it has loaded), submitting one loads that listing as a page.
pub const LISTING_ACTION: &str = "/products";

/// Hidden fields that keep `query`'s other parameters in a GET form that sends `own`
/// itself; the page is never kept (a new search, filter or order starts from the first).
pub fn kept_parameters(query: &ListingQuery, own: &[&str]) -> Html {
    query
        .to_pairs()
        .into_iter()
        .filter(|(name, _)| *name != "page" && !own.contains(name))
        .map(|(name, value)| html! { <input type="hidden" {name} {value} /> })
        .collect()
}
