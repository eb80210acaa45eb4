//! The one error shape of the storefront's HTTP APIs:
//! `{ "error": { "code": "...", "message": "...", "field": "..." } }`.
//!
//! Services, BFFs and micro-frontends all compile this crate, so a server and the UI that
//! reads its errors cannot disagree about the shape. `code` is stable and machine-readable
//! (`invalid_parameter`, `not_found`, `catalog_unavailable`, ...); `message` is written for
//! the shopper and may be shown as is; `field` names the offending input when there is one.

use serde::{Deserialize, Serialize};

/// The body of every non-2xx JSON answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong, for programs (`code`, `field`) and for people (`message`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ErrorBody {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error: ErrorDetail {
                code: code.into(),
                message: message.into(),
                field: None,
            },
        }
    }

    /// An error about one input parameter, which the UI can show next to that input.
    pub fn for_field(
        code: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let mut body = Self::new(code, message);
        body.error.field = Some(field.into());
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_to_the_documented_shape() {
        let body = ErrorBody::for_field("invalid_parameter", "page", "page must be 1 or more");
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": {"code": "invalid_parameter", "message": "page must be 1 or more", "field": "page"}})
        );
    }

    #[test]
    fn field_is_optional_when_reading() {
        let body: ErrorBody =
            serde_json::from_str(r#"{"error":{"code":"not_found","message":"No such product"}}"#)
                .unwrap();
        assert_eq!(body.error.field, None);
        assert_eq!(body.error.code, "not_found");
    }
}
