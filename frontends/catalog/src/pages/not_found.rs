//! Any address under the catalog that names no page. (Its title is set by the router.)

use crate::app::Route;
use catalog_api::ListingQuery;
use yew::prelude::*;

pub fn not_found() -> Html {
    let all = Route::Listing(ListingQuery::default()).to_href();
    html! {
        <div class="page-not-found not-found state-panel">
            <p class="big-code" aria-hidden="true">{ "404" }</p>
            <h1>{ "Page not found" }</h1>
            <p>{ "The page you were looking for isn't here. It may have moved, or the address may be mistyped." }</p>
            <a class="button primary" href={all}>{ "Browse all products" }</a>
        </div>
    }
}
