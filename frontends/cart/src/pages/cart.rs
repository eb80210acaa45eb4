//! The cart page: its lines with a quantity picker and a remove button each, the totals,
//! and the way to checkout. Every change answers the whole cart, which replaces what is
//! shown; the other MFEs and tabs are told (see [`crate::sync`]).

use crate::api;
use crate::components::described_by;
use crate::components::states::{empty_cart, error_panel, skeleton_lines, skeleton_summary};
use crate::components::totals::{items, totals};
use crate::sync;
use cart_api::{CartLineView, CartView, CHECKOUT_PAGE, MAX_QUANTITY};
use mfe_kit::http::{use_first_answer, ApiError};
use mfe_kit::set_title;
use std::ops::RangeInclusive;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlSelectElement};
use yew::prelude::*;

/// One change the shopper made to a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Changes are numbered as they are sent; only the last one's answer is drawn.
    pub seq: u32,
    pub product_id: i64,
    /// The product's name, for what is said about the change.
    pub name: String,
    pub kind: ChangeKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Quantity(u32),
    Remove,
}

/// The cart page once the cart has been read: what it shows and the changes in flight.
#[derive(Debug, Clone, PartialEq)]
pub struct CartModel {
    pub view: Rc<CartView>,
    /// Bumped whenever `view` is replaced, so each quantity picker shows the cart's
    /// quantity again (a refused change would leave the shopper's choice in it).
    pub revision: u32,
    /// The number of the last change sent.
    latest: u32,
    /// Changes sent and not yet answered.
    pending: u32,
    /// Lines being taken out.
    removing: Vec<i64>,
    /// Why a line's last change failed.
    errors: Vec<(i64, String)>,
    /// What the page last said to screen readers about a change.
    pub said: String,
}

impl CartModel {
    fn new(view: CartView) -> Self {
        CartModel {
            view: Rc::new(view),
            revision: 0,
            latest: 0,
            pending: 0,
            removing: Vec::new(),
            errors: Vec::new(),
            said: String::new(),
        }
    }

    pub fn is_removing(&self, product_id: i64) -> bool {
        self.removing.contains(&product_id)
    }

    pub fn error(&self, product_id: i64) -> Option<&str> {
        self.errors
            .iter()
            .find(|(id, _)| *id == product_id)
            .map(|(_, message)| message.as_str())
    }

    fn show(&mut self, view: CartView) {
        self.view = Rc::new(view);
        self.revision += 1;
        let view = &self.view;
        self.errors
            .retain(|(id, _)| view.lines.iter().any(|line| line.product_id == *id));
    }

    fn settle(&mut self, change: &Change) {
        self.pending = self.pending.saturating_sub(1);
        self.removing.retain(|id| *id != change.product_id);
    }
}

/// The cart page's states.
#[derive(Debug, Clone, PartialEq)]
pub enum CartScreen {
    Loading,
    Failed(ApiError),
    Ready(CartModel),
}

pub enum CartAction {
    /// Asking again after a failure.
    Reload,
    /// The whole cart was read (first, again, or because another tab changed it).
    Read(Result<CartView, ApiError>),
    /// A change went out.
    Sent(Change),
    /// A change was answered: the whole cart, or why not (for the shopper).
    Answered {
        change: Change,
        answer: Result<CartView, String>,
    },
}

impl Reducible for CartScreen {
    type Action = CartAction;

    fn reduce(self: Rc<Self>, action: CartAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match (&mut next, action) {
            (_, CartAction::Reload) => next = CartScreen::Loading,
            // Changes in flight will answer with a newer cart than this read.
            (CartScreen::Ready(model), CartAction::Read(Ok(view))) if model.pending == 0 => {
                model.show(view)
            }
            // What is shown stays when a refresh fails or arrives among changes.
            (CartScreen::Ready(_), CartAction::Read(_)) => return self,
            (_, CartAction::Read(Ok(view))) => next = CartScreen::Ready(CartModel::new(view)),
            (_, CartAction::Read(Err(error))) => next = CartScreen::Failed(error),
            (CartScreen::Ready(model), CartAction::Sent(change)) => {
                model.latest = change.seq;
                model.pending += 1;
                model.errors.retain(|(id, _)| *id != change.product_id);
                if change.kind == ChangeKind::Remove {
                    model.removing.push(change.product_id);
                }
            }
            (CartScreen::Ready(model), CartAction::Answered { change, answer }) => {
                model.settle(&change);
                match answer {
                    Ok(view) if change.seq == model.latest => {
                        model.said = said_after(&change, &view);
                        model.show(view);
                    }
                    // An older change's answer: the newer one's is on its way.
                    Ok(_) => {}
                    Err(message) => model.errors.push((change.product_id, message)),
                }
            }
            // Changes need a cart on screen.
            _ => return self,
        }
        Rc::new(next)
    }
}

