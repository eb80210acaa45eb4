//! The cart micro-frontend: the header's cart badge (`badge`), and the page of the main
//! slot (`page`): the cart, checkout and the order confirmation. The shell calls [`mount`]
//! once per slot; both fragments live in one wasm instance and share nothing but the
//! browser events every MFE uses (see [`sync`]).

mod api;
mod app;
mod badge;
mod checkout;
mod components;
mod pages;
mod sync;

use mfe_kit::Fragment;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

/// Renders the cart's `page` or `badge` into `element` (see `mfe_kit` for `props`). Any
/// other fragment throws, and the shell shows that slot's fallback.
#[wasm_bindgen]
pub fn mount(element: web_sys::Element, props: JsValue) -> Result<(), JsValue> {
    mfe_kit::mount::<Root>(element, &props, |fragment| {
        matches!(fragment, Fragment::Page | Fragment::Badge).then_some(RootProps { fragment })
    })
}

/// Removes the cart from `element`.
#[wasm_bindgen]
pub fn unmount(element: web_sys::Element) {
    mfe_kit::unmount(&element);
}

#[derive(Properties, PartialEq)]
struct RootProps {
    fragment: Fragment,
}

#[function_component]
fn Root(props: &RootProps) -> Html {
    match props.fragment {
        Fragment::Badge => html! { <badge::Badge /> },
        _ => html! { <app::App /> },
    }
}
