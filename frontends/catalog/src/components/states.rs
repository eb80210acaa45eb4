//! The loading, empty and error states, drawn on purpose: each says what happened and
//! offers the next step.

use crate::app::Route;
use crate::components::product_card::skeleton_card;
use catalog_api::{ListingQuery, PriceRange};
use mfe_kit::http::{ApiError, Failure};
use yew::prelude::*;

/// Where every dead end leads: the whole catalog.
fn all_products_href() -> String {
    Route::Listing(ListingQuery::default()).to_href()
}

/// Grey cards in the shape of the grid, so nothing jumps when the products arrive.
pub fn loading_grid(cards: usize) -> Html {
    html! {
        <div class="loading-state">
            <p class="visually-hidden" role="status">{ "Loading products…" }</p>
            <ul class="product-grid" aria-hidden="true">
                { for (0..cards).map(|_| skeleton_card()) }
            </ul>
        </div>
    }
}

/// Why the listing is empty, in words: `Nothing matches your search for “linen” in Bags
/// between €10.00 and €20.00 that's in stock.`, `We have nothing under €5.00 right now.`
/// The prices come written by the BFF (`prices`).
pub fn no_match_line(
    query: &ListingQuery,
    category_name: Option<&str>,
    prices: &PriceRange,
) -> String {
    let mut line = match &query.q {
        Some(q) => format!("Nothing matches your search for “{q}”"),
        None => "We have nothing".to_owned(),
    };
    if let Some(category) = category_name.or(query.category.as_deref()) {
        line.push_str(&format!(" in {category}"));
    }
    match (&prices.min, &prices.max) {
        (Some(min), Some(max)) => line.push_str(&format!(" between {min} and {max}")),
        (Some(min), None) => line.push_str(&format!(" from {min}")),
        (None, Some(max)) => line.push_str(&format!(" under {max}")),
        (None, None) => {}
    }
    if query.in_stock {
        line.push_str(" that's in stock");
    }
    if query.q.is_none() {
        line.push_str(" right now");
    }
    line.push('.');
    line
}

/// Nothing matches: say what was asked, and offer the way back to everything.
pub fn empty_state(query: &ListingQuery, category_name: Option<&str>, prices: &PriceRange) -> Html {
    let hint = if query.q.is_some() {
        "Check the spelling, try fewer words, or clear the filters."
    } else {
        "Try another category or a wider price range."
    };
    html! {
        <div class="empty-state state-panel">
            <span class="state-icon" aria-hidden="true">
                <svg viewBox="0 0 24 24" width="28" height="28" focusable="false">
                    <circle cx="11" cy="11" r="7" fill="none" stroke="currentColor" stroke-width="1.8" />
                    <path d="M20 20l-4-4M8.5 11h5" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" />
                </svg>
            </span>
            <h2>{ "No products match" }</h2>
            <p>{ no_match_line(query, category_name, prices) }{ " " }{ hint }</p>
            <a class="button primary" href={all_products_href()}>{ "Clear all filters" }</a>
        </div>
    }
}

/// A page number past the end (an old bookmark, a hand-edited URL).
pub fn beyond_last_page(page: u32, first_page_href: String) -> Html {
    html! {
        <div class="beyond-last-page state-panel">
            <h2>{ format!("There is no page {page}") }</h2>
            <p>{ "These results have fewer pages than that." }</p>
            <a class="button primary" href={first_page_href}>{ "Go to page 1" }</a>
        </div>
    }
}

/// A failed call: "try again" when the catalog is down, the server's explanation when the
/// request itself was refused.
pub fn error_panel(error: &ApiError, on_retry: &Callback<()>) -> Html {
    match Failure::of(error) {
        Failure::Unavailable => {
            let on_retry = on_retry.clone();
            html! {
                <div class="error-state state-panel" role="alert">
                    <span class="state-icon" aria-hidden="true">{ "!" }</span>
                    <h2>{ "The catalog is unavailable" }</h2>
                    <p>{ "Please try again in a moment." }</p>
                    <button type="button" class="retry button primary" onclick={move |_| on_retry.emit(())}>
                        { "Try again" }
                    </button>
                </div>
            }
        }
        Failure::Rejected(message) => rejected(&message, "h2"),
        Failure::Missing => rejected(&error.message(), "h2"),
    }
}

/// A request the catalog refused, with its reason and the way back to everything.
/// `heading` is `h1` when the panel is the whole page.
pub fn rejected(message: &str, heading: &'static str) -> Html {
    html! {
        <div class="error-state state-panel" role="alert">
            <span class="state-icon" aria-hidden="true">{ "?" }</span>
            <@{heading}>{ "We can't show that list" }</@>
            <p class="error-message">{ sentence(message) }</p>
            <a class="button primary" href={all_products_href()}>{ "Show all products" }</a>
        </div>
    }
}

/// Server and parser messages are written as clauses (`page must be ...`); shown alone
/// they read better as a sentence.
pub fn sentence(message: &str) -> String {
    let message = message.trim();
    let mut out = String::with_capacity(message.len() + 1);
    let mut chars = message.chars();
    if let Some(first) = chars.next() {
        out.push(first.to_ascii_uppercase());
        out.extend(chars);
    }
    if !out.is_empty() && !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// The product page for a slug the catalog does not know.
pub fn product_missing() -> Html {
    html! {
        <div class="not-found state-panel">
            <span class="state-icon" aria-hidden="true">{ "?" }</span>
            <h1>{ "We couldn't find that product" }</h1>
            <p>{ "It may have been renamed or is no longer sold. Everything we have is in the catalog." }</p>
            <a class="button primary" href={all_products_href()}>{ "Browse all products" }</a>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(text: &str) -> ListingQuery {
        ListingQuery::parse(text).unwrap_or_default()
    }

    fn prices(min: Option<&str>, max: Option<&str>) -> PriceRange {
        PriceRange {
            min: min.map(Into::into),
            max: max.map(Into::into),
        }
    }

    #[test]
    fn an_empty_search_names_the_search_and_its_filters() {
        assert_eq!(
            no_match_line(
                &query("q=linen&category=bags&min_price=10&max_price=20&in_stock=true"),
                Some("Bags"),
                &prices(Some("€10.00"), Some("€20.00"))
            ),
            "Nothing matches your search for “linen” in Bags between €10.00 and €20.00 that's in stock."
        );
        assert_eq!(
            no_match_line(&query("q=unicorn"), None, &prices(None, None)),
            "Nothing matches your search for “unicorn”."
        );
    }

    #[test]
    fn an_empty_filtered_listing_names_the_filters() {
        assert_eq!(
            no_match_line(
                &query("max_price=5&in_stock=true"),
                None,
                &prices(None, Some("€5.00"))
            ),
            "We have nothing under €5.00 that's in stock right now."
        );
        assert_eq!(
            no_match_line(
                &query("category=books&min_price=500"),
                Some("Books"),
                &prices(Some("€500.00"), None)
            ),
            "We have nothing in Books from €500.00 right now."
        );
    }

    #[test]
    fn messages_read_as_sentences() {
        assert_eq!(
            sentence("page must be a whole number from 1 to 10000"),
            "Page must be a whole number from 1 to 10000."
        );
        assert_eq!(sentence("Already fine."), "Already fine.");
        assert_eq!(sentence("  "), "");
    }
}
