//! The category links beside the listing, each with how many products match there.

use crate::app::Route;
use catalog_api::{CategoryFacet, ListingQuery, Page};
use yew::prelude::*;

/// The same listing in another category (or in all of them), from its first page.
fn in_category(query: &ListingQuery, category: Option<&str>) -> String {
    Route::Listing(ListingQuery {
        category: category.map(str::to_owned),
        page: Page::default(),
        ..query.clone()
    })
    .to_href()
}

/// "All products" and one link per category, keeping the search and filters of `query`.
/// `categories` is `None` until the first listing arrives. Categories without matches
/// stay (muted) so the navigation does not jump around as filters change.
pub fn category_nav(query: &ListingQuery, categories: Option<&[CategoryFacet]>) -> Html {
    let Some(categories) = categories else {
        return html! {
            <nav class="categories" aria-label="Categories" aria-busy="true">
                <p class="sidebar-heading" aria-hidden="true">{ "Categories" }</p>
                // As many rows as "All products" and the shop's eight categories, as tall as
                // theirs. Keyed, so the real list is new nodes rather than these grey ones
                // resized: a phone shows them as chips, whose widths only the names give.
                <ul key="loading">
                    { for (0..9).map(|_| html! {
                        <li><span class="skeleton-line category-skeleton"></span></li>
                    }) }
                </ul>
            </nav>
        };
    };
    let active = query.category.as_deref();
    let total: u64 = categories.iter().map(|c| c.product_count).sum();
    let link = |name: &str, slug: Option<&str>, count: u64| {
        let current = active == slug;
        html! {
            <li>
                <a
                    href={in_category(query, slug)}
                    class={classes!((count == 0 && !current).then_some("is-empty"))}
                    aria-current={current.then_some("page")}
                >
                    <span class="category-name">{ name.to_owned() }</span>
                    <span class="count">{ count }</span>
                </a>
            </li>
        }
    };
    html! {
        <nav class="categories" aria-label="Categories">
            <p class="sidebar-heading" aria-hidden="true">{ "Categories" }</p>
            <ul>
                { link("All products", None, total) }
                { for categories.iter().map(|c| link(&c.name, Some(&c.slug), c.product_count)) }
            </ul>
        </nav>
    }
}
