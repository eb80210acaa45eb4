//! The order confirmation: thanks and the order's number, what was bought, where it goes
//! and how it was paid. An order still being finished is asked for again until it is done.
//!
//! The same component draws the account pages' fragments: `order` (the order without the
//! thanks, under the host page's heading, with no title of its own) and `orders` (the
//! shopper's order history, see [`crate::fragments::orders`]). One component for all three
//! keeps the cart's wasm small: one set of hooks, one loading and retrying. Another
//! shopper's order is a 404 like an unknown one: both are "not found".

use crate::api;
use crate::components::order::order_details;
use crate::components::states::{error_panel, go, panel, skeleton_lines, Fetch, Panel};
use crate::fragments::orders::order_history;
use cart_api::{OrderHistory, OrderState, OrderView, CART_PAGE};
use gloo_timers::callback::Timeout;
use mfe_kit::http::{use_first_answer, ApiError, Failure};
use mfe_kit::set_title;
use std::rc::Rc;
use yew::prelude::*;

/// How often, and how many times, an order still processing is asked for again.
const POLL_MS: u32 = 3_000;
const MAX_POLLS: u32 = 20;

/// What the component shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    /// The confirmation page of this order (`/checkout/confirmation/<id>`).
    Confirmation(AttrValue),
    /// The `order` fragment: this order inside the account's order page.
    Order(AttrValue),
    /// The `orders` fragment: the shopper's orders, each linking to the host's `orderPage`
    /// (see [`crate::fragments::order_href`]).
    Orders(Option<AttrValue>),
}

impl Shown {
    /// The order shown, if one is.
    fn order_id(&self) -> Option<&AttrValue> {
        match self {
            Shown::Confirmation(id) | Shown::Order(id) => Some(id),
            Shown::Orders(_) => None,
        }
    }
}

/// What the BFF answered. (Kept behind the `Rc` of `Fetch::Loaded`: its size does not
/// matter.)
#[allow(clippy::large_enum_variant)]
#[derive(Debug, PartialEq)]
pub enum Answer {
    Order(OrderView),
    History(OrderHistory),
}

impl Answer {
    fn order(&self) -> Option<&OrderView> {
        match self {
            Answer::Order(order) => Some(order),
            Answer::History(_) => None,
        }
    }
}

/// Asks the BFF for what `shown` needs.
async fn load(shown: &Shown) -> Result<Answer, ApiError> {
    match shown.order_id() {
        Some(id) => api::order(id).await.map(Answer::Order),
        None => api::orders().await.map(Answer::History),
    }
}

#[derive(Properties, PartialEq)]
pub struct ConfirmationProps {
    pub shown: Shown,
}

/// The document title for what the confirmation page shows.
pub fn title_for(answer: &Fetch<Answer>) -> Option<String> {
    match answer {
        Fetch::Loading => None,
        Fetch::Loaded(answer) => {
            let order = answer.order()?;
            Some(if order.state == OrderState::Failed {
                format!("Order {} not placed", order.number)
            } else {
                format!("Order {} confirmed", order.number)
            })
        }
        Fetch::Failed(error) if Failure::of(error) == Failure::Missing => {
            Some("Order not found".to_owned())
        }
        Fetch::Failed(_) => Some("Your order".to_owned()),
    }
}

