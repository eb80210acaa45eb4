//! The order confirmation: thanks and the order's number, what was bought, where it goes
//! and how it was paid. An order still being finished is asked for again until it is done.

use crate::api;
use crate::components::states::{error_panel, go, panel, skeleton_lines, Fetch, Panel};
use crate::components::totals::totals;
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

    use_effect_with(title_for(&order), |title| {
        if let Some(title) = title {
            set_title(Some(title));
        }
    });

    let on_retry = {
        let retries = retries.clone();
        Callback::from(move |()| retries.set(*retries + 1))
    };

    // Each state is drawn afresh (keyed): an element of the loading state reused further
    // down by the order would count as a layout shift.
    match &*order {
        Fetch::Loading => html! {
            <section key="loading" class="confirmation" aria-labelledby="confirmation-title">
                <h1 id="confirmation-title" class="page-title">{ "Your order" }</h1>
                { skeleton_lines("Loading your order…", 2) }
            </section>
        },
        Fetch::Failed(error) if Failure::of(error) == Failure::Missing => order_missing(),
        Fetch::Failed(error) => html! {
            <section key="failed" class="confirmation" aria-labelledby="confirmation-title">
                <h1 id="confirmation-title" class="page-title">{ "Your order" }</h1>
                { error_panel(error, "your order", &on_retry) }
            </section>
        },
        Fetch::Loaded(order) => order_view(order),
    }
}

fn order_missing() -> Html {
    panel(Panel {
        kind: "not-found",
        icon: html! { "?" },
        heading: "h1",
        title: "We couldn't find that order",
        text: "Check the link you followed. Orders can only be seen from the browser or account that placed them.",
        action: go("/", "Continue shopping"),
    })
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
            <div class="confirmation-layout">
                <div class="summary-box">
                    <h2>{ "What you ordered" }</h2>
                    <ul class="order-lines">
                        { for order.lines.iter().map(|line| html! {
                            <li>
                                <img src={line.image_url.clone()} alt="" width="64" height="64" loading="lazy" />
                                <span class="order-line-name">
                                    <a href={line.product_url.clone()}>{ &line.name }</a>
                                    <span class="order-line-quantity">{ format!("{} × {}", line.quantity, line.unit_price) }</span>
                                </span>
                                <span class="summary-amount">{ &line.line_total }</span>
                            </li>
                        }) }
                    </ul>
                    { totals(&order.subtotal, &order.shipping, &order.total) }
                </div>
                <div class="order-facts">
                    <div class="summary-box">
                        <h2>{ "Delivery address" }</h2>
                        <address>
                            { for order.shipping_address.iter().map(|line| html! { <span>{ line }</span> }) }
                        </address>
                    </div>
                    <div class="summary-box">
                        <h2>{ "Payment" }</h2>
                        <p>{ &order.payment }</p>
                    </div>
                    <a class="button primary continue-button" href="/">{ "Continue shopping" }</a>
                </div>
            </div>
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
