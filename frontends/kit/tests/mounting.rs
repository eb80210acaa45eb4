//! `mount` and `unmount` as the shell uses them, in a real browser (headless Chromium; see
//! `frontends/kit/webdriver.json`).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{element, settle, CrashSpy};
use mfe_kit::Fragment;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Properties, PartialEq)]
struct GreetingProps {
    text: AttrValue,
}

#[function_component]
fn Greeting(props: &GreetingProps) -> Html {
    html! { <p class="greeting">{ props.text.clone() }</p> }
}

/// `props` as the shell passes them.
fn props(fragment: Option<&str>, on_crash: Option<&CrashSpy>) -> JsValue {
    let props = js_sys::Object::new();
    if let Some(fragment) = fragment {
        js_sys::Reflect::set(&props, &"fragment".into(), &fragment.into()).unwrap();
    }
    if let Some(spy) = on_crash {
        js_sys::Reflect::set(&props, &"onCrash".into(), spy.function()).unwrap();
    }
    props.into()
}

/// Mounts a greeting saying `text`, for the page fragment only (as the catalog does).
fn mount_page(slot: &web_sys::Element, text: &'static str, props: &JsValue) -> Result<(), JsValue> {
    mfe_kit::mount::<Greeting>(slot.clone(), props, |fragment| {
        (fragment == Fragment::Page).then(|| GreetingProps { text: text.into() })
    })
}

