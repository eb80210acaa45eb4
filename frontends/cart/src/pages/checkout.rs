//! Checkout: the order summary beside the delivery and payment form. The form is checked
//! here with the BFF's own rules before it is sent, each message stands under its field,
//! and a summary of them at the top takes the focus.
//!
//! Above the address fields the account slice's `address-picker` is nested: a signed-in
//! shopper picks a saved address and it is written into the fields
//! (`account:address-selected`). The form does not depend on it: a guest, or anyone while
//! accounts are down (the shell then shows the picker's fallback), types the address.

use crate::api;
use crate::app::{navigate, Route};
use crate::checkout::{new_idempotency_key, this_month, CheckoutModel};
use crate::components::described_by;
use crate::components::states::{
    cart_icon, error_panel, go, panel, skeleton_lines, skeleton_summary, Fetch, Panel,
};
use crate::components::totals::{items, totals};
use crate::json;
use crate::sync;
use cart_api::{
    fields, CartView, OrderState, ACCEPTED_TEST_CARD, CART_PAGE, COUNTRIES, DECLINED_TEST_CARD,
};
use mfe_kit::events::AddressSelected;
use mfe_kit::http::use_first_answer;
use mfe_kit::{set_title, Fragment, Nested};
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlSelectElement};
use yew::prelude::*;

/// A text field of the form.
struct Field {
    name: &'static str,
    label: &'static str,
    autocomplete: &'static str,
    inputmode: Option<&'static str>,
    hint: Option<&'static str>,
    required: bool,
}

const NAME: Field = Field {
    name: fields::NAME,
    label: "Full name",
    autocomplete: "shipping name",
    inputmode: None,
    hint: None,
    required: true,
};
const ADDRESS_LINE1: Field = Field {
    name: fields::ADDRESS_LINE1,
    label: "Street and number",
    autocomplete: "shipping address-line1",
    inputmode: None,
    hint: None,
    required: true,
};
const ADDRESS_LINE2: Field = Field {
    name: fields::ADDRESS_LINE2,
    label: "Apartment, floor, etc. (optional)",
    autocomplete: "shipping address-line2",
    inputmode: None,
    hint: None,
    required: false,
};
const POSTAL_CODE: Field = Field {
    name: fields::POSTAL_CODE,
    label: "Postal code",
    autocomplete: "shipping postal-code",
    inputmode: None,
    hint: None,
    required: true,
};
const CITY: Field = Field {
    name: fields::CITY,
    label: "Town or city",
    autocomplete: "shipping address-level2",
    inputmode: None,
    hint: None,
    required: true,
};
const CARD_NUMBER: Field = Field {
    name: fields::CARD_NUMBER,
    label: "Card number",
    autocomplete: "cc-number",
    inputmode: Some("numeric"),
    hint: None,
    required: true,
};
const CARD_EXPIRY: Field = Field {
    name: fields::CARD_EXPIRY,
    label: "Expiry date",
    autocomplete: "cc-exp",
    inputmode: Some("numeric"),
    hint: Some("MM/YY"),
    required: true,
};
const CARD_CVC: Field = Field {
    name: fields::CARD_CVC,
    label: "Security code",
    autocomplete: "cc-csc",
    inputmode: Some("numeric"),
    hint: Some("3 or 4 digits on the back"),
    required: true,
};

/// The element id of a form field: `checkout-card_number`.
fn field_id(name: &str) -> String {
    format!("checkout-{name}")
}

