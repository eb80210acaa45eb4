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
    /// parameter at fault when there is one (an upstream's 400 may name none).
    #[error("{message}")]
    InvalidParameter {
        field: Option<String>,
        message: String,
    },
    /// The thing asked for does not exist (404 `not_found`).
    #[error("{0}")]
    NotFound(String),
    /// A service this server depends on is down or too slow (503). `code` says which,
    /// e.g. `catalog_unavailable`.
    #[error("{message}")]
    Unavailable { code: String, message: String },
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

    pub fn code(&self) -> &str {
        match self {
            Error::InvalidParameter { .. } => "invalid_parameter",
            Error::NotFound(_) => "not_found",
            Error::Unavailable { code, .. } => code,
            Error::Internal(_) => "internal",
        }
    }

    pub fn to_body(&self) -> ErrorBody {
        match self {
            Error::InvalidParameter { field, message } => ErrorBody {
                error: ErrorDetail {
                    code: self.code().to_owned(),
                    message: message.clone(),
                    field: field.clone(),
                },
            },
            Error::Internal(_) => ErrorBody::new(
                self.code(),
                "Something went wrong on our side. Please try again in a moment.",
            ),
            _ => ErrorBody::new(self.code(), self.to_string()),
        }
    }
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        match self {
            Error::InvalidParameter { .. } => StatusCode::BAD_REQUEST,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Error::Internal(cause) => tracing::error!(error = ?cause, "request failed"),
            Error::Unavailable { message, .. } => tracing::warn!(%message, "degraded answer"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        if let Error::Unavailable { .. } = self {
            // Tell clients (and nginx) that retrying soon is reasonable.
            response.insert_header(("Retry-After", "2"));
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
    async fn an_invalid_parameter_without_a_field_names_none() {
        let (_, body) = body_of(Error::InvalidParameter {
            field: None,
            message: "bad request".into(),
        })
        .await;
        assert!(body["error"].get("field").is_none(), "{body}");
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
