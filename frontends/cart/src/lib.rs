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
mod sync;

use fragments::HostData;
use json::{Raw, Read};
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
                .and_then(|Raw(data)| HostData::read(data))
                .unwrap_or_default()
        };
        let view = match fragment {
            Fragment::Page => View::Page,
            Fragment::Badge => View::Badge,
            Fragment::Orders => View::Orders(Shown::Orders(host().order_page.map(AttrValue::from))),
            Fragment::Order => View::Orders(Shown::Order(host().order_id?.into())),
            Fragment::Menu | Fragment::AddressPicker => return None,
        };
        Some(RootProps { view })
    })
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
            View::Page => html! { <app::App /> },
            View::Badge => html! { <badge::Badge /> },
            View::Orders(shown) => html! {
                <pages::confirmation::ConfirmationPage shown={shown.clone()} />
            },
        }
    }
}
