//! The loading, empty and error states, drawn on purpose: each says what happened and
//! offers the next step.

use mfe_kit::http::ApiError;
use std::rc::Rc;
use yew::prelude::*;

/// A page's data, while it is asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum Fetch<T> {
    Loading,
    Loaded(Rc<T>),
    Failed(ApiError),
}

impl<T> From<Result<T, ApiError>> for Fetch<T> {
    fn from(answer: Result<T, ApiError>) -> Self {
        match answer {
            Ok(value) => Fetch::Loaded(Rc::new(value)),
            Err(error) => Fetch::Failed(error),
        }
    }
}

/// Whether the BFF says the request needs a signed-in shopper and there is none.
pub fn is_signed_out(error: &ApiError) -> bool {
    error.status() == Some(401)
}

/// The account's icon: a person (22 px; CSS makes it larger in a state panel).
pub fn account_icon() -> Html {
    html! {
        <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
            <path fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" d="M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm-7 8c1-3.5 3.7-5 7-5s6 1.5 7 5" />
        </svg>
    }
}

/// The kinds of state panel, as their classes (`.state-panel` is the shell's).
pub const EMPTY: &str = "empty-state state-panel";
pub const ERROR: &str = "error-state state-panel";
pub const NOT_FOUND: &str = "not-found state-panel";

/// A state panel: what happened (`title`, `text`) and the way forward (`action`). `kind`
/// is one of [`EMPTY`], [`ERROR`] (announced as an alert), [`NOT_FOUND`]; its heading is
/// the page's `h1` when the panel is the whole page.
pub struct Panel<'a> {
    pub kind: &'static str,
    pub icon: Html,
    pub whole_page: bool,
    pub title: &'a str,
    pub text: &'a str,
    pub action: Html,
}

pub fn panel(panel: Panel) -> Html {
    html! {
        <div class="account-state">
            <div class={panel.kind} role={(panel.kind == ERROR).then_some("alert")}>
                <span class="state-icon" aria-hidden="true">{ panel.icon }</span>
                if panel.whole_page {
                    <h1>{ panel.title }</h1>
                } else {
                    <h2>{ panel.title }</h2>
                }
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

/// A failed read: what could not be shown (`what`: "your account"), the server's words or
/// the kit's, and "Try again". (The account's reads are refused only for a signed-out
/// visitor, who is sent to sign in instead; anything else is worth another try.)
pub fn error_panel(error: &ApiError, what: &str, on_retry: &Callback<()>) -> Html {
    let on_retry = on_retry.clone();
    panel(Panel {
        kind: ERROR,
        icon: html! { "!" },
        whole_page: false,
        title: &format!("We couldn't load {what}"),
        text: &error.message(),
        action: html! {
            <button type="button" class="button primary" onclick={move |_| on_retry.emit(())}>
                { "Try again" }
            </button>
        },
    })
}

/// Grey lines in the shape of what is loading; `label` is read out meanwhile.
pub fn skeleton(label: &'static str, lines: usize) -> Html {
    html! {
        <div class="account-loading">
            <p class="visually-hidden" role="status">{ label }</p>
            { for (0..lines).map(|_| html! { <span class="loading-line" aria-hidden="true"></span> }) }
        </div>
    }
}

/// While a signed-out visitor is sent to the sign-in page (or a signed-in one away from it).
pub fn leaving(text: &'static str) -> Html {
    html! { <p class="leaving" role="status">{ text }</p> }
}
