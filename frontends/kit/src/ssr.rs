//! A micro-frontend's first view, rendered by its BFF (the `ssr` feature).
//!
//! The BFF answers the requests the page's first render asks for ([`crate::http::take_ready`]
//! reads them) and renders the MFE's own components with them: one component tree for the
//! server and the browser. The result is the slot's content:
//!
//! ```html
//! <!--<[catalog_mfe::app::App]>--> … the page … <!--</[catalog_mfe::app::App]>-->
//! <script type="application/json" data-ssr data-build="…">{"<url>":{"status":200,"body":…}}</script>
//! ```
//!
//! In the browser, [`crate::mount`] finds that script, takes its answers as if the shell had
//! fetched them, and hydrates the markup instead of drawing it again — no second request.
//! `data-build` names the MFE build that rendered it: the shell hydrates only with the same
//! build (see `shell/loader.js`), and draws the page anew with any other.

use std::cell::RefCell;
use std::collections::HashMap;
use yew::{BaseComponent, LocalServerRenderer};

/// An answer a BFF gives its own MFE's request, as it would over HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// The JSON body.
    pub body: String,
}

impl Answer {
    /// A successful answer with `value` as its body.
    pub fn ok<T: serde::Serialize>(value: &T) -> Answer {
        Answer {
            status: 200,
            body: serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned()),
        }
    }
}

thread_local! {
    /// The answers of the render in progress on this thread (see [`render`]).
    static ANSWERS: RefCell<HashMap<String, Answer>> = RefCell::new(HashMap::new());
    /// The address of the page it is rendered for.
    static PAGE: RefCell<String> = const { RefCell::new(String::new()) };
}

/// The address of the page being rendered (see [`crate::browser::page_address`]).
pub(crate) fn page_address() -> String {
    PAGE.with(|page| page.borrow().clone())
}

/// The answer to `url` of the render in progress, if the BFF gave one.
pub(crate) fn take_answer(url: &str) -> Option<Answer> {
    ANSWERS.with(|answers| answers.borrow_mut().remove(url))
}

/// Renders component `C` with `props`, its requests answered by `answers` (URL → answer),
/// into the markup of its slot (see the module docs), for the page at `page` (path and
/// query: what `browser::page_address` says meanwhile). `build` names the MFE build (each
/// MFE crate's `BUILD`, from `mfe-build-id`).
///
/// The render runs to its end on this thread before anything else may (it never waits on
/// anything: the answers are here), so the answers of two renders cannot mix. `None` when
/// a component panicked (code that only a browser can run, say): the slot is then left to
/// the browser, and the server goes on.
pub fn render<C>(
    props: C::Properties,
    page: &str,
    build: &str,
    answers: Vec<(String, Answer)>,
) -> Option<String>
where
    C: BaseComponent,
{
    let embedded = embed(&answers);
    ANSWERS.with(|current| *current.borrow_mut() = answers.into_iter().collect());
    PAGE.with(|current| page.clone_into(&mut current.borrow_mut()));
    let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        futures_executor::block_on(
            LocalServerRenderer::<C>::with_props(props)
                .hydratable(true)
                .render(),
        )
    }));
    ANSWERS.with(|current| current.borrow_mut().clear());
    PAGE.with(|current| current.borrow_mut().clear());
    let mut html = rendered.ok()?;
    html.push_str(&format!(
        "<script type=\"application/json\" data-ssr data-build=\"{}\">{embedded}</script>",
        escape_attribute(build)
    ));
    Some(html)
}

/// The answers as one JSON object, safe inside a `<script>` element: no `<` at all (it
/// could close the element or open a comment), each written as `\u003c` — which can only
/// be inside a JSON string.
fn embed(answers: &[(String, Answer)]) -> String {
    let mut json = String::from("{");
    for (i, (url, answer)) in answers.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        let url = serde_json::to_string(url).unwrap_or_else(|_| "\"\"".to_owned());
        json.push_str(&format!(
            "{url}:{{\"status\":{},\"body\":{}}}",
            answer.status, answer.body
        ));
    }
    json.push('}');
    json.replace('<', "\\u003c")
}

fn escape_attribute(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_answers_cannot_end_their_script() {
        let answers = vec![(
            "/api/x?q=</script>".to_owned(),
            Answer::ok(&"<!-- </script><b>"),
        )];
        let json = embed(&answers);
        assert!(!json.contains('<'), "{json}");
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            parsed["/api/x?q=</script>"]["body"],
            serde_json::json!("<!-- </script><b>")
        );
        assert_eq!(parsed["/api/x?q=</script>"]["status"], 200);
    }
}
