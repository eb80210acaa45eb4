//! Shop events between MFEs, in a real browser: typed dispatch/listen, and waiting for an
//! MFE that loads later (`when_ready`).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use mfe_kit::events::{self, AddToCart, CartChanged, SignedIn, SignedOut};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn a_listener_gets_the_typed_detail_and_ignores_other_shapes() {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let listener = {
        let seen = seen.clone();
        events::listen::<AddToCart>(move |add| seen.borrow_mut().push(add))
    };
    events::dispatch(&AddToCart {
        product_id: 7,
        quantity: 2,
    });
    // Another event's shape under another name is not ours.
    events::dispatch(&CartChanged { item_count: 1 });
    assert_eq!(
        *seen.borrow(),
        [AddToCart {
            product_id: 7,
            quantity: 2
        }]
    );
    drop(listener);
    events::dispatch(&AddToCart {
        product_id: 8,
        quantity: 1,
    });
    assert_eq!(seen.borrow().len(), 1, "a dropped listener hears nothing");
}

#[wasm_bindgen_test]
fn on_hears_each_event_of_its_kind_until_dropped() {
    let heard = Rc::new(RefCell::new(0));
    let listener = {
        let heard = heard.clone();
        events::on::<SignedIn>(move || *heard.borrow_mut() += 1)
    };
    events::dispatch(&SignedIn {
        first_name: "Ada".into(),
    });
    events::dispatch(&SignedOut {});
    assert_eq!(*heard.borrow(), 1, "only its own kind");
    drop(listener);
    events::dispatch(&SignedIn {
        first_name: "Ada".into(),
    });
    assert_eq!(*heard.borrow(), 1, "a dropped listener hears nothing");
}

#[wasm_bindgen_test]
fn when_ready_waits_for_the_owner_and_runs_once() {
    let runs = Rc::new(RefCell::new(0));
    let waiting = {
        let runs = runs.clone();
        events::when_ready("test-late", move || *runs.borrow_mut() += 1)
    };
    assert!(waiting.is_some());
    assert_eq!(*runs.borrow(), 0, "nothing runs before the owner is ready");
    events::announce_ready("test-late");
    events::announce_ready("test-late");
    assert_eq!(
        *runs.borrow(),
        1,
        "runs once, when the owner says it is ready"
    );
    drop(waiting);
}

#[wasm_bindgen_test]
fn when_ready_runs_at_once_for_a_ready_owner_until_it_withdraws() {
    events::announce_ready("test-early");
    let ran = Rc::new(RefCell::new(false));
    let waiting = {
        let ran = ran.clone();
        events::when_ready("test-early", move || *ran.borrow_mut() = true)
    };
    assert!(waiting.is_none());
    assert!(*ran.borrow());

    events::withdraw_ready("test-early");
    assert!(!events::is_ready("test-early"));
    let ran_again = Rc::new(RefCell::new(false));
    let _waiting = {
        let ran_again = ran_again.clone();
        events::when_ready("test-early", move || *ran_again.borrow_mut() = true)
    };
    assert!(
        !*ran_again.borrow(),
        "a withdrawn owner is waited for again"
    );
}

#[wasm_bindgen_test]
fn given_up_waiting_runs_nothing() {
    let ran = Rc::new(RefCell::new(false));
    let waiting = {
        let ran = ran.clone();
        events::when_ready("test-abandoned", move || *ran.borrow_mut() = true)
    };
    drop(waiting);
    events::announce_ready("test-abandoned");
    assert!(!*ran.borrow());
}
