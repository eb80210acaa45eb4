//! Client-side navigation inside one MFE: which clicks on links it may take over.

use wasm_bindgen::JsCast;

/// The `href` of the link a plain click landed on — a click the MFE may turn into a
/// client-side navigation (then it calls `event.prevent_default()`). `None` for a click the
/// browser must keep: another button, a modifier key (new tab, new window, download), a
/// link with `target` or `download`, a click someone already handled, or not on a link.
pub fn plain_link_click(event: &web_sys::MouseEvent) -> Option<String> {
    if event.default_prevented()
        || event.button() != 0
        || event.ctrl_key()
        || event.meta_key()
        || event.shift_key()
        || event.alt_key()
    {
        return None;
    }
    let anchor = event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        .and_then(|element| element.closest("a[href]").ok().flatten())?;
    if anchor.has_attribute("target") || anchor.has_attribute("download") {
        return None;
    }
    anchor.get_attribute("href")
}