/// What a screen reader hears once a change went through.
pub fn said_after(change: &Change, cart: &CartView) -> String {
    match change.kind {
        ChangeKind::Remove => format!(
            "{} removed from your cart. Total {}.",
            change.name, cart.total
        ),
        ChangeKind::Quantity(quantity) => format!(
            "{}: quantity {quantity}. Total {}.",
            change.name, cart.total
        ),
    }
}

/// The quantities a line's picker offers: up to what is in stock, and never fewer than
/// the line holds (a line over its stock shows its quantity, and its warning).
pub fn quantity_choices(line: &CartLineView) -> RangeInclusive<u32> {
    1..=line.max_quantity.max(line.quantity).clamp(1, MAX_QUANTITY)
}

#[function_component]
pub fn CartPage() -> Html {
    let (first, skip_first_fetch) = use_first_answer(api::ready_cart);
    let screen = use_reducer(|| match first {
        Some(Ok(view)) => CartScreen::Ready(CartModel::new(view)),
        Some(Err(error)) => CartScreen::Failed(error),
        None => CartScreen::Loading,
    });
    // The number of the last change sent, to know whether an answer is the last one.
    let sent = use_mut_ref(|| 0_u32);
    let heading = use_node_ref();

    let reload = {
        let dispatcher = screen.dispatcher();
        Callback::from(move |()| {
            let dispatcher = dispatcher.clone();
            wasm_bindgen_futures::spawn_local(async move {
                dispatcher.dispatch(CartAction::Read(api::cart().await));
            });
        })
    };

    // Each picker shows the cart's quantity whenever the cart was read again (an option's
    // `selected` does not move a picker the shopper has touched, e.g. after a refusal).
    {
        // A new revision is a new cart: the revision alone says when (no comparing carts).
        let (revision, shown) = match &*screen {
            CartScreen::Ready(model) => (Some(model.revision), Some(model.view.clone())),
            _ => (None, None),
        };
        use_effect_with(revision, move |_| {
            let document = web_sys::window().and_then(|window| window.document());
            if let (Some(view), Some(document)) = (shown, document) {
                for line in &view.lines {
                    if let Some(picker) = document
                        .get_element_by_id(&picker_id(line.product_id))
                        .and_then(|element| element.dyn_into::<HtmlSelectElement>().ok())
                    {
                        picker.set_value(&line.quantity.to_string());
                    }
                }
            }
        });
    }

    {
        let reload = reload.clone();
        use_effect_with((), move |_| {
            set_title(Some("Your cart"));
            if !skip_first_fetch.replace(false) {
                reload.emit(());
            }
            let other_tabs = sync::on_change_in_other_tab(move || reload.emit(()));
            move || drop(other_tabs)
        });
    }

    let on_retry = {
        let (dispatcher, reload) = (screen.dispatcher(), reload.clone());
        Callback::from(move |()| {
            dispatcher.dispatch(CartAction::Reload);
            reload.emit(());
        })
    };

    let on_change = {
        let (dispatcher, reload, heading) = (screen.dispatcher(), reload.clone(), heading.clone());
        Callback::from(move |(product_id, name, kind): (i64, String, ChangeKind)| {
            let seq = {
                let mut sent = sent.borrow_mut();
                *sent += 1;
                *sent
            };
            let change = Change {
                seq,
                product_id,
                name,
                kind,
            };
            dispatcher.dispatch(CartAction::Sent(change.clone()));
            let (dispatcher, reload, heading, sent) = (
                dispatcher.clone(),
                reload.clone(),
                heading.clone(),
                sent.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                let answer = match kind {
                    ChangeKind::Quantity(quantity) => {
                        api::set_quantity(change.product_id, quantity).await
                    }
                    ChangeKind::Remove => api::remove(change.product_id).await,
                };
                let last = *sent.borrow() == change.seq;
                match answer {
                    Ok(view) => {
                        if last {
                            sync::announce(view.item_count);
                        }
                        dispatcher.dispatch(CartAction::Answered {
                            change: change.clone(),
                            answer: Ok(view),
                        });
                        // The remove button is gone; the page's heading is the next place.
                        if kind == ChangeKind::Remove {
                            if let Some(heading) = heading.cast::<HtmlElement>() {
                                let _ = heading.focus();
                            }
                        }
                    }
                    Err(error) => {
                        dispatcher.dispatch(CartAction::Answered {
                            change,
                            answer: Err(error.message()),
                        });
                        // Show what the cart really holds now.
                        reload.emit(());
                    }
                }
            });
        })
    };

    let count = match &*screen {
        CartScreen::Ready(model) if !model.view.lines.is_empty() => {
            Some(html! { <span class="title-count">{ items(model.view.item_count) }</span> })
        }
        _ => None,
    };
    let said = match &*screen {
        CartScreen::Ready(model) => model.said.clone(),
        _ => String::new(),
    };

    html! {
        <section class="cart-view" aria-labelledby="cart-title">
            <h1 id="cart-title" class="page-title" tabindex="-1" ref={heading}>
                // The space keeps "cart" and the count apart for screen readers too.
                { "Your cart " }{ count }
            </h1>
            <p class="visually-hidden" role="status">{ said }</p>
            {
                match &*screen {
                    CartScreen::Loading => html! {
                        <div class="cart-layout">
                            { skeleton_lines("Loading your cart…", 2) }
                            { skeleton_summary() }
                        </div>
                    },
                    CartScreen::Failed(error) => error_panel(error, "your cart", &on_retry),
                    CartScreen::Ready(model) if model.view.lines.is_empty() => empty_cart(),
                    CartScreen::Ready(model) => cart_view(model, &on_change),
                }
            }
        </section>
    }
}

