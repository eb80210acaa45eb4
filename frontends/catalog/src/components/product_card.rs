//! A product in the grid, and the stock badge shared with the product page.
//!
//! Stateless pieces of the catalog are plain functions returning `Html` rather than
//! components: every Yew component type adds its own copy of the component machinery to
//! the wasm, and these would gain nothing from it.

use crate::app::Route;
use catalog_api::{ProductCard as Card, StockBadge as Badge, StockLevel};
use yew::prelude::*;

/// One card; the whole card is a single link to the product page. `heading` is `h2` on
/// the listing page and `h3` under the home page's hero heading; `eager` cards (the
/// first screenful) load their image at once, the rest when scrolled near. The `first`
/// card's name is timed by the browser when it is painted (`elementtiming`, read by the
/// benchmarks as "first product visible").
pub fn product_card(card: &Card, eager: bool, first: bool, heading: &'static str) -> Html {
    let href = Route::Product {
        slug: card.slug.clone(),
    }
    .to_href();
    html! {
        <li class="product-card" key={card.id.to_string()}>
            <a class="product-link" {href}>
                <div class="product-image">
                    <img
                        src={card.image.url.clone()}
                        alt={card.image.alt.clone()}
                        width="400"
                        height="400"
                        loading={if eager { "eager" } else { "lazy" }}
                        decoding="async"
                    />
                </div>
                <div class="product-info">
                    <@{heading} class="product-name" elementtiming={first.then_some(FIRST_PRODUCT)}>{ &card.name }</@>
                    <div class="product-meta">
                        <span class="price">{ &card.price }</span>
                        { stock_badge(&card.stock) }
                    </div>
                </div>
            </a>
        </li>
    }
}

/// The `elementtiming` name of the first product a page shows (a listing's first card, a
/// product page's title).
pub const FIRST_PRODUCT: &str = "first-product";

/// The class naming a stock level, as the stylesheet and the browser tests know it.
pub fn stock_class(level: StockLevel) -> &'static str {
    match level {
        StockLevel::InStock => "stock-in_stock",
        StockLevel::Low => "stock-low",
        StockLevel::OutOfStock => "stock-out_of_stock",
    }
}

/// "In stock", "Only 3 left", "Out of stock", coloured by level.
pub fn stock_badge(badge: &Badge) -> Html {
    html! {
        <span class={classes!("stock-badge", stock_class(badge.level))}>{ &badge.label }</span>
    }
}

/// A grey stand-in for a card while the listing loads.
pub fn skeleton_card() -> Html {
    html! {
        <li class="product-card skeleton" aria-hidden="true">
            <div class="product-image"></div>
            <div class="product-info">
                <span class="skeleton-line wide"></span>
                <span class="skeleton-line short"></span>
            </div>
        </li>
    }
}
