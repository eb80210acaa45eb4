//! `GET /api/catalog/fragments/page/{path}?{query}` — the catalog's first view of the page
//! at `/{path}?{query}`, rendered here with the catalog MFE's own components (see
//! `catalog_mfe::ssr`), for nginx to put into the shell's main slot (SSI).
//!
//! The page's data comes from the same functions as the JSON API, keyed by the URLs the MFE
//! would have asked, and goes along in the markup, so the browser hydrates without asking
//! again. When the data cannot be had (catalog-service down or slow), or another catalog
//! build is live, there is nothing to render (see `platform::fragment::none`), and the shell
//! draws the page in the browser as it did before there was server rendering.

use super::{listing::listing_page, product::product_detail};
use crate::startup::State;
use actix_web::{web, HttpRequest, HttpResponse};
use catalog_mfe::ssr::{self, Answer, Needs, Route};
use catalog_mfe::BUILD;
use platform::fragment::{self, answer_of, Audience, NotRendered};

pub async fn page(
    path: web::Path<String>,
    request: HttpRequest,
    state: web::Data<State>,
) -> HttpResponse {
    // Another catalog build is live (a deploy or rollback): its bundle draws the page.
    if !state.live.is_own() {
        return fragment::none(BUILD, NotRendered::OtherBuildLive);
    }
    let route = Route::from_location(&format!("/{path}"), request.query_string());
    let answer = match ssr::needs(&route) {
        Needs::Listing(query) => Some((
            catalog_api::listing_url(&query),
            answer_of(listing_page(&state, query).await),
        )),
        Needs::Product(slug) => Some((
            catalog_api::product_url(&slug),
            answer_of(product_detail(&state, &slug).await),
        )),
        Needs::Nothing => None,
    };
    let answers = match answer {
        Some((_, None)) => return fragment::none(BUILD, NotRendered::Unavailable),
        Some((url, Some((status, body)))) => vec![(url, Answer { status, body })],
        None => Vec::new(),
    };
    fragment::render(BUILD, Audience::Anyone, || ssr::render(route, answers))
}
