//! The listing: home (with its hero band), categories, search results and filters.

use crate::api;
use crate::app::{use_navigator, Route};
use crate::components::{
    category_nav::category_nav,
    filters::Filters,
    pager::pager,
    product_card::product_card,
    search_box::SearchBox,
    sort_menu::sort_menu,
    states::{beyond_last_page, empty_state, error_panel, loading_grid},
};
use catalog_api::{ListingPage as Page, ListingQuery};
use gloo_timers::callback::Timeout;
use mfe_kit::http::{use_first_answer, ApiError};
use mfe_kit::set_title;
use std::cell::Cell;
use std::rc::Rc;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// Cards drawn while the first listing loads: two rows on a wide screen.
const SKELETON_CARDS: usize = 8;
/// Cards whose image loads at once: the first row on a wide screen.
const EAGER_IMAGES: usize = 4;
/// On the page's first load, the cards drawn at once (two rows wide, the first screen of a
/// phone); the rest follow on the next tick. Creating DOM from wasm costs a call per node,
/// and on a slow phone drawing all 24 cards first delays the ones in view by ~0.1 s.
const FIRST_PAINT_CARDS: usize = 8;

/// The page heading: the search, the category, or "All products". `None` while the
/// category's name is not known yet (it arrives with the first listing).
pub fn listing_heading(query: &ListingQuery, category_name: Option<&str>) -> Option<String> {
    if let Some(q) = &query.q {
        return Some(format!("Search results for “{q}”"));
    }
    match &query.category {
        Some(_) => category_name.map(str::to_owned),
        None => Some("All products".to_owned()),
    }
}

/// The line above the grid: `64 products`, `3 products in Coffee & Tea`,
/// `2 results for “linen”`.
pub fn result_count(query: &ListingQuery, total: u64, category_name: Option<&str>) -> String {
    let noun = match (query.q.is_some(), total) {
        (true, 1) => "result",
        (true, _) => "results",
        (false, 1) => "product",
        (false, _) => "products",
    };
    let mut line = format!("{total} {noun}");
    if let Some(q) = &query.q {
        line.push_str(&format!(" for “{q}”"));
    }
    if let (Some(_), Some(name)) = (&query.category, category_name) {
        line.push_str(&format!(" in {name}"));
    }
    line
}

/// How many of the sidebar's filters (price, stock) are set, for the collapsed panel.
fn active_filters(query: &ListingQuery) -> usize {
    [
        query.min_price.is_some(),
        query.max_price.is_some(),
        query.in_stock,
    ]
    .into_iter()
    .filter(|set| *set)
    .count()
}

thread_local! {
    static PRODUCTS_MARKED: Cell<bool> = const { Cell::new(false) };
}

/// Whether products have been on screen since the page loaded (see [`FIRST_PAINT_CARDS`]).
fn products_were_shown() -> bool {
    PRODUCTS_MARKED.with(Cell::get)
}

/// Marks the first moment products are on screen, once per page load (benchmarks and
/// real-user monitoring read it).
fn mark_products_visible() {
    if !PRODUCTS_MARKED.with(|marked| marked.replace(true)) {
        mfe_kit::mark("catalog:products-visible");
    }
}

/// Whether the window has room for the filters beside the grid. A media query, not
/// `innerWidth`: reading that lays the page out at once, in the middle of hydrating it.
fn is_wide() -> bool {
    mfe_kit::browser::window()
        .and_then(|w| {
            w.match_media("not all and (max-width: 720px)")
                .ok()
                .flatten()
        })
        .is_none_or(|query| query.matches())
}

/// A listing that arrived, with the query it answers.
#[derive(PartialEq)]
struct Shown {
    query: ListingQuery,
    page: Page,
}

/// The listing's fetch state. The last listing stays on screen while the next loads.
#[derive(Default, PartialEq)]
struct Listing {
    shown: Option<Rc<Shown>>,
    /// The request in flight; answers to older ones (the shopper moved on) are dropped.
    in_flight: Option<u32>,
    error: Option<ApiError>,
}

enum Action {
    Started(u32),
    Arrived(u32, Rc<Shown>),
    Failed(u32, ApiError),
}

