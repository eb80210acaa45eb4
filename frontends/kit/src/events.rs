//! The browser events micro-frontends use to talk to each other — the only way they do.
//!
//! Each event is a `CustomEvent` dispatched on `window`, named `<owner>:<event>`, whose
//! `detail` is a plain JSON object (camelCase keys). This module is the one place they are
//! listed and typed; an MFE in any language can take part by using the same names and
//! shapes.
//!
//! | name                  | sent by | `detail`                                  | meaning |
//! |-----------------------|---------|-------------------------------------------|---------|
//! | `catalog:add-to-cart` | catalog | `{ "productId": 12, "quantity": 2 }`      | the shopper asked to put this product in the cart |
//! | `cart:changed`        | cart    | `{ "itemCount": 3 }`                      | the cart's contents changed (also the answer to an add-to-cart) |
//! | `cart:add-failed`     | cart    | `{ "productId": 12, "message": "Only 2 left" }` | an add-to-cart was refused; `message` is for the shopper |
//! | `account:signed-in`   | account | `{ "firstName": "Ada" }`                  | a shopper signed in (or up), or a lapsed identity was renewed: who the BFFs see changed, re-read what depends on it |
//! | `account:signed-out`  | account | `{}`                                      | the shopper signed out: they are a guest everywhere now |
//! | `account:address-selected` | account | `{ "address": { "name", "line1", "line2", "postalCode", "city", "country" } }` or `{ "address": null }` | the address picker's choice (`null`: the shopper will type a new one) |
//! | `<owner>:ready`       | owner   | `{}`                                      | `owner`'s listeners are in place (see [`announce_ready`]) |
//! | `mfe:want`            | any     | `"cart"` (the owner's name)               | to the shell: make `owner`'s fragments live now (see [`when_ready`]) |
//!
//! Header fragments load after the main slot, so a page may want to talk to an MFE that is
//! not listening yet. The owner calls [`announce_ready`] once its listeners are set up; a
//! sender wraps its `dispatch` in [`when_ready`], which runs at once if the owner is ready
//! and otherwise waits for `<owner>:ready` — and asks the shell for the owner (`mfe:want`):
//! a header fragment rendered on the server is made live only when wanted. Readiness is kept on `<html>` as
//! `data-ready-<owner>`, the one piece of state every MFE on the page can see.

use crate::from_js::from_js;
use gloo_events::EventListener;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

/// A typed shop event: its name and its `detail` payload.
pub trait ShopEvent: Serialize + DeserializeOwned {
    const NAME: &'static str;
}

/// The shopper asked to put a product in the cart. Sent by the catalog, handled by the cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddToCart {
    pub product_id: i64,
    pub quantity: u32,
}

impl ShopEvent for AddToCart {
    const NAME: &'static str = "catalog:add-to-cart";
}

/// The cart changed. Sent by the cart after every change, including an add-to-cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CartChanged {
    pub item_count: u32,
}

impl ShopEvent for CartChanged {
    const NAME: &'static str = "cart:changed";
}

/// An add-to-cart could not be done (sold out, too many, cart unavailable). Sent by the
/// cart instead of `cart:changed`; the page that asked shows `message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddToCartFailed {
    pub product_id: i64,
    pub message: String,
}

impl ShopEvent for AddToCartFailed {
    const NAME: &'static str = "cart:add-failed";
}

/// A shopper signed in or up — or their identity, lapsed for a while, was renewed. Sent by
/// the account MFE; whatever shows per-shopper data (the cart badge) reads it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedIn {
    pub first_name: String,
}

impl ShopEvent for SignedIn {
    const NAME: &'static str = "account:signed-in";
}

/// The shopper signed out; they are a guest everywhere now. Sent by the account MFE.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedOut {}

impl ShopEvent for SignedOut {
    const NAME: &'static str = "account:signed-out";
}

