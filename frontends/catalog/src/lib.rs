//! The catalog micro-frontend: home, listing, search and product pages, and the
//! add-to-cart button. The shell calls [`mount`] with the element of its main slot.

mod api;
mod app;
mod components;
mod pages;

use wasm_bindgen::prelude::*;

/// Renders the catalog into `element` (see `mfe_kit` for `props`).
#[wasm_bindgen]
pub fn mount(element: web_sys::Element, props: JsValue) {
    mfe_kit::mount::<app::App>(element, &props, |_| ());
}

/// Removes the catalog from `element`.
#[wasm_bindgen]
pub fn unmount(element: web_sys::Element) {
    mfe_kit::unmount(&element);
}
