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
mod pages;
mod sync;

use fragments::HostData;
use mfe_kit::Fragment;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

/// Renders the cart's `page`, `badge`, `orders` or `order` into `element` (see `mfe_kit`
/// for `props`; the nested ones read their host's `data`). Any other fragment, or an
/// `order` without an `orderId`, throws, and the shell shows that slot's fallback.
#[wasm_bindgen]
pub fn mount(element: web_sys::Element, props: JsValue) -> Result<(), JsValue> {
    mfe_kit::mount::<Root>(element, &props, |fragment| {
        let host = || mfe_kit::host_data::<HostData>(&props).unwrap_or_default();
        let view = match fragment {
            Fragment::Page => View::Page,
            Fragment::Badge => View::Badge,
            Fragment::Orders => View::Orders {
                order_page: host().order_page.map(AttrValue::from),
            },
            Fragment::Order => View::Order {
                order_id: host().order_id?.into(),
            },
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
    Orders { order_page: Option<AttrValue> },
    Order { order_id: AttrValue },
}

#[derive(Properties, PartialEq)]
struct RootProps {
    view: View,
}

#[function_component]
fn Root(props: &RootProps) -> Html {
    match &props.view {
        View::Page => html! { <app::App /> },
        View::Badge => html! { <badge::Badge /> },
        View::Orders { order_page } => html! {
            <fragments::orders::Orders order_page={order_page.clone()} />
        },
        View::Order { order_id } => html! {
            <pages::confirmation::ConfirmationPage order_id={order_id.clone()} in_account=true />
        },
    }
}
