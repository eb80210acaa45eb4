//! Telling others that the cart changed: the MFEs on this page (`cart:changed`) and the
//! cart in the shopper's other tabs (a `BroadcastChannel`).
//!
//! One channel for the whole wasm instance: a channel never hears its own messages, so the
//! badge does not refetch what the cart page on the same page just changed.

use crate::json;
use gloo_events::EventListener;
use mfe_kit::events::CartChanged;
use wasm_bindgen::JsValue;
use web_sys::BroadcastChannel;

/// The channel's name, shared by every tab of the shop.
const CHANNEL: &str = "storefront-cart";

thread_local! {
    static TABS: Option<BroadcastChannel> = BroadcastChannel::new(CHANNEL).ok();
}

/// After every change the cart MFE makes: the cart now holds `item_count` items.
pub fn announce(item_count: u32) {
    json::dispatch(&CartChanged { item_count });
    TABS.with(|tabs| {
        if let Some(tabs) = tabs {
            let _ = tabs.post_message(&JsValue::from(item_count));
        }
    });
}

/// Calls `refresh` whenever the cart changed in another tab, until the listener is
/// dropped. The message only says "changed": the cart is asked again for what it holds.
pub fn on_change_in_other_tab(refresh: impl Fn() + 'static) -> Option<EventListener> {
    TABS.with(|tabs| {
        tabs.as_ref()
            .map(|tabs| EventListener::new(tabs, "message", move |_| refresh()))
    })
}
