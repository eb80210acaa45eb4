//! `orders`: the shopper's orders, newest first, inside the account's order history page.
//! Each links to the page the host names for one order. The host page has the heading;
//! this fragment draws the list, or its loading, empty and error states.

use crate::api;
use crate::components::states::{cart_icon, error_panel, go, panel, skeleton_lines, Fetch, Panel};
use crate::components::totals::items;
use crate::fragments::order_href;
use cart_api::{OrderHistory, OrderState, OrderView};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct OrdersProps {
    /// The host's `orderPage` (see [`order_href`]).
    pub order_page: Option<AttrValue>,
}

#[function_component]
pub fn Orders(props: &OrdersProps) -> Html {
    let history = use_state(|| Fetch::<OrderHistory>::Loading);
    let retries = use_state(|| 0_u32);

    {
        let history = history.clone();
        use_effect_with(*retries, move |_| {
            history.set(Fetch::Loading);
            wasm_bindgen_futures::spawn_local(async move {
                history.set(Fetch::from(api::orders().await));
            });
        });
    }

    let on_retry = {
        let retries = retries.clone();
        Callback::from(move |()| retries.set(*retries + 1))
    };

    let body = match &*history {
        Fetch::Loading => skeleton_lines("Loading your orders…", 3),
        Fetch::Failed(error) => error_panel(error, "your orders", &on_retry),
        Fetch::Loaded(history) if history.orders.is_empty() => no_orders(),
        Fetch::Loaded(history) => html! {
            <ul class="order-history">
                { for history.orders.iter().map(|order| order_row(order, props.order_page.as_deref())) }
            </ul>
        },
    };
    html! { <div class="cart cart-orders">{ body }</div> }
}

fn no_orders() -> Html {
    panel(Panel {
        kind: "empty-state",
        icon: cart_icon(),
        heading: "h2",
        title: "No orders yet",
        text: "When you place an order, it shows up here with everything in it.",
        action: go("/", "Start shopping"),
    })
}

/// One order: its number (the link), when it was placed or that it is being finished, how
/// many items and what it cost.
fn order_row(order: &OrderView, order_page: Option<&str>) -> Html {
    html! {
        <li class={classes!("order-row", (order.state == OrderState::Processing).then_some("is-processing"))}>
            <a class="order-row-link" href={order_href(order_page, &order.id)}>
                { "Order " }{ &order.number }
            </a>
            <span class="order-row-status">{ &order.status_label }</span>
            <span class="order-row-items">{ items(order.item_count) }</span>
            <span class="order-row-total summary-amount">{ &order.total }</span>
        </li>
    }
}
