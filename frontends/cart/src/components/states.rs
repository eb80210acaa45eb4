//! The loading, empty and error states, drawn on purpose: each says what happened and
//! offers the next step.

use crate::components::heading;
use mfe_kit::http::{ApiError, Failure};
use yew::prelude::*;

/// A page's data, while it is asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum Fetch<T> {
    Loading,
    Loaded(std::rc::Rc<T>),
    Failed(ApiError),
}

impl<T> From<Result<T, ApiError>> for Fetch<T> {
    fn from(answer: Result<T, ApiError>) -> Self {
        match answer {
            Ok(value) => Fetch::Loaded(std::rc::Rc::new(value)),
            Err(error) => Fetch::Failed(error),
        }
    }
}

/// The cart's icon, for the state panels.
pub fn cart_icon() -> Html {
    cart_icon_sized(28)
}

/// The cart icon, `size` pixels square (the badge's is smaller).
pub fn cart_icon_sized(size: u32) -> Html {
    // Static markup is cheaper in wasm as HTML text than as `html!` (see `skeleton_lines`).
    Html::from_html_unchecked(
        format!(
            r#"<svg viewBox="0 0 24 24" width="{size}" height="{size}" aria-hidden="true" focusable="false"><path fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" d="M3 4h2l2.4 11h10.2L20 8H6.2M9 20h.01M17 20h.01"/></svg>"#
        )
        .into(),
    )
}

/// A state panel: what happened (`title`, `text`) and the way forward (`action`). `kind` is
/// its class (`empty-state`, `error-state`, `not-found`); `heading` is `h1` when the panel
/// is the whole page.
pub struct Panel<'a> {
    pub kind: &'static str,
    pub icon: Html,
    pub heading: &'static str,
    pub title: &'a str,
    pub text: &'a str,
    pub action: Html,
}

pub fn panel(panel: Panel) -> Html {
    let alert = panel.kind == "error-state";
    html! {
        <div class="page-state">
            <div class={classes!(panel.kind, "state-panel")} role={alert.then_some("alert")}>
                <span class="state-icon" aria-hidden="true">{ panel.icon }</span>
                { heading(panel.heading, "", panel.title.to_owned().into()) }
                <p>{ panel.text }</p>
                { panel.action }
            </div>
        </div>
    }
}

/// The way forward as a primary button-looking link.
pub fn go(href: &'static str, label: &'static str) -> Html {
    html! { <a class="button primary" href={href}>{ label }</a> }
}

/// Nothing in the cart: say so, and lead back to the shop.
pub fn empty_cart() -> Html {
    panel(Panel {
        kind: "empty-state",
        icon: cart_icon(),
        heading: "h2",
        title: "Your cart is empty",
        text: "Whatever you add from the shop waits here until you check out.",
        action: go("/", "Start shopping"),
    })
}

/// A failed call: "try again" when the cart is down, the server's explanation when the
/// request itself was refused. `what` names what could not be shown ("your cart").
pub fn error_panel(error: &ApiError, what: &str, on_retry: &Callback<()>) -> Html {
    let (title, action) = match Failure::of(error) {
        Failure::Rejected(_) => (format!("We can't show {what}"), go("/", "Back to the shop")),
        Failure::Unavailable | Failure::Missing => {
            let on_retry = on_retry.clone();
            (
                format!("We couldn't load {what}"),
                html! {
                    <button type="button" class="button primary" onclick={move |_| on_retry.emit(())}>
                        { "Try again" }
                    </button>
                },
            )
        }
    };
    panel(Panel {
        kind: "error-state",
        icon: html! { "!" },
        heading: "h2",
        title: &title,
        text: &error.message(),
        action,
    })
}

/// Grey lines in the shape of what is loading; `label` is read out meanwhile.
pub fn skeleton_lines(label: &'static str, lines: usize) -> Html {
    // Markup without anything to update is cheaper in wasm as HTML text than as `html!`
    // (which compiles to code building each element); `label` is plain text.
    const ROW: &str = r#"<div class="skeleton-row"><span class="skeleton-thumb"></span><span class="skeleton-text"><span class="skeleton-line wide"></span><span class="skeleton-line short"></span></span></div>"#;
    Html::from_html_unchecked(
        format!(
            r#"<div class="skeleton-block"><p class="visually-hidden" role="status">{label}</p><div aria-hidden="true">{}</div></div>"#,
            ROW.repeat(lines)
        )
        .into(),
    )
}

/// The summary box's shape while it loads.
pub fn skeleton_summary() -> Html {
    Html::from_html_unchecked(AttrValue::Static(
        r#"<div class="summary-box skeleton-summary" aria-hidden="true"><span class="skeleton-line short"></span><span class="skeleton-line wide"></span><span class="skeleton-line wide"></span><span class="skeleton-line"></span><span class="skeleton-button"></span></div>"#,
    ))
}
