//! The shell ↔ micro-frontend contract, from the MFE's side.
//!
//! The shell (see `shell/loader.js`) imports an MFE's ES module, awaits its wasm `init`,
//! and calls `mount(element, props)` for each slot the MFE fills. Before it replaces a
//! slot's content — with its fallback after a crash or a failure, or with a new mount —
//! it calls `unmount(element)`, which removes the app and that mount's `onCrash`.
//! `props` is a plain JS object:
//!
//! | key        | type                           | meaning |
//! |------------|--------------------------------|---------|
//! | `fragment` | string                         | which part to render: `page` in the main slot, else the slot's `data-fragment` (`badge`, `menu`, `orders`, `address-picker`), read into a [`Fragment`]. Absent means `page`. A fragment the MFE does not provide (or an unknown name) makes `mount` throw, and the shell shows the slot's fallback. |
//! | `prefetch` | `{ [url]: Promise<Response> }` | requests the shell started before the wasm arrived (main slot only, else `{}`); [`http::get_json`] and [`http::take_ready`] use them |
//! | `onCrash`  | `(message: string) => void`    | called with the panic message when this MFE panics, once per live mount; `unmount` forgets it |
//! | `data`     | object                         | nested fragments only: the host's `data-props`, parsed (`{}` when it has none); read it with [`host_data`] |
//!
//! A page shows another slice's fragment with [`Nested`]: the shell fills that host element
//! like a slot, and mounts the other MFE there with `data` (see [`nested`]).
//!
//! An MFE's crate exports two functions and nothing else:
//!
//! ```ignore
//! #[wasm_bindgen]
//! pub fn mount(element: web_sys::Element, props: JsValue) -> Result<(), JsValue> {
//!     mfe_kit::mount::<App>(element, &props, |fragment| match fragment {
//!         Fragment::Page | Fragment::Badge => Some(AppProps { fragment }),
//!         _ => None,
//!     })
//! }
//! #[wasm_bindgen]
//! pub fn unmount(element: web_sys::Element) {
//!     mfe_kit::unmount(&element);
//! }
//! ```

pub mod browser;
pub mod events;
mod fragment;
mod from_js;
pub mod http;
pub mod links;
pub mod nested;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use fragment::Fragment;
pub use nested::Nested;

use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Element;
use yew::BaseComponent;

/// The shop's name, last in every page title.
pub const SHOP_NAME: &str = "Copperleaf Market";

/// One `mount` that has not been unmounted.
struct Mounted {
    element: Element,
    /// The shell's `onCrash` for this mount.
    on_crash: Option<js_sys::Function>,
    /// Shared with a first render that waits for data, so that it knows whether it is
    /// still wanted.
    app: Rc<RefCell<App>>,
}

/// The app a mount rendered, if it has.
enum App {
    /// The first render waits for the shell's early requests.
    Waiting,
    /// Rendered; calling this takes it out again.
    Rendered(Box<dyn FnOnce()>),
    /// Unmounted before its first render, which then does not happen.
    Unmounted,
}

thread_local! {
    /// Whether the render in progress takes over server-rendered markup.
    static HYDRATING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static MOUNTED: RefCell<Vec<Mounted>> = const { RefCell::new(Vec::new()) };
}

/// How long the first render waits for data the shell requested early. The shell's own
/// "loading" placeholder shows meanwhile; usually the data is long there (it is small and
/// was requested before the wasm), and the BFFs answer within a second even when degraded.
const FIRST_DATA_PATIENCE_MS: i32 = 1000;

/// Renders component `C` into `element` (replacing an earlier mount there), with the
/// properties `make_props` gives for the fragment the shell asked for. `make_props`
/// answers `None` for a fragment this MFE does not provide: `mount` then fails, and the
/// exported `mount` throws so the shell shows the slot's fallback.
///
/// When the shell started requests for this page, the first render waits until they are
/// answered (see [`http::take_ready`]): one render with data rather than a loading state
/// and then data.
pub fn mount<C: BaseComponent>(
    element: Element,
    props: &JsValue,
    make_props: impl FnOnce(Fragment) -> Option<C::Properties>,
) -> Result<(), JsValue> {
    // A shell from before fragments were always passed named none for the main slot.
    let fragment = match read_prop(props, "fragment").and_then(|v| v.as_string()) {
        None => Fragment::Page,
        Some(name) => Fragment::parse(&name)
            .ok_or_else(|| js_sys::Error::new(&format!("there is no fragment \"{name}\"")))?,
    };
    let app_props = make_props(fragment).ok_or_else(|| {
        js_sys::Error::new(&format!("this micro-frontend has no {fragment} fragment"))
    })?;
    install_crash_reporter();
    unmount(&element);
    let app = Rc::new(RefCell::new(App::Waiting));
    MOUNTED.with(|mounted| {
        mounted.borrow_mut().push(Mounted {
            element: element.clone(),
            on_crash: read_prop(props, "onCrash").and_then(|v| v.dyn_into().ok()),
            app: app.clone(),
        })
    });
    #[cfg(target_arch = "wasm32")]
    if let Some(answers) = server_rendered(&element) {
        // Rendered by the BFF: its answers are here, and its markup is what the first
        // render draws, so it is taken over rather than drawn again.
        http::accept_embedded(&answers);
        // Until the browser is first idle (see `announce_rendered`): Yew renders in slices.
        HYDRATING.with(|hydrating| hydrating.set(true));
        let handle = yew::Renderer::<C>::with_root_and_props(element.clone(), app_props).hydrate();
        *app.borrow_mut() = App::Rendered(Box::new(move || handle.destroy()));
        announce_rendered(element);
        return Ok(());
    }
    let prefetched = read_prop(props, "prefetch").map_or(0, |p| http::accept_prefetched(&p));
    if prefetched == 0 {
        render::<C>(&app, element, app_props);
    } else {
        wasm_bindgen_futures::spawn_local(async move {
            http::settle_prefetched(FIRST_DATA_PATIENCE_MS).await;
            render::<C>(&app, element, app_props);
        });
    }
    Ok(())
}

