//! What a BFF answers when it renders its MFE's first view for nginx to include in the
//! shell (see `mfe_kit::ssr` and each BFF's `routes::fragments`).

use crate::Error;
use actix_web::{http::header, HttpResponse, ResponseError};
use serde::Serialize;
use std::time::Duration;

/// What the MFE would have been answered by the JSON route behind `result`: `(status,
/// JSON body)` — the data, or a refusal it shows (an unknown product, a bad filter). `None`
/// when the BFF could not answer (what it depends on is down or slow, a fault): there is
/// then nothing to render, and the browser asks again itself.
pub fn answer_of<T: Serialize>(result: Result<T, Error>) -> Option<(u16, String)> {
    match result {
        Ok(value) => Some((200, serde_json::to_string(&value).ok()?)),
        Err(error) if error.status_code().is_client_error() => Some((
            error.status_code().as_u16(),
            serde_json::to_string(&error.to_body()).ok()?,
        )),
        Err(_) => None,
    }
}

/// The address (path and query) of the page a fragment is included in: nginx says it
/// (`X-Page-Uri`); `/` when it does not, or says something that is not a path.
pub fn page_address(request: &actix_web::HttpRequest) -> String {
    request
        .headers()
        .get("x-page-uri")
        .and_then(|value| value.to_str().ok())
        .filter(|uri| uri.starts_with('/') && !uri.starts_with("//"))
        .unwrap_or("/")
        .to_owned()
}

/// Who may keep a rendered fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The same for every shopper (nginx keeps it a second).
    Anyone,
    /// Rendered for the shopper whose cookies came along: never kept or shared.
    Shopper,
}

/// A rendered fragment: its HTML, how long rendering took (`Server-Timing: render`, read by
/// the benchmarks) and the MFE build that drew it (`X-Mfe-Build`).
pub fn rendered(html: String, took: Duration, build: &str, audience: Audience) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CACHE_CONTROL,
            match audience {
                Audience::Anyone => "no-cache",
                Audience::Shopper => "private, no-store",
            },
        ))
        .insert_header((
            "Server-Timing",
            format!("render;dur={:.3}", took.as_secs_f64() * 1000.0),
        ))
        .insert_header(("X-Mfe-Build", build.to_owned()))
        .body(html)
}

/// Runs `render` and answers what it drew ([`rendered`], timed), or [`none`] when it could
/// not draw the fragment (the slot is left to the browser).
pub fn render(
    build: &str,
    audience: Audience,
    render: impl FnOnce() -> Option<String>,
) -> HttpResponse {
    let started = std::time::Instant::now();
    match render() {
        Some(html) => rendered(html, started.elapsed(), build, audience),
        None => none(build, NotRendered::BrowserOnly),
    }
}

/// Nothing rendered: the shell's slot is drawn in the browser, as without server rendering.
/// `why` goes along as `X-Not-Rendered` (for people reading logs and tests).
///
/// A 404 ("no rendering of that here"), which nginx turns into an empty include of its own
/// (see the gateway's `/_fragments/` locations): an empty answer of a proxied include — a
/// 204, or an empty 200 — stalls nginx's SSI when other requests are in flight (the page
/// never ends).
pub fn none(build: &str, why: NotRendered) -> HttpResponse {
    HttpResponse::NotFound()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("X-Mfe-Build", build.to_owned()))
        .insert_header(("X-Not-Rendered", why.as_str()))
        .finish()
}

/// Why a fragment was not rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotRendered {
    /// Another build of the MFE is live (a deploy or rollback): its bundle draws the slot.
    OtherBuildLive,
    /// What the first view shows could not be had (a service down or slow).
    Unavailable,
    /// The first view must be drawn in the browser (it writes, say, or could not render).
    BrowserOnly,
}

impl NotRendered {
    pub fn as_str(self) -> &'static str {
        match self {
            NotRendered::OtherBuildLive => "other-build-live",
            NotRendered::Unavailable => "unavailable",
            NotRendered::BrowserOnly => "browser-only",
        }
    }
}