fn cart_view(model: &CartModel, on_change: &Callback<(i64, String, ChangeKind)>) -> Html {
    let view = &model.view;
    html! {
        <>
            if !view.checked {
                <p class="cart-notice">
                    { "We couldn't check stock and prices just now. They will be confirmed when you check out." }
                </p>
            }
            <div class="cart-layout">
                <ul class="cart-lines" aria-label="Items in your cart">
                    { for view.lines.iter().map(|line| line_row(line, model, on_change)) }
                </ul>
                <aside class="summary-box" aria-labelledby="cart-summary-title">
                    <h2 id="cart-summary-title">{ "Order summary" }</h2>
                    { totals(&view.subtotal, &view.shipping, &view.total) }
                    if let Some(note) = &view.shipping_note {
                        <p class="shipping-note">{ note }</p>
                    }
                    if view.can_checkout {
                        <a class="button primary checkout-button" href={CHECKOUT_PAGE}>{ "Check out" }</a>
                    } else {
                        <>
                            <button type="button" class="button primary checkout-button" disabled=true aria-describedby="cart-checkout-blocked">
                                { "Check out" }
                            </button>
                            <p id="cart-checkout-blocked" class="checkout-blocked">
                                { "Some items are over what we have in stock. Lower their quantities to check out." }
                            </p>
                        </>
                    }
                    <a class="continue-link" href="/">{ "Continue shopping" }</a>
                    <p class="without-scripts">{ "Changing quantities and checking out need JavaScript: please turn it on to shop." }</p>
                </aside>
            </div>
        </>
    }
}

/// The element id of a line's quantity picker.
fn picker_id(product_id: i64) -> String {
    format!("cart-quantity-{product_id}")
}