/// Whether the render in progress draws markup to be hydrated: on the server, and in the
/// browser while hydrating it. Such a render must draw what the server drew, so it cannot
/// depend on the browser (the window's width, what an earlier page of this tab did): a
/// component starts from what the server can know, and an effect adjusts it afterwards.
pub fn hydratable_render() -> bool {
    cfg!(not(target_arch = "wasm32")) || HYDRATING.with(std::cell::Cell::get)
}

/// The answers of a slot the BFF rendered (see [`ssr`](crate) — the `<script data-ssr>` it
/// ends with), taken out of the slot so that what is left is the app's markup. `None` for a
/// slot with no server-rendered markup.
#[cfg(target_arch = "wasm32")]
fn server_rendered(element: &Element) -> Option<String> {
    let script = element.last_element_child()?;
    if script.tag_name() != "SCRIPT" || !script.has_attribute("data-ssr") {
        return None;
    }
    let answers = script.text_content().unwrap_or_default();
    script.remove();
    Some(answers)
}

/// The first render of a mount, unless it was unmounted (or replaced) meanwhile.
fn render<C: BaseComponent>(app: &RefCell<App>, element: Element, props: C::Properties) {
    if matches!(*app.borrow(), App::Unmounted) {
        return;
    }
    // The slot may hold the shell's "loading" placeholder; the app owns it from now on.
    element.set_inner_html("");
    avoid_outer_app_ids(&element);
    let handle = yew::Renderer::<C>::with_root_and_props(element.clone(), props).render();
    *app.borrow_mut() = App::Rendered(Box::new(move || handle.destroy()));
    announce_rendered(element);
}

/// Yew marks each element it listens through with the id of its app (`__yew_subtree_id`)
/// and lets the app whose id the event's target carries handle it. Every MFE is its own
/// wasm instance with its own Yew, counting ids from 1, so a fragment nested in another
/// MFE's page could be given the id of the app around it: that app would then take the
/// fragment's events for its own and call whichever of its handlers has the same number.
/// So before an app is rendered inside another, spare apps use up ids until the next one
/// is none of those around it. Top-level slots have no app around them: nothing to do.
fn avoid_outer_app_ids(element: &Element) {
    let mut outer = Vec::new();
    let mut ancestor = element.parent_element();
    while let Some(current) = ancestor {
        if let Some(id) = app_id(&current) {
            outer.push(id);
        }
        ancestor = current.parent_element();
    }
    if outer.is_empty() {
        return;
    }
    let Some(document) = element.owner_document() else {
        return;
    };
    // Each spare takes the next id; the app rendered right after takes the one after it.
    for _ in 0..=outer.len() {
        let Ok(spare) = document.create_element("div") else {
            return;
        };
        let handle = yew::Renderer::<Spare>::with_root(spare.clone()).render();
        let taken = app_id(&spare);
        handle.destroy();
        match taken {
            Some(taken) if outer.contains(&(taken + 1)) => continue,
            _ => return,
        }
    }
}

/// The Yew app id an element carries, if any (see [`avoid_outer_app_ids`]).
fn app_id(element: &Element) -> Option<u32> {
    js_sys::Reflect::get(element, &JsValue::from_str("__yew_subtree_id"))
        .ok()
        .and_then(|id| id.as_f64())
        .map(|id| id as u32)
}

/// An app that only takes an id (a struct component: less wasm than a function one).
struct Spare;

impl yew::Component for Spare {
    type Message = ();
    type Properties = ();

    fn create(_: &yew::Context<Self>) -> Self {
        Spare
    }

    fn view(&self, _: &yew::Context<Self>) -> yew::Html {
        yew::Html::default()
    }
}

/// The event on a slot's element that says its MFE has drawn its first screen (the shell
/// loads the header fragments only then, so they do not delay the page).
pub const RENDERED_EVENT: &str = "mfe:rendered";

