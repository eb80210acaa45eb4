//! The order confirmation: thanks and the order's number, what was bought, where it goes
//! and how it was paid. An order still being finished is asked for again until it is done.
//!
//! The same component draws the `order` fragment of the account's order page
//! (`in_account`): the order without the thanks, under the host page's heading, with no
//! title of its own. One component for both keeps the cart's wasm small. Another
//! shopper's order is a 404 like an unknown one: both are "not found".

use crate::api;
use crate::components::order::order_details;
use crate::components::states::{error_panel, go, panel, skeleton_lines, Fetch, Panel};
use cart_api::{OrderState, OrderView, CART_PAGE};
use gloo_timers::callback::Timeout;
use mfe_kit::http::{use_first_answer, Failure};
use mfe_kit::set_title;
use std::rc::Rc;
use yew::prelude::*;

/// How often, and how many times, an order still processing is asked for again.
const POLL_MS: u32 = 3_000;
const MAX_POLLS: u32 = 20;

#[derive(Properties, PartialEq)]
pub struct ConfirmationProps {
    pub order_id: AttrValue,
    /// Drawn inside the account's order page (the `order` fragment).
    #[prop_or_default]
    pub in_account: bool,
}

/// The document title for what the page shows.
pub fn title_for(order: &Fetch<OrderView>) -> Option<String> {
    match order {
        Fetch::Loading => None,
        Fetch::Loaded(order) if order.state == OrderState::Failed => {
            Some(format!("Order {} not placed", order.number))
        }
        Fetch::Loaded(order) => Some(format!("Order {} confirmed", order.number)),
        Fetch::Failed(error) if Failure::of(error) == Failure::Missing => {
            Some("Order not found".to_owned())
        }
        Fetch::Failed(_) => Some("Your order".to_owned()),
    }
}

/// Keyed by order id by the router, so each order starts from a fresh state.
#[function_component]
pub fn ConfirmationPage(props: &ConfirmationProps) -> Html {
    let (first, skip_first_fetch) = use_first_answer(|| api::ready_order(&props.order_id));
    let order = use_state(|| first.map_or(Fetch::Loading, Fetch::from));
    let retries = use_state(|| 0_u32);
    // How many times an order still processing was asked for again.
    let polls = use_state(|| 0_u32);

    {
        let order = order.clone();
        use_effect_with((props.order_id.clone(), *retries), move |(id, _)| {
            if skip_first_fetch.replace(false) {
                return;
            }
            order.set(Fetch::Loading);
            let id = id.clone();
            wasm_bindgen_futures::spawn_local(async move {
                order.set(Fetch::from(api::order(&id).await));
            });
        });
    }

    // Still processing: ask again in a while, keeping the page as it is meanwhile.
    {
        let (setter, polled_setter) = (order.setter(), polls.setter());
        let processing = matches!(&*order, Fetch::Loaded(o) if o.state == OrderState::Processing);
        use_effect_with(
            (processing, *polls, props.order_id.clone()),
            move |(processing, polled, id)| {
                let polled = *polled;
                let timer = (*processing && polled < MAX_POLLS).then(|| {
                    let id = id.clone();
                    Timeout::new(POLL_MS, move || {
                        wasm_bindgen_futures::spawn_local(async move {
                            if let Ok(again) = api::order(&id).await {
                                setter.set(Fetch::Loaded(Rc::new(again)));
                            }
                            polled_setter.set(polled + 1);
                        });
                    })
                });
                move || drop(timer)
            },
        );
    }

    let in_account = props.in_account;
    use_effect_with(title_for(&order), move |title| {
        if let (Some(title), false) = (title, in_account) {
            set_title(Some(title));
        }
    });

    let on_retry = {
        let retries = retries.clone();
        Callback::from(move |()| retries.set(*retries + 1))
    };

    if in_account {
        return html! {
            <div class="cart cart-order">
                { match &*order {
                    Fetch::Loading => skeleton_lines("Loading your order…", 2),
                    Fetch::Failed(error) if Failure::of(error) == Failure::Missing => order_missing(true),
                    Fetch::Failed(error) => error_panel(error, "this order", &on_retry),
                    Fetch::Loaded(order) => order_in_account(order),
                } }
            </div>
        };
    }

    // Each state is drawn afresh (keyed): an element of the loading state reused further
    // down by the order would count as a layout shift.
    match &*order {
        Fetch::Loading => html! {
            <section key="loading" class="confirmation" aria-labelledby="confirmation-title">
                <h1 id="confirmation-title" class="page-title">{ "Your order" }</h1>
                { skeleton_lines("Loading your order…", 2) }
            </section>
        },
        Fetch::Failed(error) if Failure::of(error) == Failure::Missing => order_missing(false),
        Fetch::Failed(error) => html! {
            <section key="failed" class="confirmation" aria-labelledby="confirmation-title">
                <h1 id="confirmation-title" class="page-title">{ "Your order" }</h1>
                { error_panel(error, "your order", &on_retry) }
            </section>
        },
        Fetch::Loaded(order) => order_view(order),
    }
}

