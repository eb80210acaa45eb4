//! The header's account menu: "Sign in" for a guest; for a signed-in shopper their first
//! name, a button that opens a small menu (their account, orders, addresses, signing out).
//! A disclosure, not an ARIA menu: a button with `aria-expanded` and a list of ordinary
//! links, which every screen reader and keyboard already knows; Escape closes it and gives
//! the focus back to the button, and so does a click or the focus going elsewhere.
//!
//! It reads `me` when mounted and whenever another part of the page says the shopper
//! signed in or out. When the account cannot be asked it shows a plain "Account" link,
//! never a "Sign in" that may be wrong.

use crate::api;
use crate::app::{follow_link, is_account_page, redirect, Route};
use crate::components::states::{account_icon, is_signed_out};
use crate::session;
use account_api::{
    sign_in_page_returning_to, ACCOUNT_PAGE, ADDRESSES_PAGE, ORDERS_PAGE, SIGN_IN_PAGE,
    SIGN_UP_PAGE,
};
use gloo_events::EventListener;
use mfe_kit::events::{self, SignedIn, SignedOut};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, Node};
use yew::prelude::*;

/// The owner name of this MFE's events (`account:ready`).
const ACCOUNT: &str = "account";
const PANEL_ID: &str = "account-menu-panel";

/// Who the header says is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// Not known yet, or the account could not be asked: a neutral link.
    Unknown,
    Guest,
    /// Their first name.
    SignedIn(String),
}

/// The header's answer to `me`.
fn identity_of(answer: Result<account_api::Me, mfe_kit::http::ApiError>) -> Identity {
    match answer {
        Ok(me) => me
            .user
            .map_or(Identity::Guest, |user| Identity::SignedIn(user.first_name)),
        Err(error) if is_signed_out(&error) => Identity::Guest,
        Err(_) => Identity::Unknown,
    }
}

/// Where "Sign in" leads from `here` (path and query): back here afterwards. On the sign-in
/// and sign-up pages, to signing in with the `next` they already carry.
pub fn sign_in_target(here: &str) -> String {
    let path = here.split('?').next().unwrap_or_default();
    match path.trim_end_matches('/') {
        SIGN_IN_PAGE => here.to_owned(),
        SIGN_UP_PAGE => format!(
            "{SIGN_IN_PAGE}{}",
            here.get(SIGN_UP_PAGE.len()..).unwrap_or_default()
        ),
        _ => sign_in_page_returning_to(here),
    }
}

/// The class of the guest's "Sign in" link (which the menu's click handler aims).
const SIGN_IN_CLASS: &str = "menu-link sign-in";

/// Points the "Sign in" link at the page shown now: other MFEs change the URL without
/// reloading, so the `href` drawn at mount time may be old by the time it is used.
fn aim_sign_in(link: &Element) {
    let _ = link.set_attribute("href", &sign_in_target(&session::here()));
}

/// What the menu shows.
#[derive(Debug)]
struct MenuState {
    identity: Identity,
    open: bool,
    /// Why signing out failed.
    problem: Option<String>,
}

/// Who the menu starts with when account-bff rendered it (the key of that answer in the
/// markup; see `crate::ssr`): from the identity cookie, before `me` is read.
pub const MENU_IDENTITY: &str = "/api/account/fragments/menu";

/// The answer [`MENU_IDENTITY`] names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MenuIdentity {
    /// The signed-in shopper's first name; `None`: a guest.
    pub first_name: Option<String>,
}

