//! One file per screen, and what every screen asks first: who is signed in.

pub mod addresses;
pub mod auth;
pub mod not_found;
pub mod orders;
pub mod profile;

use crate::api;
use crate::app::{go_on, redirect, Route};
use crate::components::states::{error_panel, is_signed_out, leaving, skeleton, Fetch};
use crate::components::{account_frame, Section};
use crate::session::note_renewal;
use account_api::{Me, Profile};
use mfe_kit::http::{use_first_answer, ApiError};
use std::rc::Rc;
use yew::prelude::*;

/// Whom a page is for: a visitor who is not is sent on as soon as `me` says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum For {
    /// The signed-in account's pages: a guest goes to sign in, and comes back afterwards.
    SignedIn,
    /// Signing in or up: someone signed in already goes on to `next` (or the account).
    Guests { next: Option<String> },
}

impl For {
    /// Sends the visitor on if the page is not for them.
    fn check(&self, me: Result<&Me, &ApiError>) {
        match (self, me) {
            (For::SignedIn, Ok(me)) if !me.signed_in() => redirect(Route::sign_in_returning_here()),
            (For::SignedIn, Err(error)) if is_signed_out(error) => {
                redirect(Route::sign_in_returning_here())
            }
            (For::Guests { next }, Ok(me)) if me.signed_in() => go_on(next.as_deref()),
            _ => {}
        }
    }
}

/// Who is signed in, read when the page is first drawn (the shell usually asked already),
/// and again on "Try again"; a visitor the page is not for is sent on.
#[hook]
pub fn use_me(visitor: For) -> (Fetch<Me>, Callback<()>) {
    let (first, skip_first_fetch) = use_first_answer(api::ready_me);
    // Changed in place and drawn with `redraw` (a state hook would cost the bundle more).
    let me = use_mut_ref(|| first.map_or(Fetch::Loading, Fetch::from));
    let redraw = use_force_update();
    let visitor = Rc::new(visitor);
    let fetch = {
        let (me, visitor) = (me.clone(), visitor.clone());
        Rc::new(move || {
            *me.borrow_mut() = Fetch::Loading;
            redraw.force_update();
            let (me, redraw, visitor) = (me.clone(), redraw.clone(), visitor.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let answer = api::me().await;
                arrived(answer.as_ref(), &visitor);
                *me.borrow_mut() = Fetch::from(answer);
                redraw.force_update();
            });
        })
    };
    {
        let (me, fetch) = (me.clone(), fetch.clone());
        use_effect_with((), move |_| {
            if !skip_first_fetch.replace(false) {
                return fetch();
            }
            // The shell's answer, drawn already: now acted on.
            let first = me.borrow().clone();
            match &first {
                Fetch::Loaded(answer) => arrived(Ok(answer), &visitor),
                Fetch::Failed(error) => arrived(Err(error), &visitor),
                Fetch::Loading => {}
            }
        });
    }
    let retry = Callback::from(move |()| fetch());
    let now = me.borrow().clone();
    (now, retry)
}

/// A first answer to `me` (not one read because of an event: see [`note_renewal`]).
fn arrived(answer: Result<&Me, &ApiError>, visitor: &For) {
    if let Ok(me) = answer {
        note_renewal(me);
    }
    visitor.check(answer);
}

/// A page of the signed-in account, as `me` allows: the shopper's profile, or what the
/// page shows instead — its frame with a loading or error state, or (for a guest, who is
/// being sent to sign in) a line saying so. `what` names the page's content for the error
/// state ("your orders").
pub fn signed_in<'a>(
    me: &'a Fetch<Me>,
    section: Section,
    title: &str,
    what: &str,
    retry: &Callback<()>,
) -> Result<&'a Profile, Html> {
    let instead = match me {
        Fetch::Loaded(me) => match &me.user {
            Some(profile) => return Ok(profile),
            None => return Err(leaving("Taking you to sign in…")),
        },
        Fetch::Failed(error) if is_signed_out(error) => {
            return Err(leaving("Taking you to sign in…"))
        }
        Fetch::Failed(error) => error_panel(error, what, retry),
        Fetch::Loading => skeleton("Loading…", 3),
    };
    Err(account_frame(section, title, instead))
}
