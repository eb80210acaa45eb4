//! The account pages and their tiny router (the cart's approach, see its `app.rs`): links
//! stay real `<a href>`, a plain click on a link to another account page becomes
//! `history.pushState`, and `popstate` brings back/forward. Links to other slices' pages
//! load normally.
//!
//! The header menu is another mount of this same wasm instance: its links to account pages
//! go through [`follow_link`] too, so with an account page in the main slot they switch
//! screens in place, and anywhere else they load the page.

use crate::pages::{
    addresses::AddressesPage,
    auth::{AuthPage, Mode},
    not_found::not_found,
    orders::{is_order_id, OrdersPage},
    profile::ProfilePage,
};
use account_api::{
    safe_next, sign_in_page_returning_to, ACCOUNT_PAGE, ADDRESSES_PAGE, ORDERS_PAGE, SIGN_IN_PAGE,
    SIGN_UP_PAGE,
};
use gloo_events::{EventListener, EventListenerOptions};
use mfe_kit::set_title;
use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

/// A screen of the account MFE, as the URL names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/account`: the profile.
    Profile,
    /// `/account/sign-in?next=<where to return>`.
    SignIn { next: Option<String> },
    /// `/account/sign-up?next=<where to return>`.
    SignUp { next: Option<String> },
    /// `/account/addresses`.
    Addresses,
    /// `/account/orders`.
    Orders,
    /// `/account/orders/<id>`; the id as the URL spells it (the page checks its shape).
    Order { id: String },
    /// Anything else nginx sends to the account MFE.
    NotFound,
}

impl Route {
    /// Reads `location.pathname` and `location.search`.
    pub fn from_location(path: &str, search: &str) -> Route {
        let path = match path.strip_suffix('/') {
            Some(rest) if !rest.is_empty() => rest,
            _ => path,
        };
        let next = || query_value(search, "next");
        match path {
            ACCOUNT_PAGE => Route::Profile,
            SIGN_IN_PAGE => Route::SignIn { next: next() },
            SIGN_UP_PAGE => Route::SignUp { next: next() },
            ADDRESSES_PAGE => Route::Addresses,
            ORDERS_PAGE => Route::Orders,
            _ => match path
                .strip_prefix(ORDERS_PAGE)
                .and_then(|rest| rest.strip_prefix('/'))
            {
                Some(id) if !id.is_empty() && !id.contains('/') => Route::Order { id: id.into() },
                _ => Route::NotFound,
            },
        }
    }

    /// The URL of this screen (`None` for no screen).
    pub fn to_href(&self) -> Option<String> {
        Some(match self {
            Route::Profile => ACCOUNT_PAGE.to_owned(),
            Route::SignIn { next } => sign_in_href(next.as_deref()),
            Route::SignUp { next } => sign_up_href(next.as_deref()),
            Route::Addresses => ADDRESSES_PAGE.to_owned(),
            Route::Orders => ORDERS_PAGE.to_owned(),
            Route::Order { id } => account_api::order_page(id),
            Route::NotFound => return None,
        })
    }

    /// The document title's page part.
    pub fn title(&self) -> &'static str {
        match self {
            Route::Profile => "Your account",
            Route::SignIn { .. } => "Sign in",
            Route::SignUp { .. } => "Create an account",
            Route::Addresses => "Your addresses",
            Route::Orders => "Your orders",
            Route::Order { id } if is_order_id(id) => "Your order",
            Route::Order { .. } => "Order not found",
            Route::NotFound => "Page not found",
        }
    }

    /// The sign-in page that comes back to the page being shown now.
    pub fn sign_in_returning_here() -> Route {
        Route::SignIn {
            next: Some(crate::session::here()),
        }
    }
}

/// The sign-in page, returning to `next` afterwards.
pub fn sign_in_href(next: Option<&str>) -> String {
    next.map_or_else(|| SIGN_IN_PAGE.to_owned(), sign_in_page_returning_to)
}

/// The sign-up page, returning to `next` afterwards (spelled as the sign-in page's).
pub fn sign_up_href(next: Option<&str>) -> String {
    let sign_in = sign_in_href(next);
    let query = sign_in.strip_prefix(SIGN_IN_PAGE).unwrap_or_default();
    format!("{SIGN_UP_PAGE}{query}")
}

/// Where to go after signing in or up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// An account page: shown in place.
    Here(Route),
    /// Any other page of the shop: loaded, so its slice reads the new identity from the
    /// start.
    Load(String),
}

/// Where `next` (the sign-in page's `?next=`) leads: a page of this shop, else `/account`;
/// never back to signing in.
pub fn destination(next: Option<&str>) -> Destination {
    let Some(next) = next.and_then(safe_next) else {
        return Destination::Here(Route::Profile);
    };
    let path = next.split(['?', '#']).next().unwrap_or_default();
    let search = next.find('?').map_or("", |at| &next[at..]);
    match Route::from_location(path, search) {
        Route::SignIn { .. } | Route::SignUp { .. } => Destination::Here(Route::Profile),
        Route::NotFound => Destination::Load(next.to_owned()),
        route => Destination::Here(route),
    }
}

