//! What the browser tests share: slots in the page, waiting, and a stand-in for the
//! shell's `onCrash`.
#![allow(dead_code)] // each test file uses its own part

use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// A new `<div>` at the end of the page, holding `html` (say, the shell's placeholder).
pub fn element(html: &str) -> web_sys::Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let element = document.create_element("div").unwrap();
    element.set_inner_html(html);
    document.body().unwrap().append_child(&element).unwrap();
    element
}

/// Resolves after `ms` milliseconds of the browser's own timers.
pub async fn sleep(ms: i32) {
    let timer = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(timer).await.unwrap();
}

/// Waits until Yew has done the work it scheduled (it renders on a later tick).
pub async fn settle() {
    sleep(20).await;
}

/// An `onCrash` function that remembers what it was called with.
pub struct CrashSpy {
    messages: Rc<RefCell<Vec<String>>>,
    function: Closure<dyn Fn(JsValue)>,
}

impl CrashSpy {
    pub fn new() -> Self {
        let messages = Rc::new(RefCell::new(Vec::new()));
        let seen = messages.clone();
        let function = Closure::<dyn Fn(JsValue)>::new(move |message: JsValue| {
            seen.borrow_mut()
                .push(message.as_string().unwrap_or_default());
        });
        Self { messages, function }
    }

    pub fn function(&self) -> &JsValue {
        self.function.as_ref()
    }

    pub fn messages(&self) -> Vec<String> {
        self.messages.borrow().clone()
    }
}