/// Sends [`RENDERED_EVENT`] on `element` once the first render Yew scheduled is done. Yew
/// renders in slices, yielding to the browser every 16 ms with zero-delay timers, so a timer
/// of ours could fire between two slices; the browser's first idle moment comes after the
/// last one (or after [`RENDERED_AT_MOST_MS`], where there is no idle callback: a timer).
fn announce_rendered(element: Element) {
    let Some(window) = browser::window() else {
        return;
    };
    let send = wasm_bindgen::closure::Closure::once_into_js(move || {
        HYDRATING.with(|hydrating| hydrating.set(false));
        if let Ok(event) = web_sys::CustomEvent::new(RENDERED_EVENT) {
            let _ = element.dispatch_event(&event);
        }
    });
    let options = web_sys::IdleRequestOptions::new();
    options.set_timeout(RENDERED_AT_MOST_MS);
    if window
        .request_idle_callback_with_options(send.unchecked_ref(), &options)
        .is_err()
    {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            send.unchecked_ref(),
            RENDERED_AT_MOST_MS as i32,
        );
    }
}

/// The longest [`RENDERED_EVENT`] waits for the browser to be idle.
const RENDERED_AT_MOST_MS: u32 = 300;

/// Removes whatever [`mount`] rendered into `element`, leaves the element empty, and
/// forgets that mount's `onCrash`. Nothing happens for an element with no mount.
pub fn unmount(element: &Element) {
    let removed = MOUNTED.with(|mounted| {
        let mut mounted = mounted.borrow_mut();
        let index = mounted.iter().position(|m| &m.element == element)?;
        Some(mounted.swap_remove(index))
    });
    let Some(removed) = removed else {
        return;
    };
    if let App::Rendered(destroy) = removed.app.replace(App::Unmounted) {
        destroy();
        // Yew takes its nodes out on its next tick; the shell fills the element now.
        element.set_inner_html("");
    }
}

/// Tells the shell that this MFE cannot go on: every live mount's `onCrash` is called
/// with `message`. The panic hook calls it; a panic leaves the wasm instance unusable.
pub fn report_crash(message: &str) {
    // Copied out first (into a JS array: less wasm than a Vec): the shell's answer is to
    // unmount, which changes the list. A panic in the middle of changing it finds it
    // borrowed; there is no one to tell then.
    let listeners = js_sys::Array::new();
    MOUNTED.with(|mounted| {
        if let Ok(mounted) = mounted.try_borrow() {
            for on_crash in mounted.iter().filter_map(|m| m.on_crash.as_ref()) {
                listeners.push(on_crash);
            }
        }
    });
    let message = JsValue::from_str(message);
    for listener in listeners.iter() {
        let _ = listener
            .unchecked_ref::<js_sys::Function>()
            .call1(&JsValue::NULL, &message);
    }
}

/// Records a named point in the page's performance timeline (read by the benchmarks and
/// by real-user monitoring), e.g. `catalog:products-visible`.
pub fn mark(name: &str) {
    if let Some(performance) = browser::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
}

/// A document title: `"<page> · Copperleaf Market"`, or the shop's name alone.
pub fn page_title(page: Option<&str>) -> String {
    match page {
        Some(page) => format!("{page} · {SHOP_NAME}"),
        None => SHOP_NAME.to_owned(),
    }
}

/// Sets `document.title` (see [`page_title`]). Only the MFE of the main slot does this.
pub fn set_title(page: Option<&str>) {
    if let Some(document) = browser::window().and_then(|w| w.document()) {
        document.set_title(&page_title(page));
    }
}

/// What the host of a nested fragment sent along (`props.data`, its `data-props` parsed),
/// read as `T` in the nested MFE's `mount`. `None` when there is none or it has another
/// shape; the fragment then draws its "cannot show this" state, or `mount` fails.
pub fn host_data<T: http::FromJson>(props: &JsValue) -> Option<T> {
    read_prop(props, "data").and_then(T::from_json)
}

fn read_prop(props: &JsValue, key: &str) -> Option<JsValue> {
    if !props.is_object() {
        return None;
    }
    js_sys::Reflect::get(props, &JsValue::from_str(key))
        .ok()
        .filter(|value| !value.is_undefined() && !value.is_null())
}

/// A panic leaves this wasm instance unusable (it aborts), so the shell is told and
/// replaces this MFE's slots with their fallback; the rest of the page keeps working.
fn install_crash_reporter() {
    yew::set_custom_panic_hook(Box::new(|info| {
        let message = info.to_string();
        web_sys::console::error_1(&JsValue::from_str(&message));
        report_crash(&message);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_end_with_the_shop_name() {
        assert_eq!(page_title(None), "Copperleaf Market");
        assert_eq!(
            page_title(Some("Coffee & Tea")),
            "Coffee & Tea · Copperleaf Market"
        );
    }
}
