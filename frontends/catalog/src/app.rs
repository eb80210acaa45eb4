//! The catalog's routes and its tiny router.
//!
//! yew-router would double the bundle for four routes, so the URL is read and written here:
//! links stay real `<a href>` (new tab, reload and keyboard work), a plain click is turned
//! into `history.pushState`, and `popstate` brings back/forward.

use crate::components::states::rejected;
use crate::pages::{listing::ListingPage, not_found::not_found, product::ProductPage};
use catalog_api::{InvalidParameter, ListingQuery};
use gloo_events::EventListener;
use mfe_kit::set_title;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use wasm_bindgen::JsValue;
use yew::prelude::*;

/// Where the shopper-facing listing lives (the API's path minus its `/api/catalog` prefix).
const LISTING_PATH: &str = "/products";

/// What to escape in a product slug put into a path (slugs are `[a-z0-9-]`, but a typed
/// URL may hold anything).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A screen of the catalog, as the URL names it.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    /// `/`: the hero band above the default listing.
    Home,
    /// `/products?<canonical listing query>`.
    Listing(ListingQuery),
    /// `/products?...` whose query cannot be read; shown as an error, never sent to the BFF.
    InvalidListing(InvalidParameter),
    /// `/products/<slug>`.
    Product { slug: String },
    /// Anything else under the catalog's slot.
    NotFound { path: String },
}

impl Route {
    /// Reads `location.pathname` and `location.search`.
    pub fn from_location(path: &str, search: &str) -> Route {
        let trimmed = match path.strip_suffix('/') {
            Some(rest) if !rest.is_empty() => rest,
            _ => path,
        };
        match trimmed {
            "" | "/" => Route::Home,
            LISTING_PATH => match ListingQuery::parse(search) {
                Ok(query) => Route::Listing(query),
                Err(invalid) => Route::InvalidListing(invalid),
            },
            _ => match trimmed.strip_prefix("/products/") {
                Some(segment) if !segment.contains('/') => {
                    let slug = percent_decode_str(segment).decode_utf8_lossy();
                    Route::Product {
                        slug: slug.into_owned(),
                    }
                }
                _ => Route::NotFound {
                    path: path.to_owned(),
                },
            },
        }
    }

    /// The canonical URL (path and query) of this screen.
    pub fn to_href(&self) -> String {
        match self {
            Route::Home => "/".to_owned(),
            Route::Listing(query) => {
                catalog_api::with_query(LISTING_PATH, &query.to_query_string())
            }
            Route::InvalidListing(_) => LISTING_PATH.to_owned(),
            Route::Product { slug } => {
                format!("{LISTING_PATH}/{}", utf8_percent_encode(slug, SEGMENT))
            }
            Route::NotFound { path } => path.clone(),
        }
    }

    /// Whether the address bar should be rewritten to [`Route::to_href`]. Broken URLs stay
    /// as typed so the shopper can see and fix what they asked for.
    fn has_canonical_href(&self) -> bool {
        !matches!(self, Route::InvalidListing(_) | Route::NotFound { .. })
    }
}

/// Splits a root-relative href into path and query, dropping any `#fragment`.
fn split_href(href: &str) -> (&str, &str) {
    let href = href.split_once('#').map_or(href, |(before, _)| before);
    href.split_once('?').unwrap_or((href, ""))
}

/// The route a clicked link leads to, if the catalog draws that page itself. Links to
/// other origins, protocol-relative links and other MFEs' pages load normally.
fn route_of_link(href: &str) -> Option<Route> {
    if !href.starts_with('/') || href.starts_with("//") {
        return None;
    }
    let (path, search) = split_href(href);
    match Route::from_location(path, search) {
        Route::NotFound { .. } => None,
        route => Some(route),
    }
}

/// Moves the catalog to another screen without reloading the page. Provided as context.
#[derive(Clone, PartialEq)]
pub struct Navigator(Callback<Route>);

impl Navigator {
    /// Pushes `route` onto the history and shows it.
    pub fn push(&self, route: Route) {
        self.0.emit(route);
    }
}