/// One line of the cart.
fn line_row(
    line: &CartLineView,
    model: &CartModel,
    on_change: &Callback<(i64, String, ChangeKind)>,
) -> Html {
    let id = line.product_id;
    let removing = model.is_removing(id);
    let error = model.error(id);
    let onchange = {
        let (on_change, name, current) = (on_change.clone(), line.name.clone(), line.quantity);
        Callback::from(move |event: Event| {
            let value = event.target_unchecked_into::<HtmlSelectElement>().value();
            if let Ok(quantity) = value.parse::<u32>() {
                if quantity != current {
                    on_change.emit((id, name.clone(), ChangeKind::Quantity(quantity)));
                }
            }
        })
    };
    let onclick = {
        let (on_change, name) = (on_change.clone(), line.name.clone());
        Callback::from(move |_: MouseEvent| {
            if !removing {
                on_change.emit((id, name.clone(), ChangeKind::Remove));
            }
        })
    };

    let picker = picker_id(id);
    let warning_id = format!("cart-warning-{id}");
    let error_id = format!("cart-error-{id}");
    let described_by = described_by(
        line.warning.as_ref().map(|_| warning_id.as_str()),
        error.map(|_| error_id.as_str()),
    );

    html! {
        <li key={id} class={classes!("cart-line", removing.then_some("is-removing"))} aria-busy={removing.then_some("true")}>
            <img class="line-image" src={line.image_url.clone()} alt="" width="96" height="96" loading="lazy" />
            <div class="line-info">
                <h2 class="line-name"><a href={line.product_url.clone()}>{ &line.name }</a></h2>
                <p class="line-unit">{ format!("{} each", line.unit_price) }</p>
                if let Some(warning) = &line.warning {
                    <p id={warning_id.clone()} class="line-warning">{ warning }</p>
                }
                if let Some(error) = error {
                    <p id={error_id.clone()} class="line-error" role="alert">{ error.to_owned() }</p>
                }
            </div>
            <div class="line-quantity">
                <label for={picker.clone()}>
                    { "Quantity" }<span class="visually-hidden">{ format!(" of {}", line.name) }</span>
                </label>
                <select id={picker} aria-describedby={described_by} {onchange}>
                    { for quantity_choices(line).map(|n| html! {
                        <option value={n.to_string()} selected={n == line.quantity}>{ n }</option>
                    }) }
                </select>
                <button type="button" class="line-remove" aria-disabled={removing.then_some("true")} {onclick}>
                    { if removing { "Removing…" } else { "Remove" } }
                    <span class="visually-hidden">{ format!(" {}", line.name) }</span>
                </button>
            </div>
            <p class="line-total">
                <span class="visually-hidden">{ "Line total: " }</span>{ &line.line_total }
            </p>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(product_id: i64, quantity: u32, max_quantity: u32) -> CartLineView {
        CartLineView {
            product_id,
            name: format!("Product {product_id}"),
            product_url: format!("/products/p{product_id}"),
            image_url: String::new(),
            unit_price: "€5.00".into(),
            quantity,
            max_quantity,
            line_total: "€5.00".into(),
            warning: None,
        }
    }

    fn cart(total: &str, lines: Vec<CartLineView>) -> CartView {
        CartView {
            item_count: lines.iter().map(|l| l.quantity).sum(),
            lines,
            total: total.into(),
            checked: true,
            can_checkout: true,
            ..CartView::default()
        }
    }

    fn change(seq: u32, product_id: i64, kind: ChangeKind) -> Change {
        Change {
            seq,
            product_id,
            name: format!("Product {product_id}"),
            kind,
        }
    }

    fn run(actions: impl IntoIterator<Item = CartAction>) -> CartScreen {
        let screen = actions
            .into_iter()
            .fold(Rc::new(CartScreen::Loading), |screen, action| {
                screen.reduce(action)
            });
        (*screen).clone()
    }

    fn model(screen: CartScreen) -> CartModel {
        match screen {
            CartScreen::Ready(model) => model,
            other => panic!("expected a cart on screen, got {other:?}"),
        }
    }

    #[test]
    fn a_read_cart_is_shown_and_a_failed_read_offers_a_retry() {
        let shown = model(run([CartAction::Read(Ok(cart(
            "€5.00",
            vec![line(1, 1, 5)],
        )))]));
        assert_eq!(shown.view.total, "€5.00");

        let failed = run([CartAction::Read(Err(ApiError::Network))]);
        assert_eq!(failed, CartScreen::Failed(ApiError::Network));
        assert_eq!(
            run([CartAction::Read(Err(ApiError::Network)), CartAction::Reload]),
            CartScreen::Loading
        );
    }

    #[test]
    fn a_changes_answer_replaces_the_totals_and_is_said() {
        let quantity = change(1, 1, ChangeKind::Quantity(3));
        let shown = model(run([
            CartAction::Read(Ok(cart("€5.00", vec![line(1, 1, 5)]))),
            CartAction::Sent(quantity.clone()),
            CartAction::Answered {
                change: quantity,
                answer: Ok(cart("€15.00", vec![line(1, 3, 5)])),
            },
        ]));
        assert_eq!(shown.view.total, "€15.00");
        assert_eq!(shown.view.lines[0].quantity, 3);
        assert_eq!(shown.revision, 1);
        assert_eq!(shown.said, "Product 1: quantity 3. Total €15.00.");
    }

    #[test]
    fn an_older_answer_does_not_overwrite_a_newer_one() {
        let (first, second) = (
            change(1, 1, ChangeKind::Quantity(2)),
            change(2, 1, ChangeKind::Quantity(3)),
        );
        let shown = model(run([
            CartAction::Read(Ok(cart("€5.00", vec![line(1, 1, 5)]))),
            CartAction::Sent(first.clone()),
            CartAction::Sent(second.clone()),
            CartAction::Answered {
                change: second,
                answer: Ok(cart("€15.00", vec![line(1, 3, 5)])),
            },
            CartAction::Answered {
                change: first,
                answer: Ok(cart("€10.00", vec![line(1, 2, 5)])),
            },
        ]));
        assert_eq!(shown.view.total, "€15.00");
    }

    #[test]
    fn a_refresh_among_changes_in_flight_is_ignored() {
        let quantity = change(1, 1, ChangeKind::Quantity(4));
        let shown = model(run([
            CartAction::Read(Ok(cart("€5.00", vec![line(1, 1, 5)]))),
            CartAction::Sent(quantity),
            CartAction::Read(Ok(cart("€99.00", vec![line(1, 9, 9)]))),
        ]));
        assert_eq!(shown.view.total, "€5.00");
    }

    #[test]
    fn a_failed_change_is_shown_at_its_line_until_the_next_change_there() {
        let refused = change(1, 1, ChangeKind::Quantity(9));
        let retried = change(2, 1, ChangeKind::Quantity(2));
        let failed = run([
            CartAction::Read(Ok(cart("€5.00", vec![line(1, 1, 5), line(2, 1, 5)]))),
            CartAction::Sent(refused.clone()),
            CartAction::Answered {
                change: refused,
                answer: Err("Only 5 left.".into()),
            },
        ]);
        let shown = model(failed.clone());
        assert_eq!(shown.error(1), Some("Only 5 left."));
        assert_eq!(shown.error(2), None);
        assert_eq!(shown.view.total, "€5.00");

        let again = model(
            Rc::new(failed)
                .reduce(CartAction::Sent(retried))
                .as_ref()
                .clone(),
        );
        assert_eq!(again.error(1), None);
    }

    #[test]
    fn a_line_being_removed_is_marked_until_answered() {
        let remove = change(1, 2, ChangeKind::Remove);
        let sent = run([
            CartAction::Read(Ok(cart("€10.00", vec![line(1, 1, 5), line(2, 1, 5)]))),
            CartAction::Sent(remove.clone()),
        ]);
        assert!(model(sent.clone()).is_removing(2));
        assert!(!model(sent.clone()).is_removing(1));

        let done = model(
            Rc::new(sent)
                .reduce(CartAction::Answered {
                    change: remove,
                    answer: Ok(cart("€5.00", vec![line(1, 1, 5)])),
                })
                .as_ref()
                .clone(),
        );
        assert!(!done.is_removing(2));
        assert_eq!(done.view.lines.len(), 1);
        assert_eq!(done.said, "Product 2 removed from your cart. Total €5.00.");
    }

    #[test]
    fn the_picker_offers_the_stock_and_at_least_the_lines_quantity() {
        assert_eq!(quantity_choices(&line(1, 2, 5)), 1..=5);
        assert_eq!(quantity_choices(&line(1, 7, 3)), 1..=7);
        assert_eq!(quantity_choices(&line(1, 1, 0)), 1..=1);
        assert_eq!(quantity_choices(&line(1, 1, 500)), 1..=MAX_QUANTITY);
    }
}
