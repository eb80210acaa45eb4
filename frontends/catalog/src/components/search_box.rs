//! The search field above the listing.

use crate::app::{use_navigator, Route};
use crate::components::{kept_parameters, LISTING_ACTION};
use catalog_api::{ListingQuery, Page, MAX_SEARCH_LEN};
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SearchBoxProps {
    pub query: ListingQuery,
}

/// Searching keeps the category and filters (so a search can be narrowed) and starts
/// again from the first page.
#[function_component]
pub fn SearchBox(props: &SearchBoxProps) -> Html {
    let navigate = use_navigator();
    let input = use_node_ref();
    let onsubmit = {
        let (query, input) = (props.query.clone(), input.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let Some(field) = input.cast::<HtmlInputElement>() else {
                return;
            };
            let text = field.value();
            let words: Vec<&str> = text.split_whitespace().collect();
            let q = words.join(" ");
            navigate.emit(Route::Listing(ListingQuery {
                q: (!q.is_empty()).then_some(q),
                page: Page::default(),
                ..query.clone()
            }));
        })
    };
    html! {
        <form class="search" role="search" action={LISTING_ACTION} method="get" {onsubmit}>
            { kept_parameters(&props.query, &["q"]) }
            <svg class="search-icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
                <circle cx="11" cy="11" r="7" fill="none" stroke="currentColor" stroke-width="2" />
                <path d="M20 20l-4-4" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
            </svg>
            <input
                ref={input}
                type="search"
                name="q"
                aria-label="Search products"
                placeholder="Search products…"
                maxlength={MAX_SEARCH_LEN.to_string()}
                autocomplete="off"
                enterkeyhint="search"
                value={props.query.q.clone().unwrap_or_default()}
            />
            <button type="submit" class="button primary">{ "Search" }</button>
        </form>
    }
}
