//! An address under `/account` that is no page.

use crate::components::states::{go, panel, Panel, NOT_FOUND};
use account_api::ACCOUNT_PAGE;
use yew::prelude::*;

pub fn not_found() -> Html {
    panel(Panel {
        kind: NOT_FOUND,
        icon: html! { "?" },
        whole_page: true,
        title: "Page not found",
        text: "There is nothing at this address. Your account is still where you left it.",
        action: go(ACCOUNT_PAGE, "Go to your account"),
    })
}
