//! The HTTP server every service and BFF runs: [`serve`] binds, wires the shared
//! middleware and extractor rules around the server's own routes, and starts it.

use crate::error::INTERNAL_MESSAGE;
use crate::{request_id, Error};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, PayloadError, QueryPayloadError};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::{from_fn, Condition, ErrorHandlerResponse, ErrorHandlers, Next};
use actix_web::{
    mime, web, App, HttpMessage, HttpRequest, HttpResponse, HttpServer, ResponseError,
};
use error_body::ErrorBody;
use std::net::TcpListener;

/// How long a server keeps an idle keep-alive connection open: longer than any of its
/// clients keeps one in its pool (nginx's upstream pools 60 s, its default; the upstream
/// client's 30 s), so a client never sends a request on a connection the server is
/// closing at that moment — a race nginx cannot retry for a write without an
/// `Idempotency-Key` (seen under load: an add to cart answered 503 with actix's own 5 s).
pub const KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(75);

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
///   (400, 413, 415), and a body size limit of [`BODY_LIMIT`]; a JSON body that does not
///   fit the handler's type is a 400 naming the field at fault (`error.field`), and never
///   repeating the value sent;
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
            .wrap(from_fn(keep_json_body))
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
    .keep_alive(KEEP_ALIVE)
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

