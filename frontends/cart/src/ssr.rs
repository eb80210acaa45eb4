//! The cart's first views, rendered by cart-bff with the cart's own components, for the
//! shopper whose cookies came along: the header's badge and the cart's pages.
//!
//! The BFF answers what [`needs`] says the first render asks for (with the answers of its
//! JSON API: the same shapes, the same URLs) and [`render`]s.

use crate::{app::Route, RootProps, View};
use cart_api::{CART_PATH, MINI_CART_PATH};

pub use mfe_kit::ssr::Answer;

/// What is rendered.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// The header's badge.
    Badge,
    /// The page at this path (`/cart`, `/checkout`, `/checkout/confirmation/<id>`).
    Page(String),
}

/// What a first render asks cart-bff for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// `GET /api/cart/mini`.
    MiniCart,
    /// `GET /api/cart`.
    Cart,
    /// `GET /api/cart/orders/<id>`.
    Order(String),
}

impl Need {
    /// The URL the MFE asks (the answer's key).
    pub fn url(&self) -> String {
        match self {
            Need::MiniCart => MINI_CART_PATH.to_owned(),
            Need::Cart => CART_PATH.to_owned(),
            Need::Order(id) => cart_api::order_url(id),
        }
    }
}

/// What the first render of `part` asks for (`None`: nothing, e.g. an unknown page).
pub fn needs(part: &Part) -> Option<Need> {
    match part {
        Part::Badge => Some(Need::MiniCart),
        Part::Page(path) => match Route::from_path(path) {
            Route::Cart | Route::Checkout => Some(Need::Cart),
            Route::Confirmation { order_id } => Some(Need::Order(order_id)),
            Route::NotFound => None,
        },
    }
}

/// The slot's markup for `part` on the page at `page` (path and query), its requests
/// answered by `answers`: see `mfe_kit::ssr`. `None` when it could not be rendered.
pub fn render(part: &Part, page: &str, answers: Vec<(String, Answer)>) -> Option<String> {
    let props = match part {
        Part::Badge => RootProps {
            view: View::Badge,
            route: None,
        },
        Part::Page(path) => RootProps {
            view: View::Page,
            route: Some(Route::from_path(path)),
        },
    };
    mfe_kit::ssr::render::<crate::Root>(props, page, crate::BUILD, answers)
}
