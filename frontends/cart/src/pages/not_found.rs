//! An address under `/cart` or `/checkout` that is no page.

use cart_api::CART_PAGE;
use yew::prelude::*;

pub fn not_found() -> Html {
    html! {
        <div class="page-state">
            <div class="not-found state-panel">
                <span class="state-icon" aria-hidden="true">{ "?" }</span>
                <h1>{ "Page not found" }</h1>
                <p>{ "There is nothing at this address. Your cart is still where you left it." }</p>
                <a class="button primary" href={CART_PAGE}>{ "Go to your cart" }</a>
            </div>
        </div>
    }
}
