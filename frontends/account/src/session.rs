//! Telling the other MFEs who the shopper is: `account:signed-in` and `account:signed-out`
//! (see `mfe_kit::events`). Whatever shows per-shopper data (the cart badge, this MFE's own
//! header menu) reads its BFF again when it hears them.

use account_api::Me;
use mfe_kit::events::{self, SignedIn, SignedOut};

/// The shopper signed in or up (or renamed themselves: the header greets the new name).
pub fn signed_in(first_name: &str) {
    events::dispatch(&SignedIn {
        first_name: first_name.to_owned(),
    });
}

/// The shopper signed out: a guest everywhere now.
pub fn signed_out() {
    events::dispatch(&SignedOut {});
}

/// After a first read of `me`: when that answer renewed the identity cookie, the other
/// BFFs may have seen a guest until now, so they are told to read again.
///
/// Only first reads call this, never a read made because of `account:signed-in`: a browser
/// that drops the cookie would otherwise answer every read with a renewal, and every
/// renewal with another read.
pub fn note_renewal(me: &Me) {
    if let (true, Some(user)) = (me.renewed, &me.user) {
        signed_in(&user.first_name);
    }
}

/// The page's path and query, as a place to come back to.
pub fn here() -> String {
    mfe_kit::browser::page_address()
}

/// Loads `href` as a new page (a page of another slice, or after a change of identity that
/// every slice must see from the start).
pub fn load_page(href: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(href);
    }
}
