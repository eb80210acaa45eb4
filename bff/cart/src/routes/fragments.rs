//! The cart's first views, rendered here with the cart MFE's own components (see
//! `cart_mfe::ssr`) for the shopper whose cookies came along, for nginx to include in the
//! shell (SSI):
//!
//! - `GET /api/cart/fragments/badge` — the header's badge, with the shopper's count;
//! - `GET /api/cart/fragments/page/{path}` — the page at `/{path}` (`/cart`, `/checkout`,
//!   `/checkout/confirmation/<id>`).
//!
//! The data comes from the same functions as the JSON API and goes along in the markup, so
//! the browser hydrates without asking again. Nothing is rendered (the browser draws the
//! slot, as before there was server rendering: see `platform::fragment::none`) when cart-service cannot answer, when
//! another cart build is live, and when a signed-in shopper still has a guest cart: merging
//! it is a write, whose answer forgets the guest's cookie, and an included fragment's
//! cookies never reach the browser — the MFE's first request does it.

use super::{cart::view_of, mini::mini_cart_of, orders::order_of};
use crate::{cart_cookie, shopper::Shopper, startup::State};
use actix_web::{web, HttpRequest, HttpResponse};
use cart_mfe::ssr::{self, Answer, Need, Part};
use cart_mfe::BUILD;
use platform::fragment::{self, answer_of, Audience, NotRendered};

pub async fn badge(request: HttpRequest, state: web::Data<State>) -> HttpResponse {
    render(Part::Badge, &request, &state).await
}

pub async fn page(
    path: web::Path<String>,
    request: HttpRequest,
    state: web::Data<State>,
) -> HttpResponse {
    render(Part::Page(format!("/{path}")), &request, &state).await
}

async fn render(part: Part, request: &HttpRequest, state: &State) -> HttpResponse {
    if !state.live.is_own() {
        return fragment::none(BUILD, NotRendered::OtherBuildLive);
    }
    if cart_cookie::read(request).is_some() && state.verifier.identify(request).is_some() {
        return fragment::none(BUILD, NotRendered::BrowserOnly);
    }
    let shopper = match Shopper::of(request).await {
        Ok(shopper) => shopper,
        Err(_) => return fragment::none(BUILD, NotRendered::Unavailable),
    };
    let mut answers = Vec::new();
    if let Some(need) = ssr::needs(&part) {
        let answer = match &need {
            Need::MiniCart => answer_of(mini_cart_of(&shopper, state).await),
            Need::Cart => answer_of(view_of(&shopper, state).await),
            Need::Order(id) => answer_of(order_of(id, &shopper, state).await),
        };
        let Some((status, body)) = answer else {
            return fragment::none(BUILD, NotRendered::Unavailable);
        };
        answers.push((need.url(), Answer { status, body }));
    }
    fragment::render(BUILD, Audience::Shopper, || {
        ssr::render(&part, &fragment::page_address(request), answers)
    })
}
