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
    /// Every input at fault, when a form has more than one (a 422 from a checkout names
    /// each invalid field, so the form can show each message next to its input). `field`
    /// is then the first of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// One invalid input of a form and what is wrong with it, for the shopper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl ErrorBody {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error: ErrorDetail {
                code: code.into(),
                message: message.into(),
                field: None,
                fields: Vec::new(),
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

    /// A 422-style answer naming every invalid input of a form.
    pub fn for_fields(code: impl Into<String>, fields: Vec<FieldError>) -> Self {
        let message = match fields.as_slice() {
            [] => "Some of the information given is not valid.".to_owned(),
            [only] => only.message.clone(),
            _ => format!("Please correct the {} fields marked.", fields.len()),
        };
        let mut body = Self::new(code, message);
        body.error.field = fields.first().map(|f| f.field.clone());
        body.error.fields = fields;
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
    fn every_invalid_field_is_named() {
        let body = ErrorBody::for_fields(
            "unprocessable",
            vec![
                FieldError {
                    field: "card_number".into(),
                    message: "Check the card number".into(),
                },
                FieldError {
                    field: "cvc".into(),
                    message: "Enter the 3 or 4 digits".into(),
                },
            ],
        );
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["error"]["field"], "card_number");
        assert_eq!(json["error"]["fields"][1]["field"], "cvc");
        assert_eq!(
            json["error"]["message"],
            "Please correct the 2 fields marked."
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
