//! The shell ↔ micro-frontend contract, from the MFE's side.
//!
//! The shell (see `shell/loader.js`) imports an MFE's ES module, awaits its wasm `init`,
//! and calls `mount(element, props)` for each slot the MFE fills; `unmount(element)`
//! takes it out again. `props` is a plain JS object:
//!
//! | key        | type                               | meaning                                       |
//! |------------|------------------------------------|-----------------------------------------------|
//! | `fragment` | string                             | which part to render (`page`, `badge`, ...)   |
//! | `prefetch` | `{ [url]: Promise<Response> }`     | requests the shell started before the wasm arrived |
//! | `onCrash`  | `(message: string) => void`        | tells the shell this MFE panicked             |
//!
//! An MFE's crate exports two functions and nothing else:
//!
//! ```ignore
//! #[wasm_bindgen]
//! pub fn mount(element: web_sys::Element, props: JsValue) {
//!     mfe_kit::mount::<App>(element, &props, |options| AppProps { fragment: options.fragment.clone() });
//! }
//! #[wasm_bindgen]
//! pub fn unmount(element: web_sys::Element) {
//!     mfe_kit::unmount(&element);
//! }
//! ```

pub mod events;
pub mod http;

use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Element;
use yew::BaseComponent;

/// What the shell asked for when mounting.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MountOptions {
    /// Which fragment of the MFE goes into this slot; `None` for its main page.
    pub fragment: Option<String>,
}

struct Mounted {
    element: Element,
    destroy: Box<dyn FnOnce()>,
}

thread_local! {
    static MOUNTED: RefCell<Vec<Mounted>> = const { RefCell::new(Vec::new()) };
    static CRASH_LISTENERS: RefCell<Vec<js_sys::Function>> = const { RefCell::new(Vec::new()) };
}

/// How long the first render waits for data the shell requested early. The shell's own
/// "loading" placeholder shows meanwhile; usually the data is long there (it is small and
/// was requested before the wasm), and the BFFs answer within a second even when degraded.
const FIRST_DATA_PATIENCE_MS: i32 = 1000;

/// Renders component `C` into `element` (replacing an earlier mount there). When the shell
/// started requests for this page, the first render waits until they are answered (see
/// [`http::take_ready`]): one render with data rather than a loading state and then data.
pub fn mount<C: BaseComponent>(
    element: Element,
    props: &JsValue,
    make_props: impl FnOnce(&MountOptions) -> C::Properties,
) {
    install_crash_reporter();
    let options = MountOptions {
        fragment: read_prop(props, "fragment").and_then(|v| v.as_string()),
    };
    if let Some(on_crash) = read_prop(props, "onCrash").and_then(|v| v.dyn_into().ok()) {
        CRASH_LISTENERS.with(|listeners| listeners.borrow_mut().push(on_crash));
    }
    let prefetched = read_prop(props, "prefetch").map_or(0, |p| http::accept_prefetched(&p));
    unmount(&element);
    let app_props = make_props(&options);
    if prefetched == 0 {
        render::<C>(element, app_props);
        return;
    }
    wasm_bindgen_futures::spawn_local(async move {
        http::settle_prefetched(FIRST_DATA_PATIENCE_MS).await;
        render::<C>(element, app_props);
    });
}

fn render<C: BaseComponent>(element: Element, props: C::Properties) {
    // The slot may hold the shell's "loading" placeholder; the app owns it from now on.
    element.set_inner_html("");
    let handle = yew::Renderer::<C>::with_root_and_props(element.clone(), props).render();
    MOUNTED.with(|mounted| {
        mounted.borrow_mut().push(Mounted {
            element,
            destroy: Box::new(move || handle.destroy()),
        })
    });
}

/// Removes whatever [`mount`] rendered into `element`.
pub fn unmount(element: &Element) {
    let removed = MOUNTED.with(|mounted| {
        let mut mounted = mounted.borrow_mut();
        mounted
            .iter()
            .position(|m| &m.element == element)
            .map(|index| mounted.remove(index))
    });
    if let Some(mounted) = removed {
        (mounted.destroy)();
    }
}

/// Records a named point in the page's performance timeline (read by the benchmarks and
/// by real-user monitoring), e.g. `catalog:products-visible`.
pub fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
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
        CRASH_LISTENERS.with(|listeners| {
            for listener in listeners.borrow().iter() {
                let _ = listener.call1(&JsValue::NULL, &JsValue::from_str(&message));
            }
        });
    }));
}
