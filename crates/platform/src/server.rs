//! The HTTP server every service and BFF runs: [`serve`] binds, wires the shared
//! middleware and extractor rules around the server's own routes, and starts it.

use crate::error::INTERNAL_MESSAGE;
use crate::{request_id, Error};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, PathError, PayloadError, QueryPayloadError};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::{from_fn, Condition, ErrorHandlerResponse, ErrorHandlers};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use error_body::ErrorBody;
use std::net::TcpListener;

/// The largest request body any server reads (JSON or raw). Shop requests are small — a
/// cart line, an address, a card — and nginx enforces the same limit in front.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A server that is bound and started, not yet awaited.
pub struct Server {
    port: u16,
    server: actix_web::dev::Server,
}

impl Server {
    /// The port it listens on (the real one when port 0 was asked for).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops it gracefully: it stops accepting and lets requests in flight finish.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (SIGTERM, SIGINT or [`Server::handle`]).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Who a server answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposure {
    /// A service: only other servers of the shop call it, on the internal network.
    Internal,
    /// A BFF: browsers call it through nginx, so state-changing requests are guarded
    /// against cross-site forgery ([`crate::csrf`]).
    Public,
}

/// Binds `host:port` (port 0 = any free port, which is read back), and serves `routes`,
/// whose handlers find `state` as `web::Data<S>`, with what every server shares:
/// - the request id, its span and one log line per request ([`crate::request_id`]);
/// - JSON, query and path extractors that answer bad input with the JSON error body
///   (400, 413, 415), and a body size limit of [`BODY_LIMIT`];
/// - a JSON body on every error answer, also those actix makes itself (405, ...);
/// - a JSON 404 for paths no route matches (405 for a path that exists for other methods);
/// - for a [`Exposure::Public`] server, the CSRF guard on every state-changing request.
///
/// When `STOREFRONT_PORT_FILE` is set, the bound port is written there once the server
/// listens, so whoever started it with port 0 learns the port without any race.
pub fn serve<S: Send + Sync + 'static>(
    exposure: Exposure,
    host: &str,
    port: u16,
    state: web::Data<S>,
    routes: fn(&mut web::ServiceConfig),
) -> anyhow::Result<Server> {
    let listener = TcpListener::bind((host, port))
        .map_err(|error| anyhow::anyhow!("binding {host}:{port}: {error}"))?;
    let port = listener.local_addr()?.port();
    let server = HttpServer::new(move || {
        App::new()
            .wrap(Condition::new(
                exposure == Exposure::Public,
                from_fn(crate::csrf::guard),
            ))
            .wrap(ErrorHandlers::new().default_handler(json_error_body))
            .wrap(from_fn(request_id::middleware))
            .app_data(json_config())
            .app_data(web::QueryConfig::default().error_handler(query_error))
            .app_data(web::PathConfig::default().error_handler(path_error))
            .app_data(web::PayloadConfig::new(BODY_LIMIT))
            .app_data(state.clone())
            .configure(routes)
            .default_service(web::to(not_found))
    })
    .listen(listener)?
    .shutdown_timeout(10)
    .run();
    if let Some(path) = std::env::var_os("STOREFRONT_PORT_FILE") {
        write_port_file(std::path::Path::new(&path), port)?;
    }
    Ok(Server { port, server })
}

/// Written whole or not at all, so a reader never sees half a number.
fn write_port_file(path: &std::path::Path, port: u16) -> anyhow::Result<()> {
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, port.to_string())?;
    std::fs::rename(&temporary, path)?;
    Ok(())
}

fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(BODY_LIMIT)
        .error_handler(json_error)
}

fn json_error(error: JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    let error = match error {
        JsonPayloadError::OverflowKnownLength { limit, .. }
        | JsonPayloadError::Overflow { limit } => too_large(limit),
        JsonPayloadError::Payload(PayloadError::Overflow) => too_large(BODY_LIMIT),
        JsonPayloadError::ContentType => Error::UnsupportedMediaType(
            "Send the request body as JSON, with Content-Type: application/json.".into(),
        ),
        JsonPayloadError::Deserialize(error) if error.is_data() => Error::InvalidParameter {
            field: field_of(&error.to_string()),
            message: format!("The request body has a wrong value: {error}."),
        },
        JsonPayloadError::Deserialize(error) => Error::InvalidParameter {
            field: None,
            message: format!("The request body is not valid JSON: {error}."),
        },
        other => Error::InvalidParameter {
            field: None,
            message: format!("The request body could not be read: {other}."),
        },
    };
    error.into()
}

fn too_large(limit: usize) -> Error {
    Error::PayloadTooLarge(format!(
        "The request body is larger than the {} kB this server accepts.",
        limit / 1024
    ))
}

/// The field serde names in "missing field `x`" / "unknown field `x`" messages.
fn field_of(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("missing field `")
        .or_else(|| message.strip_prefix("unknown field `"))?;
    rest.split_once('`').map(|(field, _)| field.to_owned())
}

fn query_error(error: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    let QueryPayloadError::Deserialize(error) = error else {
        return Error::invalid("query", "The query string could not be read.").into();
    };
    let message = error.to_string();
    Error::InvalidParameter {
        field: field_of(&message),
        message: format!("The query string has a wrong value: {message}."),
    }
    .into()
}

fn path_error(error: PathError, request: &HttpRequest) -> actix_web::Error {
    let PathError::Deserialize(error) = error else {
        return Error::invalid("path", "The address could not be read.").into();
    };
    Error::InvalidParameter {
        field: None,
        message: format!("The address {} is not valid: {error}.", request.path()),
    }
    .into()
}

/// Gives every error answer that is not JSON yet (actix's own 405, a panic's 500, ...)
/// the shared error body, keeping its status.
fn json_error_body<B: MessageBody + 'static>(
    response: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if is_json {
        return Ok(ErrorHandlerResponse::Response(
            response.map_into_left_body(),
        ));
    }
    let status = response.status();
    let body = match status {
        StatusCode::METHOD_NOT_ALLOWED => ErrorBody::new(
            "method_not_allowed",
            format!("{} is not allowed here.", response.request().method()),
        ),
        StatusCode::NOT_FOUND => ErrorBody::new(
            "not_found",
            format!("Nothing here: {}", response.request().path()),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => {
            ErrorBody::new("payload_too_large", too_large(BODY_LIMIT).to_string())
        }
        status if status.is_server_error() => ErrorBody::new("internal", INTERNAL_MESSAGE),
        status => ErrorBody::new(
            "bad_request",
            status
                .canonical_reason()
                .unwrap_or("The request was not accepted."),
        ),
    };
    let (request, mut response) = response.into_parts();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let json = serde_json::to_string(&body).unwrap_or_default();
    let response = response.set_body(BoxBody::new(json));
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(request, response).map_into_right_body::<B>(),
    ))
}

/// The answer for any request no route matches: 405 when the path exists for other
/// methods, otherwise 404.
pub async fn not_found(request: HttpRequest) -> Result<HttpResponse, Error> {
    if request.resource_map().has_resource(request.path()) {
        return Ok(HttpResponse::MethodNotAllowed().json(ErrorBody::new(
            "method_not_allowed",
            format!("{} is not allowed here.", request.method()),
        )));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_name_their_field() {
        assert_eq!(
            field_of("missing field `quantity` at line 1 column 2"),
            Some("quantity".into())
        );
        assert_eq!(
            field_of("unknown field `qty`, expected `quantity`"),
            Some("qty".into())
        );
        assert_eq!(field_of("invalid type: string \"x\", expected u32"), None);
    }
}
