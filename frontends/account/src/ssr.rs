//! The header's account menu, rendered by account-bff with the account's own components
//! for the shopper whose identity cookie came along (the session cookie is scoped to
//! `/api/account/`, so a page request never carries it: the identity token says who it is);
//! and the sign-in and sign-up pages, whose form needs no answer at all.

use crate::app::Route;
use crate::{Root, RootProps};
use mfe_kit::Fragment;

pub use crate::menu::{MenuIdentity, MENU_IDENTITY};
pub use mfe_kit::ssr::Answer;

/// The menu's markup for a shopper signed in as `first_name` (`None`: a guest) on the page
/// at `page` (path and query: where "Sign in" comes back to), with that answer embedded for
/// hydration (see `mfe_kit::ssr`). `None` when it could not be rendered.
pub fn render_menu(first_name: Option<String>, page: &str) -> Option<String> {
    let answer = Answer::ok(&MenuIdentity { first_name });
    mfe_kit::ssr::render::<Root>(
        RootProps {
            fragment: Fragment::Menu,
        },
        page,
        crate::BUILD,
        vec![(MENU_IDENTITY.to_owned(), answer)],
    )
}

/// The main slot's markup for the page at `page` (path and query) when it is the sign-in or
/// the sign-up page: its form, which shows before `me` answers (asked once hydrated, to
/// send a signed-in visitor on). `None` for the other account pages — they show the
/// shopper's session, which a page request does not carry — or when it could not be
/// rendered.
pub fn render_page(page: &str) -> Option<String> {
    let render = || {
        mfe_kit::ssr::render::<Root>(
            RootProps {
                fragment: Fragment::Page,
            },
            page,
            crate::BUILD,
            Vec::new(),
        )
    };
    let (path, query) = page.split_at(page.find('?').unwrap_or(page.len()));
    match Route::from_location(path, query) {
        Route::SignIn { .. } | Route::SignUp { .. } => render(),
        _ => None,
    }
}