#[function_component]
pub fn CheckoutPage() -> Html {
    let (first, skip_first_fetch) = use_first_answer(api::ready_cart);
    let cart = use_state(|| first.map_or(Fetch::Loading, Fetch::from));
    // Changed in place, so two quick presses of "Place order" see the same state; a
    // render is asked for when what is shown changes.
    let model = use_mut_ref(CheckoutModel::default);
    let redraw = use_force_update();
    let summary = use_node_ref();

    // Asks for the cart: on mount, unless it was here already, and again after a failure
    // ("Try again").
    let on_retry = {
        let cart = cart.setter();
        Callback::from(move |()| {
            cart.set(Fetch::Loading);
            let cart = cart.clone();
            wasm_bindgen_futures::spawn_local(async move {
                cart.set(Fetch::from(api::cart().await));
            });
        })
    };

    {
        let (fetch, model, redraw) = (on_retry.clone(), model.clone(), redraw.clone());
        use_effect_with((), move |_| {
            set_title(Some("Checkout"));
            if !skip_first_fetch.replace(false) {
                fetch.emit(());
            }
            // A saved address picked in the account's picker fills the address fields.
            let picks = json::listen::<AddressSelected>(move |selected| {
                model.borrow_mut().pick(selected.address);
                show_country(&model.borrow().form.country);
                redraw.force_update();
            });
            move || drop(picks)
        });
    }

    // Each refusal moves the focus to the summary of what to correct.
    {
        let summary = summary.clone();
        use_effect_with(model.borrow().refusals, move |refusals| {
            if *refusals > 0 {
                if let Some(summary) = summary.cast::<HtmlElement>() {
                    let _ = summary.focus();
                }
            }
        });
    }

    // One listener for every field: each is named as in the contract.
    // What a field holds now. Typing fires `input`; a select, autofill and some assistive
    // tools may fire only `change`: both are read.
    let read_field = {
        let model = model.clone();
        move |target: Option<web_sys::EventTarget>| {
            let Some(field) = target.and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else {
                return;
            };
            // The nested address picker's own controls are not the form's fields.
            if field.closest(".nested-slot").ok().flatten().is_some() {
                return;
            }
            let value = js_sys::Reflect::get(&field, &"value".into())
                .ok()
                .and_then(|value| value.as_string());
            if let (Some(name), Some(value)) = (field.get_attribute("name"), value) {
                model.borrow_mut().set_field(&name, value);
            }
        }
    };
    let oninput = {
        let read_field = read_field.clone();
        Callback::from(move |event: InputEvent| read_field(event.target()))
    };
    let onchange = Callback::from(move |event: Event| read_field(event.target()));

    let onsubmit = {
        let (model, redraw) = (model.clone(), redraw.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let submission = model.borrow_mut().submit(this_month(), new_idempotency_key);
            redraw.force_update();
            let Some(submission) = submission else {
                return;
            };
            let (model, redraw) = (model.clone(), redraw.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let answer = api::checkout(&submission.form, &submission.key).await;
                let placed = model.borrow_mut().answered(answer);
                match placed {
                    Some(order) => {
                        if order.state == OrderState::Failed {
                            // Nothing was placed; the cart says what it still holds.
                            if let Ok(mini) = api::mini_cart().await {
                                sync::announce(mini.item_count);
                            }
                        } else {
                            sync::announce(0);
                        }
                        navigate(Route::Confirmation { order_id: order.id });
                    }
                    None => redraw.force_update(),
                }
            });
        })
    };

    let body = match &*cart {
        Fetch::Loading => html! {
            <div class="checkout-layout">
                { skeleton_lines("Loading your order…", 4) }
                { skeleton_summary() }
            </div>
        },
        Fetch::Failed(error) => error_panel(error, "your order", &on_retry),
        Fetch::Loaded(view) if view.lines.is_empty() => nothing_to_check_out(),
        Fetch::Loaded(view) if !view.can_checkout => needs_attention(),
        Fetch::Loaded(view) => html! {
            <div class="checkout-layout">
                <form class="checkout-form" novalidate=true {oninput} {onchange} {onsubmit} aria-labelledby="checkout-title">
                    { checkout_fields(&model.borrow(), &view.total, &summary) }
                </form>
                { order_summary(view) }
            </div>
        },
    };

    html! {
        <section class="checkout" aria-labelledby="checkout-title">
            <h1 id="checkout-title" class="page-title">{ "Checkout" }</h1>
            { body }
        </section>
    }
}

fn nothing_to_check_out() -> Html {
    panel(Panel {
        kind: "empty-state",
        icon: cart_icon(),
        heading: "h2",
        title: "There is nothing to check out",
        text: "Your cart is empty. Add something from the shop first.",
        action: html! {
            <>
                { go("/", "Start shopping") }
                <a class="continue-link" href={CART_PAGE}>{ "Go to your cart" }</a>
            </>
        },
    })
}

