//! Bodies that carry a password, read field by field.
//!
//! They are taken as any JSON (`web::Json<Value>`: the platform answers a body that is not
//! JSON, too large or of another type, and its messages never quote the body) and read
//! here, rather than deserialised straight into their type: serde's message for a value of
//! the wrong type quotes the value — a password sent as a number would come back in the
//! answer — and does not say which field it was. Here each missing or mistyped field is
//! named, and nothing that was sent is repeated.

use account_service_api::FieldError;
use platform::Error;
use serde_json::{Map, Value};

/// A JSON object body.
pub struct Form(Map<String, Value>);

impl Form {
    /// 400 when the body is not a JSON object.
    pub fn new(body: Value) -> Result<Self, Error> {
        match body {
            Value::Object(fields) => Ok(Self(fields)),
            _ => Err(Error::InvalidParameter {
                field: None,
                message: "The request body must be a JSON object.".into(),
            }),
        }
    }

    /// The text of `field`; when it is missing or not text, a problem naming it.
    pub fn text(&self, field: &str) -> Result<String, FieldError> {
        let problem = |message: &str| FieldError {
            field: field.to_owned(),
            message: message.to_owned(),
        };
        match self.0.get(field) {
            Some(Value::String(text)) => Ok(text.clone()),
            None | Some(Value::Null) => Err(problem("This is required.")),
            Some(_) => Err(problem("This must be text.")),
        }
    }
}

/// One 422 naming every field at fault among `checked`.
pub fn invalid_fields<const N: usize>(checked: [Option<FieldError>; N]) -> Error {
    Error::InvalidFields(checked.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn missing_and_mistyped_fields_are_named_without_their_values() {
        let form =
            Form::new(json!({"email": "a@b.co", "password": 123_456_789_012_u64, "name": null}))
                .unwrap();
        assert_eq!(form.text("email").unwrap(), "a@b.co");
        let mistyped = form.text("password").unwrap_err();
        assert_eq!(mistyped.field, "password");
        assert!(!mistyped.message.contains("123456789012"));
        assert_eq!(form.text("name").unwrap_err().field, "name");
        assert_eq!(form.text("other").unwrap_err().field, "other");
    }

    #[test]
    fn a_body_that_is_no_object_is_a_400() {
        for body in [json!("secret password"), json!([1, 2]), json!(12)] {
            let error = Form::new(body).err().unwrap();
            assert!(!error.to_string().contains("secret"));
            assert!(matches!(error, Error::InvalidParameter { .. }));
        }
    }
}
