//! The one error type of every server's HTTP layer.
//!
//! Each variant maps to a status and a stable `code` in the shared JSON body
//! ([`error_body::ErrorBody`]). Causes of 5xx answers are logged with their chain and
//! never sent to the client.

use actix_web::{http::StatusCode, HttpResponse, ResponseError};
use error_body::{ErrorBody, ErrorDetail};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A request is malformed or out of range (400 `invalid_parameter`); `field` names the
    /// parameter at fault when there is one.
    #[error("{message}")]
    InvalidParameter {
        field: Option<String>,
        message: String,
    },
    /// Who is asking is not known: no session, or an invalid one (401 `unauthorized`).
    #[error("{0}")]
    Unauthorized(String),
    /// Who is asking is known but may not do this, or the request came from another site
    /// (403 `forbidden`).
    #[error("{0}")]
    Forbidden(String),
    /// The thing asked for does not exist (404 `not_found`). Also the answer for a thing
    /// that belongs to someone else, so ids don't leak.
    #[error("{0}")]
    NotFound(String),
    /// The request clashes with the current state: it already exists, it was changed
    /// meanwhile, there is not enough of it (409 `conflict`).
    #[error("{0}")]
    Conflict(String),
    /// The body is larger than this server accepts (413 `payload_too_large`).
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The body is not JSON, or not declared as JSON (415 `unsupported_media_type`).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The request is well-formed but a value in it cannot be accepted (422
    /// `unprocessable`); `field` names the input at fault, for the form to show it there.
    #[error("{message}")]
    Unprocessable {
        field: Option<String>,
        message: String,
    },
    /// Several inputs of a form cannot be accepted (422 `unprocessable`), each named with
    /// its own message.
    #[error("{} fields are invalid", .0.len())]
    InvalidFields(Vec<error_body::FieldError>),
    /// Too many requests from this client; try again later (429 `too_many_requests`).
    #[error("{0}")]
    TooManyRequests(String),
    /// A service this server depends on is down or too slow (503). `code` says which,
    /// e.g. `catalog_unavailable`.
    #[error("{message}")]
    Unavailable { code: String, message: String },
    /// A refusal whose code says more than the status's usual one (409 `out_of_stock`,
    /// 422 `unknown_product`, 409 `reservation_expired`), for the caller to act on.
    #[error("{message}")]
    Refused {
        status: StatusCode,
        code: String,
        field: Option<String>,
        message: String,
    },
    /// An upstream service's client-error answer (or its degraded 503), passed on as it
    /// came: the same status and the same body, so a 409 stays a 409.
    #[error("{}", body.error.message)]
    Upstream { status: StatusCode, body: ErrorBody },
    /// A bug or an infrastructure failure (500 `internal`).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidParameter {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    pub fn unprocessable(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Unprocessable {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// A [`Error::Refused`] with `status` and `code`, naming `field` when there is one.
    pub fn refused(
        status: StatusCode,
        code: impl Into<String>,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        Error::Refused {
            status,
            code: code.into(),
            field: field.map(str::to_owned),
            message: message.into(),
        }
    }

    pub fn code(&self) -> &str {
        match self {
            Error::InvalidParameter { .. } => "invalid_parameter",
            Error::Unauthorized(_) => "unauthorized",
            Error::Forbidden(_) => "forbidden",
            Error::NotFound(_) => "not_found",
            Error::Conflict(_) => "conflict",
            Error::PayloadTooLarge(_) => "payload_too_large",
            Error::UnsupportedMediaType(_) => "unsupported_media_type",
            Error::Unprocessable { .. } | Error::InvalidFields(_) => "unprocessable",
            Error::TooManyRequests(_) => "too_many_requests",
            Error::Unavailable { code, .. } | Error::Refused { code, .. } => code,
            Error::Upstream { body, .. } => &body.error.code,
            Error::Internal(_) => "internal",
        }
    }

    pub fn to_body(&self) -> ErrorBody {
        match self {
            Error::InvalidParameter { field, message }
            | Error::Unprocessable { field, message }
            | Error::Refused { field, message, .. } => ErrorBody {
                error: ErrorDetail {
                    code: self.code().to_owned(),
                    message: message.clone(),
                    field: field.clone(),
                    fields: Vec::new(),
                },
            },
            Error::InvalidFields(fields) => ErrorBody::for_fields(self.code(), fields.clone()),
            Error::Upstream { body, .. } => body.clone(),
            Error::Internal(_) => ErrorBody::new(self.code(), INTERNAL_MESSAGE),
            _ => ErrorBody::new(self.code(), self.to_string()),
        }
    }
}

