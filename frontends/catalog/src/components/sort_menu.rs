//! The "Sort by" menu above the grid.

use crate::app::Route;
use crate::components::{kept_parameters, LISTING_ACTION};
use catalog_api::{ListingQuery, Page, Sort};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// The menu for `query`'s order. It applies on change (without JavaScript: with its
/// button, as a GET form), and a new order starts
/// from the first page. The owner of `select` keeps its value in step with the URL (an
/// option's `selected` attribute no longer moves a select the shopper has touched).
pub fn sort_menu(query: &ListingQuery, navigate: &Callback<Route>, select: &NodeRef) -> Html {
    let onchange = {
        let (query, navigate) = (query.clone(), navigate.clone());
        Callback::from(move |event: Event| {
            let value = event.target_unchecked_into::<HtmlSelectElement>().value();
            if let Ok(sort) = Sort::parse(&value) {
                navigate.emit(Route::Listing(ListingQuery {
                    sort,
                    page: Page::default(),
                    ..query.clone()
                }));
            }
        })
    };
    html! {
        <form class="sort" action={LISTING_ACTION} method="get">
            { kept_parameters(query, &["sort"]) }
            <label for="catalog-sort">{ "Sort by" }</label>
            <select id="catalog-sort" name="sort" ref={select.clone()} {onchange}>
                { for Sort::ALL.into_iter().map(|sort| html! {
                    <option value={sort.as_str()} selected={sort == query.sort}>
                        { sort.label() }
                    </option>
                }) }
            </select>
            // Without JavaScript a change applies nothing: this button does.
            <button type="submit" class="button secondary without-scripts">{ "Sort" }</button>
        </form>
    }
}