#[function_component]
pub fn Menu() -> Html {
    // Changed in place and drawn with `redraw`: one piece of state, not three hooks. A menu
    // rendered on the server starts as it was drawn there; `me` is read all the same (it
    // may renew the identity cookie, which an included fragment's answer cannot).
    let state = use_mut_ref(|| MenuState {
        identity: match mfe_kit::http::take_ready::<MenuIdentity>(MENU_IDENTITY) {
            Some(Ok(MenuIdentity {
                first_name: Some(name),
            })) => Identity::SignedIn(name),
            Some(Ok(MenuIdentity { first_name: None })) => Identity::Guest,
            _ => Identity::Unknown,
        },
        open: false,
        problem: None,
    });
    let redraw = use_force_update();
    let root = use_node_ref();
    let button = use_node_ref();
    let open = state.borrow().open;

    // Changes the state, then draws it.
    let change = {
        let (state, redraw) = (state.clone(), redraw.clone());
        move |change: &dyn Fn(&mut MenuState)| {
            change(&mut state.borrow_mut());
            redraw.force_update();
        }
    };

    {
        let (change, state, root) = (change.clone(), state.clone(), root.clone());
        use_effect_with((), move |_| {
            // While open, a click anywhere else closes it.
            let outside = web_sys::window()
                .and_then(|w| w.document())
                .map(|document| {
                    let change = change.clone();
                    EventListener::new(&document, "click", move |event| {
                        let inside = root.cast::<Node>().is_some_and(|root| {
                            event
                                .target()
                                .and_then(|target| target.dyn_into::<Node>().ok())
                                .is_some_and(|target| root.contains(Some(&target)))
                        });
                        if !inside && state.borrow().open {
                            change(&|state| state.open = false);
                        }
                    })
                });
            let read = move |first: bool| {
                let change = change.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let answer = api::me().await;
                    if let (true, Ok(me)) = (first, &answer) {
                        session::note_renewal(me);
                    }
                    let identity = identity_of(answer);
                    change(&|state| state.identity = identity.clone());
                });
            };
            let signed_in = {
                let read = read.clone();
                events::on::<SignedIn>(move || read(false))
            };
            let signed_out = {
                let read = read.clone();
                events::on::<SignedOut>(move || read(false))
            };
            events::announce_ready(ACCOUNT);
            read(true);
            move || {
                events::withdraw_ready(ACCOUNT);
                drop((signed_in, signed_out, outside));
            }
        });
    }

    let close_and_focus_button = {
        let (change, button) = (change.clone(), button.clone());
        move || {
            change(&|state| state.open = false);
            if let Some(button) = button.cast::<HtmlElement>() {
                let _ = button.focus();
            }
        }
    };
    let onkeydown = {
        let close = close_and_focus_button.clone();
        Callback::from(move |event: KeyboardEvent| {
            if open && event.key() == "Escape" {
                event.prevent_default();
                close();
            }
        })
    };
    // The focus left the menu (Tab past its last item, or elsewhere): it closes.
    let onfocusout = {
        let (change, root) = (change.clone(), root.clone());
        Callback::from(move |event: FocusEvent| {
            let leaving = match (root.cast::<Node>(), event.related_target()) {
                (Some(root), Some(next)) => next
                    .dyn_into::<Node>()
                    .map_or(true, |next| !root.contains(Some(&next))),
                // To nowhere (the window lost the focus): stays as it is.
                _ => false,
            };
            if leaving && open {
                change(&|state| state.open = false);
            }
        })
    };
    // A click on a link inside: followed in place on an account page, and the menu
    // closes. On the guest's "Sign in", first pointed at the page shown now.
    let onclick = {
        let change = change.clone();
        Callback::from(move |event: MouseEvent| {
            let Some(link) = event
                .target()
                .and_then(|target| target.dyn_into::<Element>().ok())
                .and_then(|element| element.closest("a").ok().flatten())
            else {
                return;
            };
            if link.class_name() == SIGN_IN_CLASS {
                aim_sign_in(&link);
            }
            follow_link(&event);
            if open {
                change(&|state| state.open = false);
            }
        })
    };
    let toggle = {
        let change = change.clone();
        Callback::from(move |_: MouseEvent| {
            change(&|state| {
                state.problem = None;
                state.open = !state.open;
            })
        })
    };
    let sign_out = {
        let close = close_and_focus_button;
        Callback::from(move |_: MouseEvent| {
            let (change, close) = (change.clone(), close.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::sign_out().await {
                    Ok(()) => {
                        close();
                        session::signed_out();
                        let path = web_sys::window()
                            .and_then(|window| window.location().pathname().ok())
                            .unwrap_or_default();
                        if is_account_page(&path) {
                            redirect(Route::SignIn { next: None });
                        }
                    }
                    Err(error) => {
                        let message = error.message();
                        change(&|state| state.problem = Some(message.clone()));
                    }
                }
            });
        })
    };

    let state = state.borrow();
    let content = match &state.identity {
        Identity::Unknown => html! {
            <a class="menu-link" href={ACCOUNT_PAGE}>
                { account_icon() }<span class="menu-text">{ "Account" }</span>
            </a>
        },
        // Aimed at the page shown now when clicked (see `onclick`).
        Identity::Guest => html! {
            <a class={SIGN_IN_CLASS} href={sign_in_target(&session::here())}>
                { account_icon() }<span class="menu-text">{ "Sign in" }</span>
            </a>
        },
        Identity::SignedIn(first_name) => html! {
            <>
                <button type="button" class="menu-button" ref={button} aria-expanded={if open { "true" } else { "false" }}
                    aria-controls={PANEL_ID} onclick={toggle}>
                    { account_icon() }
                    <span class="visually-hidden">{ "Your account: " }</span>
                    <span class="menu-text">{ first_name }</span>
                    <svg class="chevron" viewBox="0 0 12 12" width="12" height="12" aria-hidden="true" focusable="false">
                        <path fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" d="M2.5 4.5 6 8l3.5-3.5" />
                    </svg>
                </button>
                <div id={PANEL_ID} class="menu-panel" hidden={!open}>
                    <ul>
                        <li><a href={ACCOUNT_PAGE}>{ "Your account" }</a></li>
                        <li><a href={ORDERS_PAGE}>{ "Orders" }</a></li>
                        <li><a href={ADDRESSES_PAGE}>{ "Addresses" }</a></li>
                        <li><button type="button" class="menu-sign-out" onclick={sign_out}>{ "Sign out" }</button></li>
                    </ul>
                    if let Some(problem) = &state.problem {
                        <p class="menu-problem" role="alert">{ problem }</p>
                    }
                </div>
            </>
        },
    };
    html! {
        <div class="account account-menu" ref={root} {onkeydown} {onfocusout} {onclick}>
            { content }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use account_api::{Me, Profile};
    use mfe_kit::http::ApiError;

    #[test]
    fn sign_in_comes_back_to_the_page_it_was_clicked_on() {
        assert_eq!(
            sign_in_target("/products?q=tea"),
            "/account/sign-in?next=/products%3Fq%3Dtea"
        );
        assert_eq!(sign_in_target("/account"), "/account/sign-in");
    }

    #[test]
    fn on_the_sign_in_pages_it_keeps_their_next() {
        assert_eq!(
            sign_in_target("/account/sign-in?next=/cart"),
            "/account/sign-in?next=/cart"
        );
        assert_eq!(
            sign_in_target("/account/sign-up?next=/cart"),
            "/account/sign-in?next=/cart"
        );
    }

    #[test]
    fn the_header_never_guesses_who_is_there() {
        let ada = Me {
            user: Some(Profile {
                name: "Ada Lovelace".into(),
                first_name: "Ada".into(),
                email: "ada@example.com".into(),
                member_since: "March 2026".into(),
            }),
            renewed: false,
        };
        assert_eq!(identity_of(Ok(ada)), Identity::SignedIn("Ada".into()));
        assert_eq!(identity_of(Ok(Me::default())), Identity::Guest);
        assert_eq!(
            identity_of(Err(ApiError::Status {
                status: 401,
                error: None
            })),
            Identity::Guest
        );
        for down in [
            ApiError::Network,
            ApiError::Status {
                status: 503,
                error: None,
            },
        ] {
            assert_eq!(identity_of(Err(down)), Identity::Unknown);
        }
    }
}
