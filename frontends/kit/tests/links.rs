//! Which link clicks an MFE may turn into client-side navigation, in a real browser.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// What `plain_link_click` says about a click with `init` on the `<span>` inside `html`'s
/// link. The click is always cancelled, so the test page stays where it is.
fn clicked(html: &str, init: &web_sys::MouseEventInit) -> Option<String> {
    let slot = common::element(html);
    let seen = Rc::new(RefCell::new(None));
    let listener = {
        let seen = seen.clone();
        Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |event: web_sys::MouseEvent| {
            *seen.borrow_mut() = mfe_kit::links::plain_link_click(&event);
            event.prevent_default();
        })
    };
    slot.add_event_listener_with_callback("click", listener.as_ref().unchecked_ref())
        .unwrap();
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event = web_sys::MouseEvent::new_with_mouse_event_init_dict("click", init).unwrap();
    slot.query_selector("span")
        .unwrap()
        .unwrap()
        .dispatch_event(&event)
        .unwrap();
    slot.remove();
    let answer = seen.borrow().clone();
    answer
}

#[wasm_bindgen_test]
fn a_plain_click_inside_a_link_gives_its_href() {
    let init = web_sys::MouseEventInit::new();
    assert_eq!(
        clicked("<a href=\"/cart\"><span>Cart</span></a>", &init),
        Some("/cart".to_owned())
    );
}

#[wasm_bindgen_test]
fn clicks_the_browser_must_keep_are_left_alone() {
    for modifier in ["ctrl", "meta", "shift", "alt"] {
        let init = web_sys::MouseEventInit::new();
        match modifier {
            "ctrl" => init.set_ctrl_key(true),
            "meta" => init.set_meta_key(true),
            "shift" => init.set_shift_key(true),
            _ => init.set_alt_key(true),
        }
        assert_eq!(
            clicked("<a href=\"/cart\"><span>Cart</span></a>", &init),
            None,
            "{modifier}"
        );
    }
    let middle = web_sys::MouseEventInit::new();
    middle.set_button(1);
    assert_eq!(
        clicked("<a href=\"/cart\"><span>x</span></a>", &middle),
        None
    );
    let plain = web_sys::MouseEventInit::new();
    for html in [
        "<a href=\"/cart\" target=\"_blank\"><span>x</span></a>",
        "<a href=\"/cart\" download><span>x</span></a>",
        "<p><span>not a link</span></p>",
    ] {
        assert_eq!(clicked(html, &plain), None, "{html}");
    }
}
