//! `GET /api/account/fragments/menu` — the header's account menu, rendered here with the
//! account MFE's own components (see `account_mfe::ssr`) for nginx to include in the shell
//! (SSI): the shopper's first name, or "Sign in". A page request carries the identity cookie
//! but not the session cookie (scoped to `/api/account/`), so the identity token — checked
//! with its public key, as every BFF does — says who it is; account-service is not asked.
//! The MFE reads `me` once it has hydrated the menu (which may renew the cookie).
//!
//! `GET /api/account/fragments/page/<path>` — the main slot of the sign-in and sign-up
//! pages: their form, the same for everyone (`me` is asked once hydrated). The other
//! account pages show the session's data, which a page request does not carry: their MFE
//! draws them in the browser.

use crate::startup::State;
use account_mfe::BUILD;
use actix_web::{web, HttpRequest, HttpResponse};
use platform::fragment::{self, Audience, NotRendered};

pub async fn menu(request: HttpRequest, state: web::Data<State>) -> HttpResponse {
    if !state.live.is_own() {
        return fragment::none(BUILD, NotRendered::OtherBuildLive);
    }
    let first_name = state
        .verifier
        .identify(&request)
        .map(|identity| identity.first_name);
    fragment::render(BUILD, Audience::Shopper, || {
        account_mfe::ssr::render_menu(first_name, &fragment::page_address(&request))
    })
}

pub async fn page(
    path: web::Path<String>,
    request: HttpRequest,
    state: web::Data<State>,
) -> HttpResponse {
    if !state.live.is_own() {
        return fragment::none(BUILD, NotRendered::OtherBuildLive);
    }
    let query = request.query_string();
    let page = if query.is_empty() {
        format!("/{path}")
    } else {
        format!("/{path}?{query}")
    };
    fragment::render(BUILD, Audience::Anyone, || {
        account_mfe::ssr::render_page(&page)
    })
}
