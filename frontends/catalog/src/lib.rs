//! The catalog micro-frontend: home, listing, search and product pages, and the
//! add-to-cart button. The shell calls [`mount`] with the element of its main slot; with
//! the `ssr` feature, catalog-bff renders the same pages on the server ([`ssr`]).

mod api;
mod app;
mod components;
mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

use mfe_kit::Fragment;
use wasm_bindgen::prelude::*;

/// This build's name (see `mfe-build-id`): server-rendered markup says which build drew
/// it, and the shell hydrates it only with the same build.
pub const BUILD: &str = env!("MFE_BUILD");

/// Renders the catalog into `element` (see `mfe_kit` for `props`), or takes over the page
/// catalog-bff rendered there. The catalog provides only the page; any other fragment
/// throws, and the shell shows that slot's fallback.
#[wasm_bindgen]
pub fn mount(element: web_sys::Element, props: JsValue) -> Result<(), JsValue> {
    mfe_kit::mount::<app::App>(element, &props, |fragment| {
        (fragment == Fragment::Page).then(app::AppProps::default)
    })
}

/// Removes the catalog from `element`.
#[wasm_bindgen]
pub fn unmount(element: web_sys::Element) {
    mfe_kit::unmount(&element);
}

/// [`BUILD`], for the shell.
#[wasm_bindgen]
pub fn build() -> String {
    BUILD.to_owned()
}
