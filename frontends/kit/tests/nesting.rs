//! [`mfe_kit::Nested`] and the shell, in a real browser: the host element asks to be filled
//! once it is in the page and gives itself back when it goes away.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{element, settle};
use mfe_kit::nested::{NestedProps, NEST_EVENT, UNNEST_EVENT};
use mfe_kit::{Fragment, Nested};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

/// What a stand-in shell heard: the targets of `mfe:nest` (on `document`) and the details of
/// `mfe:unnest` (on `window`). The tests run side by side: each looks for its own host.
struct ShellSpy {
    nested: Rc<RefCell<Vec<web_sys::Element>>>,
    unnested: Rc<RefCell<Vec<JsValue>>>,
    on_nest: Closure<dyn Fn(web_sys::Event)>,
    on_unnest: Closure<dyn Fn(web_sys::Event)>,
}

impl ShellSpy {
    fn new() -> Self {
        let window = web_sys::window().unwrap();
        let (nested, unnested) = (
            Rc::new(RefCell::new(Vec::new())),
            Rc::new(RefCell::new(Vec::new())),
        );
        let on_nest = {
            let nested = nested.clone();
            Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
                nested
                    .borrow_mut()
                    .push(event.target().unwrap().unchecked_into());
            })
        };
        let on_unnest = {
            let unnested = unnested.clone();
            Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
                unnested
                    .borrow_mut()
                    .push(event.unchecked_into::<web_sys::CustomEvent>().detail());
            })
        };
        window
            .document()
            .unwrap()
            .add_event_listener_with_callback(NEST_EVENT, on_nest.as_ref().unchecked_ref())
            .unwrap();
        window
            .add_event_listener_with_callback(UNNEST_EVENT, on_unnest.as_ref().unchecked_ref())
            .unwrap();
        Self {
            nested,
            unnested,
            on_nest,
            on_unnest,
        }
    }
}

impl ShellSpy {
    fn nests_of(&self, host: &web_sys::Element) -> usize {
        self.nested.borrow().iter().filter(|e| *e == host).count()
    }

    fn unnests_of(&self, host: &web_sys::Element) -> usize {
        let host = JsValue::from(host.clone());
        self.unnested
            .borrow()
            .iter()
            .filter(|d| **d == host)
            .count()
    }
}

impl Drop for ShellSpy {
    fn drop(&mut self) {
        let window = web_sys::window().unwrap();
        let _ = window
            .document()
            .unwrap()
            .remove_event_listener_with_callback(NEST_EVENT, self.on_nest.as_ref().unchecked_ref());
        let _ = window.remove_event_listener_with_callback(
            UNNEST_EVENT,
            self.on_unnest.as_ref().unchecked_ref(),
        );
    }
}