/// An unknown order, or another shopper's: the whole page, or a part of the account's.
fn order_missing(in_account: bool) -> Html {
    panel(Panel {
        kind: "not-found",
        icon: html! { "?" },
        heading: if in_account { "h2" } else { "h1" },
        title: if in_account {
            "We can't find this order."
        } else {
            "We couldn't find that order"
        },
        text: "Check the link you followed. Orders can only be seen from the browser or account that placed them.",
        action: go("/", "Continue shopping"),
    })
}

/// The order in the account's order page: its number and state, then what the
/// confirmation shows, without the thanks.
fn order_in_account(order: &OrderView) -> Html {
    html! {
        <section class="order-detail" aria-labelledby="order-detail-title">
            <div class={classes!("order-detail-head", (order.state == OrderState::Failed).then_some("is-failed"))}>
                <h2 id="order-detail-title">{ format!("Order {}", order.number) }</h2>
                <p class="order-row-status">{ &order.status_label }</p>
                if let Some(failure) = &order.failure {
                    <p>{ failure }</p>
                }
                if order.state == OrderState::Processing {
                    <p class="processing-note">
                        { "We're finishing this order: the payment is taken and nothing more is needed from you." }
                    </p>
                }
            </div>
            { order_details(order, "h3", Html::default()) }
        </section>
    }
}

fn order_view(order: &OrderView) -> Html {
    let heading = match order.state {
        OrderState::Failed => html! {
            <div class="confirmation-head is-failed">
                <span class="state-icon" aria-hidden="true">{ "!" }</span>
                <h1 id="confirmation-title">{ format!("Order {} was not placed", order.number) }</h1>
                <p>{ order.failure.clone().unwrap_or_else(|| "Something went wrong while placing it.".to_owned()) }</p>
                <p>{ "Nothing was charged. Your items are still in your cart." }</p>
                <a class="button primary" href={CART_PAGE}>{ "Back to your cart" }</a>
            </div>
        },
        OrderState::Placed | OrderState::Processing => html! {
            <div class="confirmation-head">
                <span class="state-icon is-ok" aria-hidden="true">{ "✓" }</span>
                <h1 id="confirmation-title">
                    { "Thank you!" }<span class="order-number">{ format!(" Order {}", order.number) }</span>
                </h1>
                <p>{ &order.status_label }</p>
                <p class="processing-note" role="status">
                    if order.state == OrderState::Processing {
                        { "We're finishing your order: your payment is taken and nothing more is needed from you. This page updates by itself." }
                    }
                </p>
            </div>
        },
    };
    html! {
        <section key="order" class="confirmation" aria-labelledby="confirmation-title">
            { heading }
            { order_details(order, "h2", html! {
                <a class="button primary continue-button" href="/">{ "Continue shopping" }</a>
            }) }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mfe_kit::http::ApiError;

    fn order(state: OrderState) -> Fetch<OrderView> {
        Fetch::Loaded(Rc::new(OrderView {
            id: "o-1".into(),
            number: "7F3A21C0".into(),
            state,
            status_label: "Placed on 30 November 2026".into(),
            failure: None,
            lines: Vec::new(),
            item_count: 1,
            subtotal: "€5.00".into(),
            shipping: "Free".into(),
            total: "€5.00".into(),
            shipping_address: vec!["Ada Lovelace".into()],
            payment: "Card ending 4242".into(),
        }))
    }

    #[test]
    fn the_title_names_the_order_and_whether_it_was_placed() {
        assert_eq!(
            title_for(&order(OrderState::Placed)).as_deref(),
            Some("Order 7F3A21C0 confirmed")
        );
        assert_eq!(
            title_for(&order(OrderState::Failed)).as_deref(),
            Some("Order 7F3A21C0 not placed")
        );
        assert_eq!(title_for(&Fetch::Loading), None);
    }

    #[test]
    fn an_unknown_order_is_titled_not_found() {
        let missing = Fetch::Failed(ApiError::Status {
            status: 404,
            error: None,
        });
        assert_eq!(title_for(&missing).as_deref(), Some("Order not found"));
    }
}
