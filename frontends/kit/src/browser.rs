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

/// The page's address, path and query (`/products?q=tea`): the browser's, or on the server
/// the page being rendered (see `crate::ssr::render`).
pub fn page_address() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        window()
            .map(|window| {
                let location = window.location();
                let path = location.pathname().unwrap_or_default();
                let search = location.search().unwrap_or_default();
                format!("{path}{search}")
            })
            .unwrap_or_default()
    }
    #[cfg(all(not(target_arch = "wasm32"), feature = "ssr"))]
    {
        crate::ssr::page_address()
    }
    #[cfg(all(not(target_arch = "wasm32"), not(feature = "ssr")))]
    {
        String::new()
    }
}
