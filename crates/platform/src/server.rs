//! Pieces every server's `Application` is assembled from.

use crate::Error;
use actix_web::{HttpRequest, HttpResponse};
use std::net::TcpListener;

/// Binds `host:port` (port 0 = any free port, which tests use and then read back).
pub fn listen(host: &str, port: u16) -> std::io::Result<TcpListener> {
    TcpListener::bind((host, port))
}

/// One log line per request with method, path, status and latency.
pub fn request_logger(
) -> tracing_actix_web::TracingLogger<tracing_actix_web::DefaultRootSpanBuilder> {
    tracing_actix_web::TracingLogger::default()
}

/// The answer for any path no route matches.
pub async fn not_found(request: HttpRequest) -> Result<HttpResponse, Error> {
    Err(Error::NotFound(format!("Nothing here: {}", request.path())))
}

/// Liveness: the process is up and serving HTTP.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// Readiness: 200 when everything this server needs answers, 503 naming what does not.
pub fn readiness(problem: Option<String>) -> HttpResponse {
    match problem {
        None => HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })),
        Some(problem) => HttpResponse::ServiceUnavailable()
            .json(error_body::ErrorBody::new("not_ready", problem)),
    }
}