/// Keyed by order id by the router, so each order starts from a fresh state.
#[function_component]
pub fn ConfirmationPage(props: &ConfirmationProps) -> Html {
    let (first, skip_first_fetch) = use_first_answer(|| {
        let id = props.shown.order_id()?;
        api::ready_order(id).map(|answer| answer.map(Answer::Order))
    });
    let answer = use_state(|| first.map_or(Fetch::Loading, Fetch::from));
    // How many times an order still processing was asked for again.
    let polls = use_state(|| 0_u32);

    // Asks for what is shown: on mount, unless the answer was here already, and again
    // after a failure ("Try again").
    let on_retry = {
        let (answer, shown) = (answer.setter(), props.shown.clone());
        Callback::from(move |()| {
            answer.set(Fetch::Loading);
            let (answer, shown) = (answer.clone(), shown.clone());
            wasm_bindgen_futures::spawn_local(async move {
                answer.set(Fetch::from(load(&shown).await));
            });
        })
    };
    {
        let fetch = on_retry.clone();
        use_effect_with(props.shown.clone(), move |_| {
            if !skip_first_fetch.replace(false) {
                fetch.emit(());
            }
        });
    }

    // The page's title; and, still processing, the order is asked for again in a while,
    // keeping the page as it is meanwhile.
    {
        let (setter, polled_setter) = (answer.setter(), polls.setter());
        let processing = matches!(&*answer, Fetch::Loaded(a) if a.order().is_some_and(|o| o.state == OrderState::Processing));
        use_effect_with(
            (title_for(&answer), processing, *polls, props.shown.clone()),
            move |(title, processing, polled, shown)| {
                if let (Some(title), Shown::Confirmation(_)) = (title, shown) {
                    set_title(Some(title));
                }
                let polled = *polled;
                let timer = (*processing && polled < MAX_POLLS).then(|| {
                    let shown = shown.clone();
                    Timeout::new(POLL_MS, move || {
                        wasm_bindgen_futures::spawn_local(async move {
                            if let Ok(again) = load(&shown).await {
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

    let loaded = match &*answer {
        Fetch::Loaded(answer) => Some(&**answer),
        _ => None,
    };
    let missing =
        matches!(&*answer, Fetch::Failed(error) if Failure::of(error) == Failure::Missing);
    let (what, loading, lines) = match props.shown {
        Shown::Orders(_) => ("your orders", "Loading your orders…", 3),
        Shown::Order(_) => ("this order", "Loading your order…", 2),
        Shown::Confirmation(_) => ("your order", "Loading your order…", 2),
    };
    let body = match (&*answer, loaded, &props.shown) {
        (_, _, Shown::Confirmation(_)) if missing => return order_missing(false),
        (_, _, Shown::Order(_)) if missing => order_missing(true),
        (Fetch::Failed(error), _, _) => error_panel(error, what, &on_retry),
        (_, Some(Answer::History(history)), Shown::Orders(order_page)) => {
            order_history(history, order_page.as_deref())
        }
        (_, Some(Answer::Order(order)), Shown::Order(_)) => order_in_account(order),
        (_, Some(Answer::Order(order)), Shown::Confirmation(_)) => return order_view(order),
        _ => skeleton_lines(loading, lines),
    };
    match props.shown {
        Shown::Orders(_) => html! { <div class="cart cart-orders">{ body }</div> },
        Shown::Order(_) => html! { <div class="cart cart-order">{ body }</div> },
        // Each state is drawn afresh (keyed): an element of the loading state reused
        // further down by the order would count as a layout shift.
        Shown::Confirmation(_) => html! {
            <section
                key={if matches!(*answer, Fetch::Failed(_)) { "failed" } else { "loading" }}
                class="confirmation"
                aria-labelledby="confirmation-title"
            >
                <h1 id="confirmation-title" class="page-title">{ "Your order" }</h1>
                { body }
            </section>
        },
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
                        { "We're finishing this order: nothing more is needed from you." }
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
                // Whether anything was charged (nothing, or refunded) the reason says.
                <p>{ "Your items are still in your cart." }</p>
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
                        { "We're finishing your order: nothing more is needed from you. This page updates by itself." }
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

    fn order(state: OrderState) -> Fetch<Answer> {
        Fetch::Loaded(Rc::new(Answer::Order(OrderView {
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
        })))
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
        let history = Fetch::Loaded(Rc::new(Answer::History(OrderHistory::default())));
        assert_eq!(title_for(&history), None);
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