fn needs_attention() -> Html {
    panel(Panel {
        kind: "not-found",
        icon: html! { "!" },
        heading: "h2",
        title: "Your cart needs a look first",
        text: "Some items are over what we have in stock. Lower their quantities, then check out.",
        action: go(CART_PAGE, "Review your cart"),
    })
}

/// What is being bought, beside the form.
fn order_summary(view: &CartView) -> Html {
    html! {
        <aside class="summary-box" aria-labelledby="checkout-summary-title">
            <h2 id="checkout-summary-title">
                { "Your order " }<span class="title-count">{ items(view.item_count) }</span>
            </h2>
            <ul class="summary-lines">
                { for view.lines.iter().map(|line| html! {
                    <li>
                        <img src={line.image_url.clone()} alt="" width="48" height="48" loading="lazy" />
                        <span class="summary-name">{ &line.name }<span class="summary-quantity">{ format!(" × {}", line.quantity) }</span></span>
                        <span class="summary-amount">{ &line.line_total }</span>
                    </li>
                }) }
            </ul>
            { totals(&view.subtotal, &view.shipping, &view.total) }
            if !view.checked {
                <p class="shipping-note">{ "Stock and prices are confirmed when you place the order." }</p>
            }
            <a class="continue-link" href={CART_PAGE}>{ "Edit your cart" }</a>
        </aside>
    }
}

/// The form's content: what went wrong last, the delivery and payment fields, and the
/// button, which says what will be paid.
fn checkout_fields(model: &CheckoutModel, total: &str, summary: &NodeRef) -> Html {
    let text_field = |field: &Field| {
        let id = field_id(field.name);
        let error = model.error(field.name);
        let hint_id = field.hint.map(|_| format!("{id}-hint"));
        let error_id = error.map(|_| format!("{id}-error"));
        let described_by = described_by(hint_id.as_deref(), error_id.as_deref());
        let value = match field.name {
            fields::NAME => &model.form.name,
            fields::ADDRESS_LINE1 => &model.form.address_line1,
            fields::ADDRESS_LINE2 => &model.form.address_line2,
            fields::POSTAL_CODE => &model.form.postal_code,
            fields::CITY => &model.form.city,
            fields::CARD_NUMBER => &model.form.card_number,
            fields::CARD_EXPIRY => &model.form.card_expiry,
            _ => &model.form.card_cvc,
        };
        html! {
            <div class={classes!("field", error.map(|_| "has-error"))}>
                <label for={id.clone()}>{ field.label }</label>
                if let (Some(hint), Some(hint_id)) = (field.hint, hint_id) {
                    <p id={hint_id} class="field-hint">{ hint }</p>
                }
                if let (Some(error), Some(error_id)) = (error, error_id) {
                    <p id={error_id} class="field-error">{ error.to_owned() }</p>
                }
                <input
                    type="text"
                    id={id}
                    name={field.name}
                    value={value.clone()}
                    autocomplete={field.autocomplete}
                    inputmode={field.inputmode}
                    required={field.required}
                    aria-invalid={error.map(|_| "true")}
                    aria-describedby={described_by}
                    spellcheck={field.inputmode.map(|_| "false")}
                />
            </div>
        }
    };

    let country_error = model.error(fields::COUNTRY);
    let country_id = field_id(fields::COUNTRY);
    let country_error_id = format!("{country_id}-error");
    let sending = model.sending;

    html! {
        <>
            { error_summary(model, summary) }
            <fieldset>
                <legend>{ "Delivery address" }</legend>
                <Nested mfe="account" fragment={Fragment::AddressPicker} label="Saved addresses" />
                { text_field(&NAME) }
                { text_field(&ADDRESS_LINE1) }
                { text_field(&ADDRESS_LINE2) }
                <div class="field-row">
                    { text_field(&POSTAL_CODE) }
                    { text_field(&CITY) }
                </div>
                <div class={classes!("field", country_error.map(|_| "has-error"))}>
                    <label for={country_id.clone()}>{ "Country" }</label>
                    if let Some(error) = country_error {
                        <p id={country_error_id.clone()} class="field-error">{ error.to_owned() }</p>
                    }
                    <select
                        id={country_id}
                        name={fields::COUNTRY}
                        autocomplete="shipping country"
                        required=true
                        aria-invalid={country_error.map(|_| "true")}
                        aria-describedby={country_error.map(|_| country_error_id)}
                    >
                        <option value="" selected={model.form.country.is_empty()}>{ "Choose a country" }</option>
                        { for COUNTRIES.iter().map(|(code, name)| html! {
                            <option value={*code} selected={model.form.country == *code}>{ *name }</option>
                        }) }
                    </select>
                </div>
            </fieldset>
            <fieldset>
                <legend>{ "Payment" }</legend>
                <p class="test-cards">
                    { "This is a demo shop: no real card is charged. " }
                    { format!("{ACCEPTED_TEST_CARD} is accepted, {DECLINED_TEST_CARD} is declined.") }
                </p>
                { text_field(&CARD_NUMBER) }
                <div class="field-row">
                    { text_field(&CARD_EXPIRY) }
                    { text_field(&CARD_CVC) }
                </div>
            </fieldset>
            <button type="submit" class="button primary place-order" disabled={sending}>
                if sending {
                    { "Placing your order…" }
                } else {
                    { format!("Place order · {total}") }
                }
            </button>
            <p class="visually-hidden" role="status">
                { if sending { "Placing your order…" } else { "" } }
            </p>
            <p class="without-scripts">{ "Placing an order needs JavaScript: please turn it on to check out." }</p>
        </>
    }
}