impl Reducible for Listing {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let current = |id| self.in_flight == Some(id);
        match action {
            Action::Started(id) => Rc::new(Listing {
                shown: self.shown.clone(),
                in_flight: Some(id),
                error: None,
            }),
            Action::Arrived(id, shown) if current(id) => Rc::new(Listing {
                shown: Some(shown),
                in_flight: None,
                error: None,
            }),
            Action::Failed(id, error) if current(id) => Rc::new(Listing {
                shown: self.shown.clone(),
                in_flight: None,
                error: Some(error),
            }),
            Action::Arrived(..) | Action::Failed(..) => self,
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct ListingPageProps {
    pub query: ListingQuery,
    /// The home page: a hero band on top, and the listing's headings one level down.
    pub home: bool,
}

#[function_component]
pub fn ListingPage(props: &ListingPageProps) -> Html {
    // On the page's first load the listing is usually here already (the shell asked for it).
    let (first, skip_first_fetch) = use_first_answer(|| api::ready_listing(&props.query));
    let state = use_reducer(|| match first {
        Some(Ok(page)) => Listing {
            shown: Some(Rc::new(Shown {
                query: props.query.clone(),
                page,
            })),
            ..Listing::default()
        },
        Some(Err(error)) => Listing {
            error: Some(error),
            ..Listing::default()
        },
        None => Listing::default(),
    });
    let retries = use_state(|| 0_u32);
    let requests = use_mut_ref(|| 0_u32);
    // The filters are open where there is room for them beside the grid. Markup rendered
    // on the server (which knows no width) has them closed, and opens them once hydrated.
    let wide = use_state(|| !mfe_kit::hydratable_render() && is_wide());
    {
        let wide = wide.clone();
        use_effect_with((), move |_| wide.set(is_wide()));
    }

    {
        let dispatcher = state.dispatcher();
        use_effect_with((props.query.clone(), *retries), move |(query, _)| {
            if skip_first_fetch.replace(false) {
                return;
            }
            let id = {
                let mut requests = requests.borrow_mut();
                *requests += 1;
                *requests
            };
            dispatcher.dispatch(Action::Started(id));
            let query = query.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match api::listing(&query).await {
                    Ok(page) => {
                        dispatcher.dispatch(Action::Arrived(id, Rc::new(Shown { query, page })))
                    }
                    Err(error) => dispatcher.dispatch(Action::Failed(id, error)),
                }
            });
        });
    }

    let query = &props.query;
    let shown = state.shown.as_deref();
    // Busy from the navigation until the answer (or an error) arrives, even before the
    // fetch effect has run.
    let busy = state.in_flight.is_some()
        || (state.error.is_none() && shown.is_none_or(|s| s.query != *query));
    // Category names do not change, so the previous listing's facets can name this one.
    let name_of = |slug: &Option<String>| -> Option<String> {
        let slug = slug.as_deref()?;
        let facet = shown?.page.categories.iter().find(|c| c.slug == slug)?;
        Some(facet.name.clone())
    };
    let category_name = name_of(&query.category);
    let heading = listing_heading(query, category_name.as_deref());

    {
        let home = props.home;
        use_effect_with((home, heading.clone()), |(home, heading)| {
            if *home {
                set_title(None);
            } else if let Some(heading) = heading {
                set_title(Some(heading));
            }
        });
    }

    let shows_products =
        !busy && state.error.is_none() && shown.is_some_and(|s| !s.page.products.is_empty());
    // The page's very first cards are drawn in two steps; later listings all at once (so
    // back/forward can restore the scroll position against the full grid).
    // (Markup rendered on the server has every card.)
    let first_paint = use_state(|| !products_were_shown() && !mfe_kit::hydratable_render());
    {
        let first_paint = first_paint.clone();
        use_effect_with(shows_products, move |shows| {
            if *shows {
                mark_products_visible();
                if *first_paint {
                    Timeout::new(0, move || first_paint.set(false)).forget();
                }
            }
        });
    }
    let card_limit = if *first_paint {
        FIRST_PAINT_CARDS
    } else {
        usize::MAX
    };

    let on_retry = {
        let retries = retries.clone();
        Callback::from(move |()| retries.set(*retries + 1))
    };

    // Back/forward can change the order under a select the shopper has already used.
    let sort_select = use_node_ref();
    {
        let sort_select = sort_select.clone();
        use_effect_with(query.sort, move |sort| {
            if let Some(select) = sort_select.cast::<HtmlSelectElement>() {
                select.set_value(sort.as_str());
            }
        });
    }
    let navigate = use_navigator();

    let (title_tag, card_tag) = if props.home {
        ("h2", "h3")
    } else {
        ("h1", "h2")
    };

    let results = if let Some(error) = &state.error {
        error_panel(error, &on_retry)
    } else if let Some(shown) = shown {
        let page = &shown.page;
        if page.products.is_empty() {
            if page.paging.total_items > 0 {
                let first = Route::Listing(shown.query.on_page(1)).to_href();
                beyond_last_page(shown.query.page.get(), first)
            } else {
                empty_state(
                    &shown.query,
                    name_of(&shown.query.category).as_deref(),
                    &page.price_range,
                )
            }
        } else {
            html! {
                <>
                    <ul class="product-grid">
                        { for page.products.iter().take(card_limit).enumerate().map(|(i, card)| {
                            product_card(card, i < EAGER_IMAGES, i == 0, card_tag)
                        }) }
                    </ul>
                    { pager(&shown.query, page.paging) }
                </>
            }
        }
    } else {
        loading_grid(SKELETON_CARDS)
    };