/// A delivery address as the address picker hands it over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PickedAddress {
    pub name: String,
    pub line1: String,
    pub line2: String,
    pub postal_code: String,
    pub city: String,
    /// ISO 3166-1 alpha-2, e.g. `DE`.
    pub country: String,
}

/// The address picker's choice, sent by the account slice's `address-picker` fragment to
/// the page it is nested in (checkout). `None`: the shopper will type a new address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddressSelected {
    pub address: Option<PickedAddress>,
}

impl ShopEvent for AddressSelected {
    const NAME: &'static str = "account:address-selected";
}

fn ready_attribute(owner: &str) -> String {
    format!("data-ready-{owner}")
}

/// Says that `owner`'s listeners are in place: marks `<html>` and sends `<owner>:ready`.
pub fn announce_ready(owner: &str) {
    let Some(window) = crate::browser::window() else {
        return;
    };
    if let Some(root) = window.document().and_then(|d| d.document_element()) {
        let _ = root.set_attribute(&ready_attribute(owner), "");
    }
    if let Ok(event) = web_sys::CustomEvent::new(&format!("{owner}:ready")) {
        let _ = window.dispatch_event(&event);
    }
}

/// Takes back [`announce_ready`] (the owner was unmounted).
pub fn withdraw_ready(owner: &str) {
    let root = crate::browser::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element());
    if let Some(root) = root {
        let _ = root.remove_attribute(&ready_attribute(owner));
    }
}

/// Whether `owner` has announced that it listens.
pub fn is_ready(owner: &str) -> bool {
    crate::browser::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .is_some_and(|root| root.has_attribute(&ready_attribute(owner)))
}

/// Runs `then` as soon as `owner` listens: now if it already does, else on `<owner>:ready`.
/// Dropping the returned listener (if any) gives up waiting.
pub fn when_ready(owner: &str, then: impl FnOnce() + 'static) -> Option<EventListener> {
    if is_ready(owner) {
        then();
        return None;
    }
    let window = crate::browser::window()?;
    let mut then = Some(then);
    let listener = EventListener::new(&window, format!("{owner}:ready"), move |_| {
        if let Some(then) = then.take() {
            then();
        }
    });
    want(&window, owner);
    Some(listener)
}

/// Asks the shell to make `owner`'s fragments on this page live now: a header fragment its
/// BFF rendered is otherwise hydrated only on the shopper's first interaction.
fn want(window: &web_sys::Window, owner: &str) {
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&JsValue::from_str(owner));
    if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict("mfe:want", &init) {
        let _ = window.dispatch_event(&event);
    }
}

/// Sends `event` to every MFE on the page.
pub fn dispatch<E: ShopEvent>(event: &E) {
    let Some(window) = crate::browser::window() else {
        return;
    };
    // Plain objects (not Maps), so any MFE, in any language, reads `detail.productId`.
    let detail = event
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::NULL);
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&detail);
    if let Ok(custom) = web_sys::CustomEvent::new_with_event_init_dict(E::NAME, &init) {
        let _ = window.dispatch_event(&custom);
    }
}

/// Calls `then` whenever `E` is sent on this page, until the returned listener is dropped:
/// for a listener that needs to know that it happened, not its detail (which is not read,
/// so this costs the MFE no decoding code).
pub fn on<E: ShopEvent>(then: impl Fn() + 'static) -> Option<EventListener> {
    let window = crate::browser::window()?;
    Some(EventListener::new(&window, E::NAME, move |_| then()))
}

/// Calls `handle` for every `E` sent on this page until the returned listener is dropped.
/// Events whose detail does not have `E`'s shape are ignored.
pub fn listen<E: ShopEvent + 'static>(handle: impl Fn(E) + 'static) -> Option<EventListener> {
    let window = crate::browser::window()?;
    Some(EventListener::new(&window, E::NAME, move |event| {
        let detail = event
            .dyn_ref::<web_sys::CustomEvent>()
            .and_then(|custom| from_js::<E>(custom.detail()));
        if let Some(detail) = detail {
            handle(detail);
        }
    }))
}
