//! The browser, where there is one. The same components render on the server (a BFF's
//! `ssr` build), where there is no window: code that may run while rendering asks here.

/// The page's window; `None` when rendering on a server.
pub fn window() -> Option<web_sys::Window> {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        None
    }
}