/// What a shopper reads when the fault is ours.
pub const INTERNAL_MESSAGE: &str =
    "Something went wrong on our side. Please try again in a moment.";

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        match self {
            Error::InvalidParameter { .. } => StatusCode::BAD_REQUEST,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::Unprocessable { .. } | Error::InvalidFields(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Error::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Error::Upstream { status, .. } | Error::Refused { status, .. } => *status,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Error::Internal(cause) => tracing::error!(error = ?cause, "request failed"),
            Error::Unavailable { message, .. } => tracing::warn!(%message, "degraded answer"),
            _ => {}
        }
        let status = self.status_code();
        let mut response = HttpResponse::build(status);
        // Tell clients (and nginx) when retrying soon is reasonable.
        match status {
            StatusCode::SERVICE_UNAVAILABLE => {
                response.insert_header(("Retry-After", "2"));
            }
            StatusCode::TOO_MANY_REQUESTS => {
                response.insert_header(("Retry-After", "10"));
            }
            _ => {}
        }
        response.json(self.to_body())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    async fn body_of(error: Error) -> (StatusCode, serde_json::Value) {
        let response = error.error_response();
        let status = response.status();
        let bytes = to_bytes(response.into_body()).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn invalid_parameter_is_a_400_naming_the_field() {
        let (status, body) = body_of(Error::invalid("page", "page must be 1 or more")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["code"], "invalid_parameter");
        assert_eq!(body["error"]["field"], "page");
    }

    #[tokio::test]
    async fn a_refusal_keeps_its_status_code_and_field() {
        let refused = Error::refused(
            StatusCode::CONFLICT,
            "out_of_stock",
            Some("product_id"),
            "Only 2 left",
        );
        let (status, body) = body_of(refused).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(body["error"]["code"], "out_of_stock");
        assert_eq!(body["error"]["field"], "product_id");
        assert_eq!(body["error"]["message"], "Only 2 left");
    }

    #[tokio::test]
    async fn an_invalid_parameter_without_a_field_names_none() {
        let (_, body) = body_of(Error::InvalidParameter {
            field: None,
            message: "bad request".into(),
        })
        .await;
        assert!(body["error"].get("field").is_none(), "{body}");
    }

    #[tokio::test]
    async fn each_write_error_has_its_status_and_code() {
        for (error, status, code) in [
            (Error::Unauthorized("sign in".into()), 401, "unauthorized"),
            (Error::Forbidden("no".into()), 403, "forbidden"),
            (Error::Conflict("taken".into()), 409, "conflict"),
            (
                Error::PayloadTooLarge("big".into()),
                413,
                "payload_too_large",
            ),
            (
                Error::UnsupportedMediaType("json".into()),
                415,
                "unsupported_media_type",
            ),
            (
                Error::TooManyRequests("slow".into()),
                429,
                "too_many_requests",
            ),
        ] {
            let (actual, body) = body_of(error).await;
            assert_eq!(actual.as_u16(), status, "{body}");
            assert_eq!(body["error"]["code"], code);
            assert!(!body["error"]["message"].as_str().unwrap().is_empty());
        }
    }

    #[tokio::test]
    async fn unprocessable_is_a_422_naming_the_field() {
        let (status, body) = body_of(Error::unprocessable(
            "card_number",
            "The card number is not valid",
        ))
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["error"]["code"], "unprocessable");
        assert_eq!(body["error"]["field"], "card_number");
    }

    #[tokio::test]
    async fn an_upstream_answer_passes_through_unchanged() {
        let upstream = ErrorBody::for_field("out_of_stock", "quantity", "Only 2 left");
        let (status, body) = body_of(Error::Upstream {
            status: StatusCode::CONFLICT,
            body: upstream.clone(),
        })
        .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(body, serde_json::to_value(upstream).unwrap());
    }

    #[tokio::test]
    async fn internal_errors_do_not_leak_their_cause() {
        let (status, body) = body_of(Error::Internal(anyhow::anyhow!(
            "password=hunter2 in connection string"
        )))
        .await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!body.to_string().contains("hunter2"));
    }
}
