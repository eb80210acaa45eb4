//! The account micro-frontend: the header's account menu (`menu`), the account pages of
//! the main slot (`page`: sign-in, sign-up, profile, addresses, orders) and the address
//! picker nested in the cart's checkout (`address-picker`). The shell calls [`mount`] once
//! per slot; the fragments live in one wasm instance and share nothing but the browser
//! events every MFE uses (see [`session`]) — and, with an account page in the main slot,
//! its router, so the menu's links switch pages in place (see [`app::follow_link`]).

mod api;
mod app;
mod components;
mod form;
mod menu;
mod pages;
mod picker;
mod session;
#[cfg(feature = "ssr")]
pub mod ssr;

use mfe_kit::Fragment;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

/// Renders the account's `page`, `menu` or `address-picker` into `element` (see `mfe_kit`
/// for `props`). Any other fragment throws, and the shell shows that slot's fallback.
#[wasm_bindgen]
pub fn mount(element: web_sys::Element, props: JsValue) -> Result<(), JsValue> {
    mfe_kit::mount::<Root>(element, &props, |fragment| {
        matches!(
            fragment,
            Fragment::Page | Fragment::Menu | Fragment::AddressPicker
        )
        .then_some(RootProps { fragment })
    })
}

/// Removes the account MFE from `element`.
#[wasm_bindgen]
pub fn unmount(element: web_sys::Element) {
    mfe_kit::unmount(&element);
}

/// This build's name (see `mfe-build-id`): server-rendered markup says which build drew
/// it, and the shell hydrates it only with the same build.
pub const BUILD: &str = env!("MFE_BUILD");

/// [`BUILD`], for the shell.
#[wasm_bindgen]
pub fn build() -> String {
    BUILD.to_owned()
}

#[derive(Properties, PartialEq)]
struct RootProps {
    fragment: Fragment,
}

#[function_component]
fn Root(props: &RootProps) -> Html {
    match props.fragment {
        Fragment::Menu => html! { <menu::Menu /> },
        Fragment::AddressPicker => html! { <picker::AddressPicker /> },
        _ => html! { <app::App /> },
    }
}
