//! The catalog micro-frontend: home, listing, search and product pages, and the
//! add-to-cart button. The shell calls [`mount`] with the element of its main slot.

mod api;
mod app;
mod components;
mod pages;

use mfe_kit::Fragment;
use wasm_bindgen::prelude::*;

/// Renders the catalog into `element` (see `mfe_kit` for `props`). The catalog provides
/// only the page; any other fragment throws, and the shell shows that slot's fallback.
#[wasm_bindgen]
pub fn mount(element: web_sys::Element, props: JsValue) -> Result<(), JsValue> {
    mfe_kit::mount::<app::App>(element, &props, |fragment| {
        (fragment == Fragment::Page).then_some(())
    })
}

/// Removes the catalog from `element`.
#[wasm_bindgen]
pub fn unmount(element: web_sys::Element) {
    mfe_kit::unmount(&element);
}
