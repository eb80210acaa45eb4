//! Cross-site request forgery, refused at every BFF (see ARCHITECTURE, "Sessions, identity
//! and CSRF").
//!
//! A state-changing request (POST, PUT, PATCH, DELETE) is served only when it carries
//! `X-CSRF: 1` — which mfe-kit's JSON client sends, and which a cross-site form or `fetch`
//! cannot set without a CORS preflight that no BFF grants — and when neither its `Origin`
//! nor its `Sec-Fetch-Site` says it came from another site. Anything else is a 403 before
//! the handler runs. Reads (GET, HEAD) are not guarded: they change nothing.
//!
//! Wrap a BFF's routes with it: `.wrap(actix_web::middleware::from_fn(platform::csrf::guard))`.

use crate::Error;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::ResponseError;

/// The header every state-changing request must carry, with the value `1`.
pub const HEADER: &str = "x-csrf";

/// Why `request` must be refused, if it must.
fn refusal(request: &ServiceRequest) -> Option<&'static str> {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return None;
    }
    let headers = request.headers();
    if headers.get(HEADER).and_then(|v| v.to_str().ok()) != Some("1") {
        return Some("This request must come from the shop's own pages (X-CSRF header missing).");
    }
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if matches!(fetch_site, Some("cross-site" | "same-site")) {
        return Some("This request came from another site.");
    }
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    if let Some(origin) = origin {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        let origin_host = origin.split_once("://").map(|(_, rest)| rest);
        if origin == "null" || origin_host != host {
            return Some("This request came from another site.");
        }
    }
    None
}

/// The middleware: 403 `forbidden` for a state-changing request that may be forged.
pub async fn guard(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if let Some(reason) = refusal(&request) {
        tracing::info!(reason, "refused a possibly forged request");
        let response = Error::Forbidden(reason.into()).error_response();
        return Ok(request.into_response(response));
    }
    Ok(next.call(request).await?.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::middleware::from_fn;
    use actix_web::{test, web, App, HttpResponse};

    async fn status(request: test::TestRequest) -> u16 {
        let app = test::init_service(
            App::new()
                .wrap(from_fn(guard))
                .route("/api/cart/lines", web::to(HttpResponse::Ok)),
        )
        .await;
        test::call_service(&app, request.uri("/api/cart/lines").to_request())
            .await
            .status()
            .as_u16()
    }

    #[actix_web::test]
    async fn reads_need_no_header() {
        assert_eq!(status(test::TestRequest::get()).await, 200);
    }

    #[actix_web::test]
    async fn a_write_without_the_header_is_refused() {
        for request in [
            test::TestRequest::post(),
            test::TestRequest::put(),
            test::TestRequest::patch(),
            test::TestRequest::delete(),
            test::TestRequest::post().insert_header((HEADER, "0")),
        ] {
            assert_eq!(status(request).await, 403);
        }
    }

    #[actix_web::test]
    async fn a_write_from_the_shops_pages_passes() {
        let request = test::TestRequest::post()
            .insert_header((HEADER, "1"))
            .insert_header(("host", "shop.example"))
            .insert_header(("origin", "https://shop.example"))
            .insert_header(("sec-fetch-site", "same-origin"));
        assert_eq!(status(request).await, 200);
    }

    #[actix_web::test]
    async fn a_write_from_another_site_is_refused_even_with_the_header() {
        let other_origin = test::TestRequest::post()
            .insert_header((HEADER, "1"))
            .insert_header(("host", "shop.example"))
            .insert_header(("origin", "https://evil.example"));
        assert_eq!(status(other_origin).await, 403);
        let cross_site = test::TestRequest::post()
            .insert_header((HEADER, "1"))
            .insert_header(("sec-fetch-site", "cross-site"));
        assert_eq!(status(cross_site).await, 403);
    }
}
