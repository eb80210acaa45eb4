//! The header's account menu, rendered by account-bff with the account's own components
//! for the shopper whose identity cookie came along (the session cookie is scoped to
//! `/api/account/`, so a page request never carries it: the identity token says who it is).

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