#[wasm_bindgen_test]
async fn the_page_fragment_is_rendered_into_the_slot() {
    let slot = element("<p>Loading the shop…</p>");
    mount_page(&slot, "hello", &props(Some("page"), None)).unwrap();
    settle().await;
    assert_eq!(slot.inner_html(), r#"<p class="greeting">hello</p>"#);
    mfe_kit::unmount(&slot);
}

#[wasm_bindgen_test]
async fn the_fragment_the_shell_names_is_the_one_passed_to_the_mfe() {
    let slot = element("");
    let mut seen = None;
    mfe_kit::mount::<Greeting>(
        slot.clone(),
        &props(Some("address-picker"), None),
        |fragment| {
            seen = Some(fragment);
            Some(GreetingProps { text: "".into() })
        },
    )
    .unwrap();
    assert_eq!(seen, Some(Fragment::AddressPicker));
    mfe_kit::unmount(&slot);
}

#[wasm_bindgen_test]
async fn a_fragment_the_mfe_does_not_provide_makes_mount_throw() {
    let slot = element("<p>Loading the shop…</p>");
    let error = mount_page(&slot, "hello", &props(Some("badge"), None)).unwrap_err();
    let message = js_sys::Error::from(error).message();
    assert!(
        message.as_string().unwrap().contains("badge"),
        "{message:?}"
    );
    settle().await;
    assert_eq!(slot.inner_html(), "<p>Loading the shop…</p>");
}

#[wasm_bindgen_test]
async fn an_unknown_fragment_makes_mount_throw() {
    let slot = element("");
    assert!(mount_page(&slot, "hello", &props(Some("wishlist"), None)).is_err());
}

#[wasm_bindgen_test]
async fn no_fragment_means_the_page() {
    let slot = element("");
    mount_page(&slot, "hello", &props(None, None)).unwrap();
    settle().await;
    assert_eq!(slot.text_content().as_deref(), Some("hello"));
    mfe_kit::unmount(&slot);
}

#[wasm_bindgen_test]
async fn unmount_empties_the_slot() {
    let slot = element("");
    mount_page(&slot, "hello", &props(Some("page"), None)).unwrap();
    settle().await;
    mfe_kit::unmount(&slot);
    assert_eq!(slot.child_nodes().length(), 0);
    settle().await;
    assert_eq!(slot.child_nodes().length(), 0);
}

#[wasm_bindgen_test]
async fn a_second_mount_replaces_the_first() {
    let slot = element("");
    mount_page(&slot, "first", &props(Some("page"), None)).unwrap();
    settle().await;
    mount_page(&slot, "second", &props(Some("page"), None)).unwrap();
    settle().await;
    assert_eq!(slot.inner_html(), r#"<p class="greeting">second</p>"#);
    mfe_kit::unmount(&slot);
    assert_eq!(slot.child_nodes().length(), 0);
}

#[wasm_bindgen_test]
async fn unmount_forgets_that_mounts_on_crash() {
    let (kept, dropped) = (CrashSpy::new(), CrashSpy::new());
    let (staying, leaving) = (element(""), element(""));
    mount_page(&staying, "staying", &props(Some("page"), Some(&kept))).unwrap();
    mount_page(&leaving, "leaving", &props(Some("page"), Some(&dropped))).unwrap();
    mfe_kit::unmount(&leaving);

    mfe_kit::report_crash("boom");

    assert_eq!(kept.messages(), vec!["boom".to_owned()]);
    assert_eq!(dropped.messages(), Vec::<String>::new());
    mfe_kit::unmount(&staying);
}

#[wasm_bindgen_test]
async fn a_replaced_mounts_on_crash_is_forgotten() {
    let (first, second) = (CrashSpy::new(), CrashSpy::new());
    let slot = element("");
    mount_page(&slot, "first", &props(Some("page"), Some(&first))).unwrap();
    mount_page(&slot, "second", &props(Some("page"), Some(&second))).unwrap();

    mfe_kit::report_crash("boom");

    assert_eq!(first.messages(), Vec::<String>::new());
    assert_eq!(second.messages(), vec!["boom".to_owned()]);
    mfe_kit::unmount(&slot);
}

#[wasm_bindgen_test]
async fn a_slot_unmounted_while_its_data_loads_is_never_rendered() {
    let slot = element("<p>Loading the shop…</p>");
    // An early request that never answers: the first render waits for it (up to a second).
    let never = js_sys::Promise::new(&mut |_, _| {});
    let prefetch = js_sys::Object::new();
    js_sys::Reflect::set(&prefetch, &"/api/test/never".into(), &never).unwrap();
    let props = props(Some("page"), None);
    js_sys::Reflect::set(&props, &"prefetch".into(), &prefetch).unwrap();
    mount_page(&slot, "too late", &props).unwrap();

    mfe_kit::unmount(&slot);
    common::sleep(1300).await;

    assert_eq!(slot.inner_html(), "<p>Loading the shop…</p>");
}

#[wasm_bindgen_test]
async fn a_mount_without_early_requests_renders_at_once_beside_one_that_waits() {
    // The page brings an early request that has not answered; a header fragment mounted
    // meanwhile with an empty `prefetch` must neither wait for it nor read it.
    let page = element("<p>Loading the page…</p>");
    let never = js_sys::Promise::new(&mut |_, _| {});
    let prefetch = js_sys::Object::new();
    js_sys::Reflect::set(&prefetch, &"/api/test/slow-page".into(), &never).unwrap();
    let page_props = props(Some("page"), None);
    js_sys::Reflect::set(&page_props, &"prefetch".into(), &prefetch).unwrap();
    mount_page(&page, "the page", &page_props).unwrap();

    let badge = element("");
    let badge_props = props(Some("page"), None);
    js_sys::Reflect::set(&badge_props, &"prefetch".into(), &js_sys::Object::new()).unwrap();
    mount_page(&badge, "the badge", &badge_props).unwrap();
    settle().await;

    assert!(
        badge.inner_html().contains("the badge"),
        "{}",
        badge.inner_html()
    );
    assert_eq!(page.inner_html(), "<p>Loading the page…</p>");
    mfe_kit::unmount(&page);
    mfe_kit::unmount(&badge);
}

#[wasm_bindgen_test]
async fn the_slot_hears_when_the_first_screen_is_drawn() {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let slot = element("<p>Loading the shop…</p>");
    let seen = std::rc::Rc::new(std::cell::RefCell::new(None::<String>));
    let listener = {
        let (seen, slot) = (seen.clone(), slot.clone());
        Closure::<dyn Fn()>::new(move || *seen.borrow_mut() = Some(slot.inner_html()))
    };
    slot.add_event_listener_with_callback(
        mfe_kit::RENDERED_EVENT,
        listener.as_ref().unchecked_ref(),
    )
    .unwrap();
    mount_page(&slot, "drawn", &props(Some("page"), None)).unwrap();
    assert_eq!(*seen.borrow(), None, "not before the render");
    common::sleep(400).await;

    let html = seen.borrow().clone().expect("mfe:rendered was sent");
    assert!(
        html.contains("drawn"),
        "when the event came the slot held {html}"
    );
    mfe_kit::unmount(&slot);
}
