//! `orders`: the shopper's orders, newest first, inside the account's order history page.
//! Each links to the page the host names for one order. The host page has the heading;
//! this fragment draws the list or that there is none; loading it, and its loading and
//! error states, are the confirmation page's (`pages::confirmation`), which draws it.

use crate::components::states::{cart_icon, go, panel, Panel};
use crate::components::totals::items;
use crate::fragments::order_href;
use cart_api::{OrderHistory, OrderState, OrderView};
use yew::prelude::*;

/// The shopper's orders, newest first, or that there are none yet.
pub fn order_history(history: &OrderHistory, order_page: Option<&str>) -> Html {
    if history.orders.is_empty() {
        return no_orders();
    }
    html! {
        <ul class="order-history">
            { for history.orders.iter().map(|order| order_row(order, order_page)) }
        </ul>
    }
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