/// Navigates with the [`Navigator`] in context (a no-op outside the app, e.g. in tests).
#[hook]
pub fn use_navigator() -> Callback<Route> {
    let navigator = use_context::<Navigator>();
    use_memo(navigator, |navigator| {
        let navigator = navigator.clone();
        Callback::from(move |route: Route| {
            if let Some(navigator) = &navigator {
                navigator.push(route);
            }
        })
    })
    .as_ref()
    .clone()
}

fn current_location() -> Option<(String, String)> {
    let location = mfe_kit::browser::window()?.location();
    Some((location.pathname().ok()?, location.search().ok()?))
}

fn current_route() -> Route {
    match current_location() {
        Some((path, search)) => Route::from_location(&path, &search),
        None => Route::Home,
    }
}

/// Writes the canonical URL over the current history entry when it is spelt otherwise
/// (`?page=1&sort=newest` → no query), so the address bar always shows the state.
fn replace_with_canonical(route: &Route) {
    if !route.has_canonical_href() {
        return;
    }
    let Some((path, search)) = current_location() else {
        return;
    };
    let href = route.to_href();
    if format!("{path}{search}") != href {
        if let Some(history) = mfe_kit::browser::window().and_then(|w| w.history().ok()) {
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&href));
        }
    }
}

/// A new history entry for `route` (unless it is the page already shown), scrolled to the top.
fn push_history(route: &Route) {
    let Some(window) = mfe_kit::browser::window() else {
        return;
    };
    let href = route.to_href();
    let here = current_location().map(|(path, search)| format!("{path}{search}"));
    if here.as_deref() != Some(href.as_str()) {
        if let Ok(history) = window.history() {
            let _ = history.push_state_with_url(&JsValue::NULL, "", Some(&href));
        }
    }
    window.scroll_to_with_x_and_y(0.0, 0.0);
}

/// Turns a plain click on an internal link into a client-side navigation. One handler on
/// the root serves every link the catalog draws.
fn follow_link(event: &MouseEvent, navigator: &Navigator) {
    if let Some(route) = mfe_kit::links::plain_link_click(event)
        .as_deref()
        .and_then(route_of_link)
    {
        event.prevent_default();
        navigator.push(route);
    }
}

#[derive(Properties, PartialEq, Default)]
pub struct AppProps {
    /// The page to show first; the browser's address when `None`. (On the server, which
    /// has no address bar.)
    #[prop_or_default]
    pub route: Option<Route>,
}

/// The catalog app: reads the URL, keeps it in step, and shows the matching page.
#[function_component]
pub fn App(props: &AppProps) -> Html {
    let route = use_state(|| props.route.clone().unwrap_or_else(current_route));

    let navigator = {
        let set_route = route.setter();
        use_memo((), move |_| {
            Navigator(Callback::from(move |next: Route| {
                push_history(&next);
                set_route.set(next);
            }))
        })
        .as_ref()
        .clone()
    };

    {
        let set_route = route.setter();
        use_effect_with((), move |_| {
            replace_with_canonical(&current_route());
            let listener = mfe_kit::browser::window().map(|window| {
                EventListener::new(&window, "popstate", move |_| {
                    let route = current_route();
                    replace_with_canonical(&route);
                    set_route.set(route);
                })
            });
            move || drop(listener)
        });
    }

    // Pages that fetch set their own title once they know it; these two know it now.
    use_effect_with((*route).clone(), |route| match route {
        Route::InvalidListing(_) => set_title(Some("Products")),
        Route::NotFound { .. } => set_title(Some("Page not found")),
        _ => {}
    });

    let onclick = {
        let navigator = navigator.clone();
        Callback::from(move |event: MouseEvent| follow_link(&event, &navigator))
    };

    html! {
        <ContextProvider<Navigator> context={navigator}>
            <div class="catalog" {onclick}>{ switch(&route) }</div>
        </ContextProvider<Navigator>>
    }
}