fn json_error(error: JsonPayloadError, request: &HttpRequest) -> actix_web::Error {
    let error = match error {
        JsonPayloadError::OverflowKnownLength { limit, .. }
        | JsonPayloadError::Overflow { limit } => too_large(limit),
        JsonPayloadError::Payload(PayloadError::Overflow) => too_large(BODY_LIMIT),
        JsonPayloadError::ContentType => Error::UnsupportedMediaType(
            "Send the request body as JSON, with Content-Type: application/json.".into(),
        ),
        JsonPayloadError::Deserialize(error) if error.is_data() => {
            let body = request.extensions().get::<ArrivedBody>().cloned();
            wrong_value(&error, body.as_ref().map_or(&[][..], |body| &body.0[..]))
        }
        // Syntax errors say where the JSON breaks, never what it holds.
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

/// A JSON request body as it arrived, kept until the handler's extractor has read it: when
/// the body does not fit the handler's type, serde_json says only *where* it stopped, and
/// the body says which field that is.
#[derive(Clone)]
struct ArrivedBody(web::Bytes);

/// Reads a JSON body before the handler does, keeps it in the request ([`ArrivedBody`]) and
/// hands the same bytes on. Bodies are small ([`BODY_LIMIT`]) and the JSON extractor reads
/// them whole anyway, so this costs a reference count, not a copy. A compressed body is
/// left alone (the extractor decodes it; browsers never send one).
async fn keep_json_body(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let is_json = matches!(
        request.mime_type(),
        Ok(Some(mime)) if mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON)
    );
    if is_json && !request.headers().contains_key(header::CONTENT_ENCODING) {
        match request.extract::<web::Bytes>().await {
            Ok(body) => {
                request.extensions_mut().insert(ArrivedBody(body.clone()));
                request.set_payload(Payload::from(body));
            }
            Err(error) => {
                let refusal = match error.as_error::<PayloadError>() {
                    Some(PayloadError::Overflow) => too_large(BODY_LIMIT),
                    _ => Error::invalid("body", "The request body could not be read."),
                };
                return Ok(request.into_response(refusal.error_response()));
            }
        }
    }
    Ok(next.call(request).await?.map_into_boxed_body())
}

/// The 400 for a JSON body that does not fit the handler's type: it names the field at
/// fault (`lines[1].quantity`) and says what was expected there — never the value sent,
/// which may be a password (serde's own messages quote it: `invalid type: string "..."`).
fn wrong_value(error: &serde_json::Error, body: &[u8]) -> Error {
    let description = error.to_string();
    // serde_json ends its messages with " at line L column C"; the place is in `error`.
    let description = description
        .rsplit_once(" at line ")
        .map_or(description.as_str(), |(description, _)| description);
    let stopped_in = path_at(body, offset_of(body, error.line(), error.column()));
    let (field, message) = if let Some(name) = description.strip_prefix("missing field `") {
        let name = name.split('`').next().unwrap_or_default();
        let field = join(&stopped_in, name);
        let message = format!("`{field}` is missing from the request body.");
        (Some(field), message)
    } else if let Some(name) = description.strip_prefix("unknown field `") {
        let name = name.split('`').next().unwrap_or_default();
        // serde_json stops right after the unknown key, so the path already ends with it.
        let field = render_path(&stopped_in)
            .filter(|path| path.ends_with(name))
            .unwrap_or_else(|| join(&stopped_in, name));
        let message = format!("`{field}` is not a field of this request.");
        (Some(field), message)
    } else {
        let field = render_path(&stopped_in).or_else(|| only_path_of(body, description));
        let expected = description
            .rsplit_once(", expected ")
            .map(|(_, expected)| format!(": expected {expected}"))
            .unwrap_or_default();
        let message = match &field {
            Some(field) => format!("`{field}` has a wrong value{expected}."),
            None => format!("The request body has a wrong value{expected}."),
        };
        (field, message)
    };
    Error::InvalidParameter { field, message }
}

/// One step of a path into a JSON document.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// The byte offset of serde_json's (1-based line, 0-based byte column) place in `body`.
fn offset_of(body: &[u8], line: usize, column: usize) -> usize {
    let line_start = match line {
        0 | 1 => 0,
        line => body
            .iter()
            .enumerate()
            .filter(|(_, byte)| **byte == b'\n')
            .nth(line - 2)
            .map_or(body.len(), |(index, _)| index + 1),
    };
    (line_start + column).min(body.len())
}

/// The path of the value being read at `offset` of a JSON document (valid up to there,
/// since serde_json read it that far): the keys and indices of the containers open at that
/// point. A value serde_json finished reading is still "being read" until the `,` after it.
fn path_at(body: &[u8], offset: usize) -> Vec<Step> {
    enum Open {
        Object(Option<String>),
        Array(usize),
    }
    let mut open: Vec<Open> = Vec::new();
    let mut index = 0;
    while index < offset {
        match body[index] {
            b'{' => open.push(Open::Object(None)),
            b'[' => open.push(Open::Array(0)),
            b'}' | b']' => {
                open.pop();
            }
            b',' => match open.last_mut() {
                Some(Open::Array(position)) => *position += 1,
                Some(Open::Object(key)) => *key = None,
                None => {}
            },
            b'"' => {
                let mut end = index + 1;
                while end < body.len() && body[end] != b'"' {
                    end += if body[end] == b'\\' { 2 } else { 1 };
                }
                if let Some(Open::Object(key @ None)) = open.last_mut() {
                    let text = body.get(index..=end).unwrap_or_default();
                    *key = Some(serde_json::from_slice(text).unwrap_or_default());
                }
                index = end;
            }
            _ => {}
        }
        index += 1;
    }
    open.into_iter()
        .filter_map(|step| match step {
            Open::Object(key) => key.map(Step::Key),
            Open::Array(position) => Some(Step::Index(position)),
        })
        .collect()
}

/// `lines[1].quantity`, or `None` for the document itself.
fn render_path(path: &[Step]) -> Option<String> {
    let mut text = String::new();
    for step in path {
        match step {
            Step::Key(key) if text.is_empty() => text.push_str(key),
            Step::Key(key) => {
                text.push('.');
                text.push_str(key);
            }
            Step::Index(position) => text.push_str(&format!("[{position}]")),
        }
    }
    (!text.is_empty()).then_some(text)
}

fn join(path: &[Step], name: &str) -> String {
    match render_path(path) {
        Some(path) => format!("{path}.{name}"),
        None => name.to_owned(),
    }
}

/// For a value serde met only after reading the whole object (fields of a
/// `#[serde(flatten)]`ed struct are checked once the object is read), the path of the one
/// value in `body` that is what serde's message says it got (`integer `5``, `string "x"`).
/// `None` when no value, or more than one, fits.
fn only_path_of(body: &[u8], description: &str) -> Option<String> {
    let got = description
        .strip_prefix("invalid type: ")
        .or_else(|| description.strip_prefix("invalid value: "))?
        .rsplit_once(", expected ")?
        .0;
    let document: serde_json::Value = serde_json::from_slice(body).ok()?;
    let mut found = Vec::new();
    find_values(&document, got, &mut Vec::new(), &mut found);
    match found.as_slice() {
        [only] => render_path(only),
        _ => None,
    }
}

fn find_values(
    value: &serde_json::Value,
    got: &str,
    path: &mut Vec<Step>,
    found: &mut Vec<Vec<Step>>,
) {
    use serde_json::Value;
    let fits = match value {
        Value::Null => got == "null" || got == "unit value",
        Value::Bool(flag) => got == format!("boolean `{flag}`"),
        Value::Number(number) => match (number.as_u64(), number.as_i64(), number.as_f64()) {
            (Some(whole), _, _) => got == format!("integer `{whole}`"),
            (_, Some(whole), _) => got == format!("integer `{whole}`"),
            (_, _, Some(real)) => {
                let text = real.to_string();
                let point = if text.contains('.') || !real.is_finite() {
                    ""
                } else {
                    ".0"
                };
                got == format!("floating point `{text}{point}`")
            }
            _ => false,
        },
        Value::String(text) => got == format!("string {text:?}"),
        Value::Array(_) => got == "sequence",
        Value::Object(_) => got == "map",
    };
    if fits && !path.is_empty() {
        found.push(path.clone());
    }
    match value {
        Value::Array(items) => {
            for (position, item) in items.iter().enumerate() {
                path.push(Step::Index(position));
                find_values(item, got, path, found);
                path.pop();
            }
        }
        Value::Object(entries) => {
            for (key, item) in entries {
                path.push(Step::Key(key.clone()));
                find_values(item, got, path, found);
                path.pop();
            }
        }
        _ => {}
    }
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
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Line {
        product_id: i64,
        quantity: u32,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Order {
        lines: Vec<Line>,
        #[serde(default)]
        note: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Place {
        name: String,
        city: String,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Delivery {
        #[serde(flatten)]
        place: Place,
        #[serde(default)]
        urgent: bool,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Strict {
        quantity: u32,
    }

    /// The field and message of the 400 for `body`, which must not fit `T`.
    fn refusal<T: serde::de::DeserializeOwned + std::fmt::Debug>(
        body: &str,
    ) -> (Option<String>, String) {
        let error = serde_json::from_str::<T>(body).unwrap_err();
        match wrong_value(&error, body.as_bytes()) {
            Error::InvalidParameter { field, message } => (field, message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_wrong_type_names_its_field_and_not_its_value() {
        let (field, message) =
            refusal::<Line>(r#"{"product_id":1,"quantity":"hunter2 is my password"}"#);
        assert_eq!(field.as_deref(), Some("quantity"));
        assert_eq!(message, "`quantity` has a wrong value: expected u32.");
        let (field, message) = refusal::<Line>(r#"{"quantity":-1,"product_id":1}"#);
        assert_eq!(field.as_deref(), Some("quantity"));
        assert!(!message.contains("-1"), "{message}");
        for body in [
            r#"{"quantity":{"a":"secret"},"product_id":1}"#,
            r#"{"quantity":["secret"],"product_id":1}"#,
            r#"{"quantity":null,"product_id":1}"#,
            r#"{"quantity":true,"product_id":1}"#,
            r#"{"quantity":1.5,"product_id":1}"#,
        ] {
            let (field, message) = refusal::<Line>(body);
            assert_eq!(field.as_deref(), Some("quantity"), "{body}");
            assert!(!message.contains("secret"), "{message}");
        }
    }

    #[test]
    fn a_missing_field_is_named() {
        assert_eq!(
            refusal::<Line>(r#"{"product_id":1}"#),
            (
                Some("quantity".into()),
                "`quantity` is missing from the request body.".into()
            )
        );
    }

    #[test]
    fn fields_inside_lists_and_objects_are_named_with_their_path() {
        let body = r#"{"lines":[{"product_id":1,"quantity":2},{"product_id":1,"quantity":"q"}]}"#;
        assert_eq!(
            refusal::<Order>(body).0.as_deref(),
            Some("lines[1].quantity")
        );
        let body = r#"{"note":"a,b}{[\"x","lines":[{"product_id":1}]}"#;
        assert_eq!(
            refusal::<Order>(body).0.as_deref(),
            Some("lines[0].quantity")
        );
        let body = "{\n  \"lines\": [],\n  \"note\": 5\n}";
        assert_eq!(refusal::<Order>(body).0.as_deref(), Some("note"));
    }

    #[test]
    fn escaped_keys_are_read_as_json() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Quoted {
            #[serde(rename = "say \"hi\"")]
            greeting: String,
        }
        let body = r#"{"say \"hi\"": 1}"#;
        assert_eq!(refusal::<Quoted>(body).0.as_deref(), Some(r#"say "hi""#));
    }

    #[test]
    fn a_flattened_field_is_named_when_only_one_value_fits_the_complaint() {
        let (field, message) = refusal::<Delivery>(r#"{"name":5,"city":"Berlin"}"#);
        assert_eq!(field.as_deref(), Some("name"));
        assert_eq!(message, "`name` has a wrong value: expected a string.");
        let (field, _) = refusal::<Delivery>(r#"{"name":"Ada","city":"Berlin","urgent":"yes"}"#);
        assert_eq!(field.as_deref(), Some("urgent"));
        assert_eq!(
            refusal::<Delivery>(r#"{"name":"Ada"}"#).0.as_deref(),
            Some("city")
        );
        // Two values fit: naming either could be wrong, so neither is named.
        let (field, message) = refusal::<Delivery>(r#"{"name":5,"city":5}"#);
        assert_eq!(field, None);
        assert_eq!(
            message,
            "The request body has a wrong value: expected a string."
        );
    }

    #[test]
    fn an_unknown_field_is_named_once() {
        let (field, _) = refusal::<Strict>(r#"{"quantity":1,"qty":2}"#);
        assert_eq!(field.as_deref(), Some("qty"));
    }

    #[test]
    fn a_body_of_the_wrong_shape_names_no_field() {
        let (field, message) = refusal::<Line>(r#""hunter2""#);
        assert_eq!(field, None);
        assert_eq!(
            message,
            "The request body has a wrong value: expected struct Line."
        );
    }

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
