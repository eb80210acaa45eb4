//! Another slice's fragment inside this MFE's page (order history in the account pages,
//! the address picker in checkout).
//!
//! A page never loads another MFE itself: it renders [`Nested`], an empty host element,
//! and the shell fills it with the same rules as a top-level slot — a loading state, the
//! fragment, or a fallback when that MFE is missing, slow or crashes. The protocol:
//!
//! | event          | sent on | `detail`     | when |
//! |----------------|---------|--------------|------|
//! | `mfe:nest`     | the host element, bubbling (the shell listens on `document`) | — | the host is in the document (again, with new props) |
//! | `mfe:unnest`   | `window` (the host may be detached by then) | the host element | the host goes away or its props change |
//!
//! The host element is `<div class="nested-slot" data-mfe data-fragment data-label
//! data-props>`; `data-props` is JSON text the shell parses and passes to the nested MFE's
//! `mount` as `props.data` (read it with [`crate::host_data`]). The host page renders no
//! children into it: its content belongs to the shell and the nested MFE. The two slices
//! talk only through typed events ([`crate::events`]).

use crate::Fragment;
use wasm_bindgen::JsValue;
use web_sys::Element;
use yew::prelude::*;

/// Sent (bubbling) on a host element that wants to be filled.
pub const NEST_EVENT: &str = "mfe:nest";
/// Sent on `window`, with the host element as `detail`, when it no longer wants to be.
pub const UNNEST_EVENT: &str = "mfe:unnest";

/// What [`Nested`] shows, and where the shell finds it.
#[derive(Properties, PartialEq, Clone)]
pub struct NestedProps {
    /// The MFE that provides the fragment (its manifest name), e.g. `account`.
    pub mfe: AttrValue,
    pub fragment: Fragment,
    /// What the fragment is, for the shopper: the loading state and fallback name it
    /// ("Saved addresses is unavailable right now").
    pub label: AttrValue,
    /// JSON text for the fragment (`data-props`), e.g. `{"orderId":"A-1"}`.
    #[prop_or_default]
    pub data: Option<AttrValue>,
}

/// A host element for `mfe`'s `fragment`, filled by the shell (see the module docs).
/// When its props change the shell fills it again. Used like any component:
/// `<Nested mfe="account" fragment={Fragment::AddressPicker} label="Saved addresses" />`.
/// (A struct component: in wasm it costs less than a function component with hooks, and
/// every MFE that nests carries it.)
pub struct Nested {
    host: NodeRef,
    /// The host as last asked to be filled, to give back when it goes (Yew may have
    /// detached it, and cleared the ref, by then).
    filled: Option<Element>,
}

impl Component for Nested {
    type Message = ();
    type Properties = NestedProps;

    fn create(_: &Context<Self>) -> Self {
        Self {
            host: NodeRef::default(),
            filled: None,
        }
    }

    fn changed(&mut self, _: &Context<Self>, _: &NestedProps) -> bool {
        // Yew calls this only for props that differ: the shell fills the host again.
        if let Some(element) = self.filled.take() {
            give_back(&element);
        }
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let props = ctx.props();
        html! {
            <div
                ref={self.host.clone()}
                class="nested-slot"
                data-mfe={props.mfe.clone()}
                data-fragment={props.fragment.name()}
                data-label={props.label.clone()}
                data-props={props.data.clone()}
            ></div>
        }
    }

    fn rendered(&mut self, _: &Context<Self>, _: bool) {
        if self.filled.is_none() {
            self.filled = self.host.cast::<Element>();
            if let Some(element) = &self.filled {
                ask_to_fill(element);
            }
        }
    }

    fn destroy(&mut self, _: &Context<Self>) {
        if let Some(element) = self.filled.take() {
            give_back(&element);
        }
    }
}

/// `mfe:nest` on the host: it bubbles to the shell's listener on `document`, so a host
/// that is not in the document (yet) asks no one.
fn ask_to_fill(element: &Element) {
    let init = web_sys::CustomEventInit::new();
    init.set_bubbles(true);
    if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(NEST_EVENT, &init) {
        let _ = element.dispatch_event(&event);
    }
}

/// `mfe:unnest` on `window`, naming the host: a detached element's events reach no one.
fn give_back(element: &Element) {
    let Some(window) = crate::browser::window() else {
        return;
    };
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&JsValue::from(element.clone()));
    if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(UNNEST_EVENT, &init) {
        let _ = window.dispatch_event(&event);
    }
}
