//! The cart's pages and its tiny router (the catalog's approach, see its `app.rs`): links
//! stay real `<a href>`, a plain click on a link to another cart page becomes
//! `history.pushState`, and `popstate` brings back/forward. Links to other slices' pages
//! load normally. [`navigate`] is a function rather than a context: one page is mounted at
//! a time, and a context provider costs the bundle a component.

use crate::pages::{
    cart::CartPage,
    checkout::CheckoutPage,
    confirmation::{ConfirmationPage, Shown},
    not_found::not_found,
};
use cart_api::{CART_PAGE, CHECKOUT_PAGE};
use gloo_events::EventListener;
use mfe_kit::set_title;
use std::cell::RefCell;
use wasm_bindgen::JsValue;
use yew::prelude::*;

/// A screen of the cart, as the URL names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/cart`.
    Cart,
    /// `/checkout`.
    Checkout,
    /// `/checkout/confirmation/<id>`; the id stays as the URL spells it (it goes back into
    /// the BFF's URL unchanged).
    Confirmation { order_id: String },
    /// Anything else nginx sends to the cart (`/cart/x`, `/checkout/confirmation/`).
    NotFound,
}

impl Route {
    /// Reads `location.pathname`.
    pub fn from_path(path: &str) -> Route {
        let path = match path.strip_suffix('/') {
            Some(rest) if !rest.is_empty() => rest,
            _ => path,
        };
        if path == CART_PAGE {
            return Route::Cart;
        }
        if path == CHECKOUT_PAGE {
            return Route::Checkout;
        }
        match path.strip_prefix(cart_api::CONFIRMATION_PAGES) {
            Some(id) if !id.is_empty() && !id.contains('/') => Route::Confirmation {
                order_id: id.to_owned(),
            },
            _ => Route::NotFound,
        }
    }

    /// The URL of this screen (`None` for no screen).
    pub fn to_href(&self) -> Option<String> {
        match self {
            Route::Cart => Some(CART_PAGE.to_owned()),
            Route::Checkout => Some(CHECKOUT_PAGE.to_owned()),
            Route::Confirmation { order_id } => Some(cart_api::confirmation_page(order_id)),
            Route::NotFound => None,
        }
    }
}

/// The route a clicked link leads to, if the cart draws that page itself.
fn route_of_link(href: &str) -> Option<Route> {
    if !href.starts_with('/') || href.starts_with("//") || href.contains(['?', '#']) {
        return None;
    }
    match Route::from_path(href) {
        Route::NotFound => None,
        route => Some(route),
    }
}

thread_local! {
    /// Shows a route in the mounted page (set while the page is mounted).
    static SHOW: RefCell<Option<Callback<Route>>> = const { RefCell::new(None) };
}

/// Moves the cart's page to another of its screens without reloading: a new history entry,
/// scrolled to the top. Without a mounted page, the browser loads the URL.
pub fn navigate(route: Route) {
    let Some(href) = route.to_href() else {
        return;
    };
    match SHOW.with(|show| show.borrow().clone()) {
        Some(show) => {
            push_history(&href);
            show.emit(route);
        }
        None => {
            if let Some(window) = web_sys::window() {
                let _ = window.location().assign(&href);
            }
        }
    }
}

/// Each screen sets its page's title, except "not found", which has none of its own.
fn title_of(route: &Route) {
    if *route == Route::NotFound {
        set_title(Some("Page not found"));
    }
}

fn current_route() -> Route {
    mfe_kit::browser::window()
        .and_then(|window| window.location().pathname().ok())
        .map_or(Route::NotFound, |path| Route::from_path(&path))
}

/// A new history entry for `href`, scrolled to the top.
fn push_history(href: &str) {
    let Some(window) = mfe_kit::browser::window() else {
        return;
    };
    if let Ok(history) = window.history() {
        let _ = history.push_state_with_url(&JsValue::NULL, "", Some(href));
    }
    window.scroll_to_with_x_and_y(0.0, 0.0);
}

