//! The cart micro-frontend: the header's cart badge (`badge`), the page of the main slot
//! (`page`): the cart, checkout and the order confirmation, and two fragments the account
//! pages nest (`orders`, `order`; see [`fragments`]). The shell calls [`mount`] once per
//! slot or nested host; all of them live in one wasm instance and share nothing but the
//! browser events every MFE uses (see [`sync`]).

mod api;
mod app;
mod badge;
mod checkout;
mod components;
mod fragments;
mod json;
mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;
mod sync;

use fragments::HostData;
use json::Raw;
use mfe_kit::Fragment;
use pages::confirmation::Shown;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

/// Renders the cart's `page`, `badge`, `orders` or `order` into `element` (see `mfe_kit`
/// for `props`; the nested ones read their host's `data`). Any other fragment, or an
/// `order` without an `orderId`, throws, and the shell shows that slot's fallback.
#[wasm_bindgen]
pub fn mount(element: web_sys::Element, props: JsValue) -> Result<(), JsValue> {
    mfe_kit::mount::<Root>(element, &props, |fragment| {
        let host = || {
            mfe_kit::host_data::<Raw>(&props)
                .and_then(Raw::read::<HostData>)
                .unwrap_or_default()
        };
        let view = match fragment {
            Fragment::Page => View::Page,
            Fragment::Badge => View::Badge,
            Fragment::Orders => View::Orders(Shown::Orders(host().order_page.map(AttrValue::from))),
            Fragment::Order => View::Orders(Shown::Order(host().order_id?.into())),
            Fragment::Menu | Fragment::AddressPicker => return None,
        };
        Some(RootProps { view, route: None })
    })
}

/// This build's name (see `mfe-build-id`): server-rendered markup says which build drew
/// it, and the shell hydrates it only with the same build.
pub const BUILD: &str = env!("MFE_BUILD");

/// [`BUILD`], for the shell.
#[wasm_bindgen]
pub fn build() -> String {
    BUILD.to_owned()
}

/// Removes the cart from `element`.
#[wasm_bindgen]
pub fn unmount(element: web_sys::Element) {
    mfe_kit::unmount(&element);
}

/// What one mount shows.
#[derive(Clone, PartialEq)]
enum View {
    Page,
    Badge,
    /// `orders` or `order`.
    Orders(Shown),
}

#[derive(Properties, PartialEq)]
struct RootProps {
    view: View,
    /// The page's screen, when rendered on the server (see [`app::AppProps`]).
    #[prop_or_default]
    route: Option<app::Route>,
}

/// What the shell mounted: one of the cart's parts. (A struct component: without hooks it
/// costs less wasm than a function component.)
struct Root;

impl Component for Root {
    type Message = ();
    type Properties = RootProps;

    fn create(_: &Context<Self>) -> Self {
        Root
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        match &ctx.props().view {
            View::Page => html! { <app::App route={ctx.props().route.clone()} /> },
            View::Badge => html! { <badge::Badge /> },
            View::Orders(shown) => html! {
                <pages::confirmation::ConfirmationPage shown={shown.clone()} />
            },
        }
    }
}