/// Goes to `next` (or the account) after signing in: in place for an account page.
pub fn go_on(next: Option<&str>) {
    match destination(next) {
        Destination::Here(route) => redirect(route),
        Destination::Load(href) => crate::session::load_page(&href),
    }
}

/// The value of `key` in a query string (`?a=1&next=%2Fcart`), decoded by the browser.
#[cfg(target_arch = "wasm32")]
fn query_value(search: &str, key: &str) -> Option<String> {
    web_sys::UrlSearchParams::new_with_str(search)
        .ok()?
        .get(key)
}

/// The same for the unit tests, which run natively: percent escapes and `+` decoded as the
/// browser does. (The wasm leaves it to the browser: a decoder here costs the bundle.)
#[cfg(not(target_arch = "wasm32"))]
fn query_value(search: &str, key: &str) -> Option<String> {
    let value = search
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| *name == key)?
        .1;
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |at: usize| bytes.get(at).and_then(|b| char::from(*b).to_digit(16));
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
                continue;
            }
            (b'+', ..) => out.push(b' '),
            (byte, ..) => out.push(byte),
        }
        i += 1;
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// The route a clicked link leads to, if the account MFE draws that page itself.
fn route_of_link(href: &str) -> Option<Route> {
    if !href.starts_with('/') || href.starts_with("//") || href.contains('#') {
        return None;
    }
    let (path, search) = href.split_at(href.find('?').unwrap_or(href.len()));
    match Route::from_location(path, search) {
        Route::NotFound => None,
        route => Some(route),
    }
}

thread_local! {
    /// Shows a route in the mounted page (set while the page is mounted).
    static SHOW: RefCell<Option<Callback<Route>>> = const { RefCell::new(None) };
}

/// Moves the account page to another of its screens without reloading: a new history
/// entry, scrolled to the top. Without a mounted page, the browser loads the URL.
pub fn navigate(route: Route) {
    go(route, false);
}

/// As [`navigate`], replacing the current history entry: for a page the shopper cannot
/// stay on (signed out, or already signed in), so Back does not lead there again.
pub fn redirect(route: Route) {
    go(route, true);
}

fn go(route: Route, replace: bool) {
    let Some(href) = route.to_href() else {
        return;
    };
    let Some(window) = web_sys::window() else {
        return;
    };
    match SHOW.with(|show| show.borrow().clone()) {
        Some(show) => {
            if let Ok(history) = window.history() {
                let _ = if replace {
                    history.replace_state_with_url(&JsValue::NULL, "", Some(&href))
                } else {
                    history.push_state_with_url(&JsValue::NULL, "", Some(&href))
                };
            }
            window.scroll_to_with_x_and_y(0.0, 0.0);
            show.emit(route);
        }
        None if replace => {
            let _ = window.location().replace(&href);
        }
        None => crate::session::load_page(&href),
    }
}

/// Turns a plain click on a link to an account page into a client-side navigation, when an
/// account page is mounted to show it. Returns whether it did.
pub fn follow_link(event: &MouseEvent) -> bool {
    if SHOW.with(|show| show.borrow().is_none()) {
        return false;
    }
    match mfe_kit::links::plain_link_click(event)
        .as_deref()
        .and_then(route_of_link)
    {
        Some(route) => {
            event.prevent_default();
            navigate(route);
            true
        }
        None => false,
    }
}

/// Whether `path` is one of the account pages (where a signed-out shopper cannot stay).
pub fn is_account_page(path: &str) -> bool {
    path == ACCOUNT_PAGE || path.starts_with("/account/")
}

/// The page's route: the browser's address, or on the server the page being rendered.
fn current_route() -> Route {
    let address = mfe_kit::browser::page_address();
    let (path, query) = address.split_at(address.find('?').unwrap_or(address.len()));
    Route::from_location(path, query)
}

/// The account page: reads the URL and shows the matching screen.
#[function_component]
pub fn App() -> Html {
    // Changed in place and drawn with `redraw` (a state hook would cost the bundle more).
    let route = use_mut_ref(current_route);
    let redraw = use_force_update();
    let root = use_node_ref();

    {
        let (route, root) = (route.clone(), root.clone());
        use_effect_with((), move |_| {
            set_title(Some(route.borrow().title()));
            let show = {
                let route = route.clone();
                move |next: Route| {
                    set_title(Some(next.title()));
                    *route.borrow_mut() = next;
                    redraw.force_update();
                }
            };
            let listener = {
                let show = show.clone();
                web_sys::window().map(|window| {
                    EventListener::new(&window, "popstate", move |_| show(current_route()))
                })
            };
            // Links are followed in place from a plain DOM listener, not a Yew one: it also
            // hears clicks inside the other slices' fragments nested in the page (their
            // links to an order), which Yew leaves to the app that drew them.
            let links = root.cast::<web_sys::Element>().map(|element| {
                let options = EventListenerOptions::enable_prevent_default();
                EventListener::new_with_options(&element, "click", options, |event| {
                    if let Some(click) = event.dyn_ref::<MouseEvent>() {
                        follow_link(click);
                    }
                })
            });
            SHOW.with(|slot| {
                *slot.borrow_mut() = Some(Callback::from(move |next: Route| {
                    show(next);
                    // A new screen: keyboard and screen-reader users start at its top, as
                    // after a page load (it is shown from its top already).
                    if let Some(root) = root.cast::<web_sys::HtmlElement>() {
                        let options = web_sys::FocusOptions::new();
                        options.set_prevent_scroll(true);
                        let _ = root.focus_with_options(&options);
                    }
                }))
            });
            move || {
                SHOW.with(|slot| slot.borrow_mut().take());
                drop((listener, links));
            }
        });
    }

    html! {
        <div class="account account-page" tabindex="-1" ref={root}>
            { switch(&route.borrow()) }
        </div>
    }
}