/// Chooses `country` in the country list. Text fields take their value from the model on
/// each render, but a `<select>` follows its options' `selected` attributes only until the
/// shopper has chosen by hand: after a pick its value is set directly.
fn show_country(country: &str) {
    let select = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(&field_id(fields::COUNTRY)))
        .and_then(|e| e.dyn_into::<HtmlSelectElement>().ok());
    if let Some(select) = select {
        select.set_value(country);
    }
}

/// The messages of the last refusal, at the top of the form; each links to its field.
fn error_summary(model: &CheckoutModel, summary: &NodeRef) -> Html {
    if model.errors.is_empty() && model.problem.is_none() {
        return html! {};
    }
    let focus_field = Callback::from(|event: MouseEvent| {
        let target = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .and_then(|element| element.closest("a").ok().flatten())
            .and_then(|anchor| anchor.get_attribute("href"));
        let field = target
            .as_deref()
            .and_then(|href| href.strip_prefix('#'))
            .and_then(|id| web_sys::window()?.document()?.get_element_by_id(id))
            .and_then(|element| element.dyn_into::<HtmlElement>().ok());
        if let Some(field) = field {
            event.prevent_default();
            let _ = field.focus();
        }
    });
    let title = match model.errors.len() {
        _ if model.not_placed => "Your order was not placed".to_owned(),
        1 => "Please correct 1 field".to_owned(),
        n => format!("Please correct {n} fields"),
    };
    html! {
        <div class="error-summary" tabindex="-1" ref={summary.clone()} aria-labelledby="checkout-errors-title">
            <h2 id="checkout-errors-title">{ title }</h2>
            if let Some(problem) = &model.problem {
                <p>{ &problem.message }</p>
                if problem.back_to_cart {
                    <a class="button secondary" href={CART_PAGE}>{ "Review your cart" }</a>
                }
            }
            if !model.errors.is_empty() {
                <ul>
                    { for model.errors.iter().map(|error| html! {
                        <li>
                            <a href={format!("#{}", field_id(&error.field))} onclick={focus_field.clone()}>
                                { &error.message }
                            </a>
                        </li>
                    }) }
                </ul>
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_ids_follow_the_contracts_names() {
        assert_eq!(field_id(fields::CARD_NUMBER), "checkout-card_number");
    }

    #[test]
    fn card_fields_ask_for_digits_and_autofill_as_cards() {
        for field in [&CARD_NUMBER, &CARD_EXPIRY, &CARD_CVC] {
            assert_eq!(field.inputmode, Some("numeric"), "{}", field.name);
        }
        assert_eq!(CARD_NUMBER.autocomplete, "cc-number");
        assert_eq!(CARD_EXPIRY.autocomplete, "cc-exp");
        assert_eq!(CARD_CVC.autocomplete, "cc-csc");
    }
}