fn order_props() -> NestedProps {
    NestedProps {
        mfe: "cart".into(),
        fragment: Fragment::Order,
        label: "Your order".into(),
        data: Some(r#"{"orderId":"A-7"}"#.into()),
    }
}

#[wasm_bindgen_test]
async fn a_nested_host_names_what_fills_it_and_asks_the_shell_once_in_the_page() {
    let shell = ShellSpy::new();
    let page = element("");

    let app = yew::Renderer::<Nested>::with_root_and_props(page.clone(), order_props()).render();
    settle().await;

    let host = page.first_element_child().unwrap();
    assert_eq!(host.class_name(), "nested-slot");
    assert_eq!(host.get_attribute("data-mfe").as_deref(), Some("cart"));
    assert_eq!(
        host.get_attribute("data-fragment").as_deref(),
        Some("order")
    );
    assert_eq!(
        host.get_attribute("data-label").as_deref(),
        Some("Your order")
    );
    assert_eq!(
        host.get_attribute("data-props").as_deref(),
        Some(r#"{"orderId":"A-7"}"#)
    );
    assert_eq!(host.child_nodes().length(), 0, "the shell owns its content");
    assert_eq!(shell.nests_of(&host), 1);
    assert_eq!(shell.unnests_of(&host), 0);
    app.destroy();
    page.remove();
}

#[wasm_bindgen_test]
async fn a_host_without_data_has_no_data_props() {
    let _shell = ShellSpy::new();
    let page = element("");
    let props = NestedProps {
        data: None,
        ..order_props()
    };

    let app = yew::Renderer::<Nested>::with_root_and_props(page.clone(), props).render();
    settle().await;

    let host = page.first_element_child().unwrap();
    assert!(!host.has_attribute("data-props"));
    app.destroy();
    page.remove();
}

#[wasm_bindgen_test]
async fn a_destroyed_host_gives_itself_back_to_the_shell() {
    let shell = ShellSpy::new();
    let page = element("");
    let app = yew::Renderer::<Nested>::with_root_and_props(page.clone(), order_props()).render();
    settle().await;
    let host = page.first_element_child().unwrap();

    app.destroy();
    settle().await;

    assert_eq!(shell.unnests_of(&host), 1);
    page.remove();
}

#[wasm_bindgen_test]
async fn content_the_shell_put_in_the_host_survives_a_rerender_of_the_page() {
    #[function_component]
    fn Page() -> Html {
        let count = use_state(|| 0);
        let bump = {
            let count = count.clone();
            Callback::from(move |_| count.set(*count + 1))
        };
        html! {
            <>
                <button onclick={bump}>{ *count }</button>
                <Nested mfe="account" fragment={Fragment::AddressPicker} label="Saved addresses" />
            </>
        }
    }
    let _shell = ShellSpy::new();
    let page = element("");
    let app = yew::Renderer::<Page>::with_root(page.clone()).render();
    settle().await;
    let host = page.query_selector(".nested-slot").unwrap().unwrap();
    host.set_inner_html("<p>the picker</p>");

    page.query_selector("button")
        .unwrap()
        .unwrap()
        .unchecked_into::<web_sys::HtmlElement>()
        .click();
    settle().await;

    assert_eq!(
        page.query_selector("button")
            .unwrap()
            .unwrap()
            .text_content()
            .as_deref(),
        Some("1")
    );
    assert_eq!(host.inner_html(), "<p>the picker</p>");
    app.destroy();
    page.remove();
}

#[wasm_bindgen_test]
fn host_data_reads_the_parsed_data_props() {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct OrderData {
        order_id: String,
    }
    let props = js_sys::Object::new();
    let data = js_sys::JSON::parse(r#"{"orderId":"A-7"}"#).unwrap();
    js_sys::Reflect::set(&props, &"data".into(), &data).unwrap();

    assert_eq!(
        mfe_kit::host_data::<OrderData>(&props),
        Some(OrderData {
            order_id: "A-7".into()
        })
    );
    assert_eq!(
        mfe_kit::host_data::<OrderData>(&js_sys::Object::new()),
        None
    );
}

/// The Yew app id `element` carries (`__yew_subtree_id`), if any.
fn app_id(element: &web_sys::Element) -> Option<u32> {
    js_sys::Reflect::get(element, &"__yew_subtree_id".into())
        .unwrap()
        .as_f64()
        .map(|id| id as u32)
}

#[function_component]
fn Nothing() -> Html {
    html! {}
}

#[wasm_bindgen_test]
async fn a_fragment_mounted_inside_another_mfes_app_never_gets_that_apps_id() {
    // Another MFE's Yew (another wasm instance) counts its own ids: the app around the
    // host may carry the very id this instance would give next.
    let probe = element("");
    let handle = yew::Renderer::<Nothing>::with_root(probe.clone()).render();
    let next = app_id(&probe).unwrap() + 1;
    handle.destroy();
    probe.remove();
    let outer = element("");
    js_sys::Reflect::set(&outer, &"__yew_subtree_id".into(), &next.into()).unwrap();
    let host = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .create_element("div")
        .unwrap();
    outer.append_child(&host).unwrap();

    mfe_kit::mount::<Nothing>(host.clone(), &JsValue::UNDEFINED, |_| Some(())).unwrap();

    let inner = app_id(&host).unwrap();
    assert_ne!(inner, next);
    mfe_kit::unmount(&host);
    outer.remove();
}

#[wasm_bindgen_test]
async fn a_host_whose_props_change_is_given_back_and_filled_again() {
    #[function_component]
    fn OrderPage() -> Html {
        let id = use_state(|| "A-1");
        let next = {
            let id = id.clone();
            Callback::from(move |_| id.set("A-2"))
        };
        html! {
            <>
                <button onclick={next}>{ "Next order" }</button>
                <Nested mfe="cart" fragment={Fragment::Order} label="Your order"
                    data={format!(r#"{{"orderId":"{}"}}"#, *id)} />
            </>
        }
    }
    let shell = ShellSpy::new();
    let page = element("");
    let app = yew::Renderer::<OrderPage>::with_root(page.clone()).render();
    settle().await;
    let host = page.query_selector(".nested-slot").unwrap().unwrap();

    page.query_selector("button")
        .unwrap()
        .unwrap()
        .unchecked_into::<web_sys::HtmlElement>()
        .click();
    settle().await;

    assert_eq!(
        host.get_attribute("data-props").as_deref(),
        Some(r#"{"orderId":"A-2"}"#)
    );
    assert_eq!(shell.unnests_of(&host), 1);
    assert_eq!(shell.nests_of(&host), 2);
    app.destroy();
    page.remove();
}