fn switch(route: &Route) -> Html {
    match route {
        Route::Profile => html! { <ProfilePage /> },
        // Keyed: a form of one mode never carries over into the other.
        Route::SignIn { next } => {
            html! { <AuthPage key="sign-in" mode={Mode::SignIn} next={next.clone()} /> }
        }
        Route::SignUp { next } => {
            html! { <AuthPage key="sign-up" mode={Mode::SignUp} next={next.clone()} /> }
        }
        Route::Addresses => html! { <AddressesPage /> },
        Route::Orders => html! { <OrdersPage /> },
        Route::Order { id } => {
            html! { <OrdersPage key={id.clone()} order={Some(AttrValue::from(id.clone()))} /> }
        }
        Route::NotFound => not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(href: &str) -> Route {
        let (path, search) = href.split_at(href.find('?').unwrap_or(href.len()));
        Route::from_location(path, search)
    }

    #[test]
    fn the_account_pages_are_read_from_the_path() {
        assert_eq!(route("/account"), Route::Profile);
        assert_eq!(route("/account/"), Route::Profile);
        assert_eq!(route("/account/addresses"), Route::Addresses);
        assert_eq!(route("/account/orders"), Route::Orders);
        assert_eq!(
            route("/account/orders/o-1"),
            Route::Order { id: "o-1".into() }
        );
        assert_eq!(route("/account/sign-in"), Route::SignIn { next: None });
    }

    #[test]
    fn other_paths_under_the_account_are_not_found() {
        for path in [
            "/account/x",
            "/account/orders//",
            "/account/orders/a/b",
            "/accounts",
            "/account/orders-x",
            "/",
        ] {
            assert_eq!(route(path), Route::NotFound, "{path}");
        }
    }

    #[test]
    fn the_sign_in_page_reads_where_to_return_decoded() {
        assert_eq!(
            route("/account/sign-in?x=1&next=/account/orders/o%201"),
            Route::SignIn {
                next: Some("/account/orders/o 1".into())
            }
        );
        assert_eq!(
            route("/account/sign-up?next=%2Fcheckout"),
            Route::SignUp {
                next: Some("/checkout".into())
            }
        );
        assert_eq!(
            query_value("?next=%E2%82%AC+%zz", "next").as_deref(),
            Some("€ %zz")
        );
    }

    #[test]
    fn every_screen_has_its_url_back() {
        for href in [
            "/account",
            "/account/addresses",
            "/account/orders",
            "/account/orders/abc",
            "/account/sign-in",
            "/account/sign-in?next=/checkout",
            "/account/sign-up?next=/account/orders/o%201",
        ] {
            assert_eq!(route(href).to_href().as_deref(), Some(href));
        }
        assert_eq!(Route::NotFound.to_href(), None);
    }

    #[test]
    fn signing_in_returns_to_a_page_of_this_shop_only() {
        assert_eq!(destination(None), Destination::Here(Route::Profile));
        assert_eq!(
            destination(Some("/account/addresses")),
            Destination::Here(Route::Addresses)
        );
        assert_eq!(
            destination(Some("/checkout")),
            Destination::Load("/checkout".into())
        );
        assert_eq!(
            destination(Some("/products?q=tea")),
            Destination::Load("/products?q=tea".into())
        );
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/account/sign-in",
            "/account/sign-up?next=/x",
        ] {
            assert_eq!(
                destination(Some(bad)),
                Destination::Here(Route::Profile),
                "{bad}"
            );
        }
    }

    #[test]
    fn only_links_to_account_pages_are_followed_in_place() {
        assert_eq!(route_of_link("/account/orders"), Some(Route::Orders));
        assert_eq!(
            route_of_link("/account/sign-in?next=/cart"),
            Some(Route::SignIn {
                next: Some("/cart".into())
            })
        );
        assert_eq!(route_of_link("/cart"), None);
        assert_eq!(route_of_link("//example.com/account"), None);
        assert_eq!(route_of_link("#account-email"), None);
        assert_eq!(route_of_link("/account/x"), None);
    }

    #[test]
    fn account_pages_are_told_apart() {
        assert!(is_account_page("/account"));
        assert!(is_account_page("/account/orders/1"));
        assert!(!is_account_page("/accounts"));
        assert!(!is_account_page("/checkout"));
    }
}
