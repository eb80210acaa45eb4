//! An address under `/cart` or `/checkout` that is no page.

use crate::components::states::{go, panel, Panel};
use cart_api::CART_PAGE;
use yew::prelude::*;

pub fn not_found() -> Html {
    panel(Panel {
        kind: "not-found",
        icon: html! { "?" },
        heading: "h1",
        title: "Page not found",
        text: "There is nothing at this address. Your cart is still where you left it.",
        action: go(CART_PAGE, "Go to your cart"),
    })
}