fn switch(route: &Route) -> Html {
    match route {
        // Home and listing are the same component at the same place, so going from one to
        // the other keeps the products on screen while the next ones load.
        Route::Home => html! { <ListingPage query={ListingQuery::default()} home=true /> },
        Route::Listing(query) => html! { <ListingPage query={query.clone()} home=false /> },
        // A listing URL that cannot be read is explained without asking the BFF.
        Route::InvalidListing(invalid) => {
            html! { <div class="page-state">{ rejected(&invalid.message, "h1") }</div> }
        }
        Route::Product { slug } => html! { <ProductPage key={slug.clone()} slug={slug.clone()} /> },
        Route::NotFound { .. } => not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use catalog_api::{Amount, Page, Sort};

    #[test]
    fn the_root_is_home_whatever_its_query() {
        assert_eq!(Route::from_location("/", ""), Route::Home);
        assert_eq!(Route::from_location("/", "?utm_source=mail"), Route::Home);
        assert_eq!(Route::Home.to_href(), "/");
    }

    #[test]
    fn a_listing_url_is_read_with_the_listing_query_rules() {
        let route = Route::from_location("/products", "?category=books&page=2");
        let expected = ListingQuery {
            category: Some("books".into()),
            page: Page::new(2),
            ..ListingQuery::default()
        };
        assert_eq!(route, Route::Listing(expected));
        assert_eq!(
            Route::from_location("/products/", ""),
            Route::Listing(ListingQuery::default())
        );
    }

    #[test]
    fn a_listing_href_is_canonical() {
        let route = Route::from_location("/products", "?page=1&sort=newest&in_stock=1&q=%20tea");
        assert_eq!(route.to_href(), "/products?q=tea&in_stock=true");
        let query = ListingQuery {
            max_price: Amount::parse("max_price", "12.5").ok(),
            sort: Sort::PriceAsc,
            ..ListingQuery::default()
        };
        assert_eq!(
            Route::Listing(query).to_href(),
            "/products?max_price=12.50&sort=price_asc"
        );
        assert_eq!(
            Route::Listing(ListingQuery::default()).to_href(),
            "/products"
        );
    }

    #[test]
    fn an_unreadable_listing_query_is_kept_as_an_error() {
        match Route::from_location("/products", "?page=zero") {
            Route::InvalidListing(invalid) => assert_eq!(invalid.field, "page"),
            other => panic!("expected an invalid listing, got {other:?}"),
        }
    }

    #[test]
    fn a_product_url_names_its_slug() {
        let route = Route::from_location("/products/oak-desk", "");
        assert_eq!(
            route,
            Route::Product {
                slug: "oak-desk".into()
            }
        );
        assert_eq!(route.to_href(), "/products/oak-desk");
        assert_eq!(
            Route::from_location("/products/oak-desk/", ""),
            Route::Product {
                slug: "oak-desk".into()
            }
        );
    }

    #[test]
    fn a_product_slug_is_decoded_and_reencoded() {
        let route = Route::from_location("/products/a%20b", "");
        assert_eq!(route, Route::Product { slug: "a b".into() });
        assert_eq!(route.to_href(), "/products/a%20b");
    }

    #[test]
    fn other_paths_are_not_found() {
        for path in ["/cart", "/products/a/b", "/productsx", "/about/"] {
            assert!(
                matches!(Route::from_location(path, ""), Route::NotFound { .. }),
                "{path}"
            );
        }
    }

    #[test]
    fn only_links_to_catalog_pages_are_followed_in_place() {
        assert_eq!(route_of_link("/"), Some(Route::Home));
        assert_eq!(
            route_of_link("/products?sort=name#top"),
            Some(Route::Listing(ListingQuery {
                sort: Sort::Name,
                ..ListingQuery::default()
            }))
        );
        assert_eq!(route_of_link("/cart"), None);
        assert_eq!(route_of_link("//example.com/products"), None);
        assert_eq!(route_of_link("https://example.com/"), None);
        assert_eq!(route_of_link("#reviews"), None);
        assert_eq!(route_of_link("/api/catalog/products"), None);
    }
}