/// Turns a plain click on a link to a cart page into a client-side navigation.
fn follow_link(event: &MouseEvent) {
    if let Some(route) = mfe_kit::links::plain_link_click(event)
        .as_deref()
        .and_then(route_of_link)
    {
        event.prevent_default();
        navigate(route);
    }
}

#[derive(Properties, PartialEq, Default)]
pub struct AppProps {
    /// The screen to show first; the browser's address when `None` (on the server, which
    /// has no address bar, the page's).
    #[prop_or_default]
    pub route: Option<Route>,
}

/// The cart's page: reads the URL and shows the matching screen.
#[function_component]
pub fn App(props: &AppProps) -> Html {
    let route = use_state(|| props.route.clone().unwrap_or_else(current_route));
    let root = use_node_ref();

    {
        let (set_route, root, first) = (route.setter(), root.clone(), (*route).clone());
        use_effect_with((), move |_| {
            title_of(&first);
            let show = set_route.clone();
            SHOW.with(|slot| {
                *slot.borrow_mut() = Some(Callback::from(move |next: Route| {
                    title_of(&next);
                    show.set(next);
                    // A new screen: keyboard and screen-reader users start at its top, as
                    // after a page load.
                    // Not scrolled to: the new screen is shown from its top already.
                    if let Some(root) = root.cast::<web_sys::HtmlElement>() {
                        let options = web_sys::FocusOptions::new();
                        options.set_prevent_scroll(true);
                        let _ = root.focus_with_options(&options);
                    }
                }))
            });
            let listener = mfe_kit::browser::window().map(|window| {
                EventListener::new(&window, "popstate", move |_| {
                    let route = current_route();
                    title_of(&route);
                    set_route.set(route);
                })
            });
            move || {
                SHOW.with(|slot| slot.borrow_mut().take());
                drop(listener);
            }
        });
    }

    html! {
        <div class="cart cart-page" tabindex="-1" ref={root} onclick={|event: MouseEvent| follow_link(&event)}>
            { switch(&route) }
        </div>
    }
}

fn switch(route: &Route) -> Html {
    match route {
        Route::Cart => html! { <CartPage /> },
        Route::Checkout => html! { <CheckoutPage /> },
        Route::Confirmation { order_id } => html! {
            <ConfirmationPage key={order_id.clone()} shown={Shown::Confirmation(order_id.clone().into())} />
        },
        Route::NotFound => not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cart_pages_are_read_from_the_path() {
        assert_eq!(Route::from_path("/cart"), Route::Cart);
        assert_eq!(Route::from_path("/cart/"), Route::Cart);
        assert_eq!(Route::from_path("/checkout"), Route::Checkout);
        assert_eq!(
            Route::from_path("/checkout/confirmation/7f3a21c0-1"),
            Route::Confirmation {
                order_id: "7f3a21c0-1".into()
            }
        );
    }

    #[test]
    fn other_paths_under_the_cart_are_not_found() {
        for path in [
            "/cart/extra",
            "/checkout/confirmation",
            "/checkout/confirmation/",
            "/checkout/confirmation/a/b",
            "/carts",
            "/",
        ] {
            assert_eq!(Route::from_path(path), Route::NotFound, "{path}");
        }
    }

    #[test]
    fn every_screen_has_its_url_back() {
        for route in [
            Route::Cart,
            Route::Checkout,
            Route::Confirmation {
                order_id: "abc".into(),
            },
        ] {
            let href = route.to_href().unwrap_or_default();
            assert_eq!(Route::from_path(&href), route);
        }
        assert_eq!(Route::NotFound.to_href(), None);
    }

    #[test]
    fn only_links_to_cart_pages_are_followed_in_place() {
        assert_eq!(route_of_link("/cart"), Some(Route::Cart));
        assert_eq!(route_of_link("/checkout"), Some(Route::Checkout));
        assert_eq!(route_of_link("/"), None);
        assert_eq!(route_of_link("/products/oak-desk"), None);
        assert_eq!(route_of_link("//example.com/cart"), None);
        assert_eq!(route_of_link("#checkout-name"), None);
        assert_eq!(route_of_link("/cart?x=1"), None);
    }
}