    let count = match (shown, &state.error) {
        (Some(shown), None) => result_count(
            &shown.query,
            shown.page.paging.total_items,
            name_of(&shown.query.category).as_deref(),
        ),
        // Short, so the toolbar keeps its shape on a phone (see the stylesheet).
        (None, None) => "Loading…".to_owned(),
        (_, Some(_)) => String::new(),
    };

    let filter_count = active_filters(query);

    html! {
        <div class={classes!("listing", props.home.then_some("is-home"))} aria-busy={busy.to_string()}>
            if props.home {
                { hero() }
            }
            <header class="listing-header">
                <@{title_tag} class="listing-title">
                    { match &heading {
                        Some(heading) => html! { heading.clone() },
                        None if state.error.is_some() => html! { "Products" },
                        None => html! {
                            <span class="skeleton-line title-skeleton">
                                <span class="visually-hidden">{ "Loading…" }</span>
                            </span>
                        },
                    } }
                </@>
                <SearchBox query={query.clone()} />
            </header>
            <div class="listing-layout">
                <aside class="listing-sidebar">
                    // Shimmering placeholders would promise categories an error
                    // will not bring.
                    if shown.is_some() || state.error.is_none() {
                        { category_nav(query, shown.map(|s| s.page.categories.as_slice())) }
                    }
                    <details class="filters-panel" open={*wide}>
                        <summary>
                            { "Filters" }
                            if filter_count > 0 {
                                <span class="filter-count">{ format!(" ({filter_count})") }</span>
                            }
                        </summary>
                        <Filters query={query.clone()} />
                    </details>
                </aside>
                <section
                    class={classes!("results", (busy && shown.is_some()).then_some("is-refreshing"))}
                    aria-label="Products"
                >
                    <div class="results-toolbar">
                        <p class="result-count" aria-live="polite">{ count }</p>
                        { sort_menu(query, &navigate, &sort_select) }
                    </div>
                    { results }
                </section>
            </div>
        </div>
    }
}

/// The home page's welcome band.
fn hero() -> Html {
    let all = Route::Listing(ListingQuery::default()).to_href();
    html! {
        <section class="hero" aria-labelledby="catalog-hero-title">
            <div class="hero-text">
                <p class="hero-eyebrow">{ "New season, same good things" }</p>
                <h1 id="catalog-hero-title">{ "Everyday goods, made well." }</h1>
                <p class="hero-line">
                    { "Coffee, cookware, books and more — chosen to last, and priced fairly." }
                </p>
                <a class="button primary hero-cta" href={all}>{ "Shop all products" }</a>
            </div>
            <div class="hero-art" aria-hidden="true">
                <span class="hero-disc one"></span>
                <span class="hero-disc two"></span>
                <span class="hero-disc three"></span>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(text: &str) -> ListingQuery {
        ListingQuery::parse(text).unwrap_or_default()
    }

    #[test]
    fn the_result_count_counts_products() {
        assert_eq!(result_count(&query(""), 64, None), "64 products");
        assert_eq!(result_count(&query(""), 1, None), "1 product");
        assert_eq!(result_count(&query("in_stock=true"), 0, None), "0 products");
    }

    #[test]
    fn the_result_count_names_the_category() {
        assert_eq!(
            result_count(&query("category=coffee-tea"), 3, Some("Coffee & Tea")),
            "3 products in Coffee & Tea"
        );
    }

    #[test]
    fn the_result_count_of_a_search_counts_results() {
        assert_eq!(
            result_count(&query("q=linen"), 2, None),
            "2 results for “linen”"
        );
        assert_eq!(
            result_count(&query("q=linen&category=bags"), 1, Some("Bags")),
            "1 result for “linen” in Bags"
        );
    }

    #[test]
    fn the_heading_says_what_is_listed() {
        assert_eq!(
            listing_heading(&query(""), None).as_deref(),
            Some("All products")
        );
        assert_eq!(
            listing_heading(&query("category=books"), Some("Books")).as_deref(),
            Some("Books")
        );
        assert_eq!(listing_heading(&query("category=books"), None), None);
        assert_eq!(
            listing_heading(&query("q=mug&category=kitchen"), Some("Kitchen")).as_deref(),
            Some("Search results for “mug”")
        );
    }

    #[test]
    fn only_price_and_stock_count_as_sidebar_filters() {
        assert_eq!(active_filters(&query("q=tea&category=books&sort=name")), 0);
        assert_eq!(active_filters(&query("min_price=5&in_stock=true")), 2);
    }

    #[test]
    fn an_answer_to_an_older_request_is_dropped() {
        let state = Rc::new(Listing::default());
        let state = state.reduce(Action::Started(1));
        let state = state.reduce(Action::Started(2));
        let state = state.reduce(Action::Failed(1, ApiError::Network));
        assert_eq!(state.error, None);
        assert_eq!(state.in_flight, Some(2));
    }
}
