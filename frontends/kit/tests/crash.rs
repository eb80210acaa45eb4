//! A real panic in a mounted MFE reaches the shell's `onCrash`. In its own test file, so
//! in its own wasm instance: after a panic (an abort) nothing else may run in it.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

const LAST_WORDS: &str = "the doomed component gave up";

/// Panics from a browser timer once it is on screen, the way an event handler would: from
/// JS, outside the test's own call stack and outside any `wasm-bindgen-futures` task (a
/// trap there would stop every later task, this test's included).
#[function_component]
fn Doomed() -> Html {
    use_effect_with((), |_| {
        let give_up = Closure::once_into_js(give_up);
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(give_up.unchecked_ref(), 10)
            .unwrap();
    });
    html! { <p>{ "still here" }</p> }
}

fn give_up() {
    panic!("{LAST_WORDS}");
}

#[wasm_bindgen_test]
async fn a_panic_is_reported_to_the_shells_on_crash() {
    let slot = common::element("");
    let mut resolve = None;
    let crashed = js_sys::Promise::new(&mut |done, _| resolve = Some(done));
    let resolve = resolve.unwrap();
    // What the shell does when told: takes the slot back (from inside the panic hook) to
    // show its fallback there.
    let on_crash = {
        let slot = slot.clone();
        Closure::<dyn Fn(JsValue)>::new(move |message: JsValue| {
            mfe_kit::unmount(&slot);
            slot.set_text_content(Some("fallback"));
            resolve.call1(&JsValue::NULL, &message).unwrap();
        })
    };
    let props = js_sys::Object::new();
    js_sys::Reflect::set(&props, &"fragment".into(), &"page".into()).unwrap();
    js_sys::Reflect::set(&props, &"onCrash".into(), on_crash.as_ref()).unwrap();

    mfe_kit::mount::<Doomed>(slot.clone(), &props, |_| Some(())).unwrap();
    let message = JsFuture::from(crashed).await.unwrap();

    let message = message.as_string().unwrap();
    assert!(message.contains(LAST_WORDS), "onCrash got {message:?}");
    assert_eq!(slot.inner_html(), "fallback");
}
