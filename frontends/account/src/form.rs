//! The state of one form, apart from drawing it: what the shopper typed, what is wrong with
//! it, and whether it is being sent. Every account form (sign-in, sign-up, name, address)
//! uses this one model; the typed form of the contract is built from it when sending, and
//! the contract's `problems()` are checked before.

use account_api::FieldError;
use mfe_kit::http::{ApiError, Failure};

/// A form's state. Values are kept by field name, as in the contract (`email`, `city`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    values: Vec<(&'static str, String)>,
    /// Every field at fault, in form order, with its message.
    pub errors: Vec<FieldError>,
    /// What went wrong with the form as a whole (the BFF is unavailable, too many attempts).
    pub problem: Option<String>,
    /// The code of the last refusal (`sign_up_refused`, ...).
    pub code: Option<String>,
    /// Whether it waits for an answer (it cannot be sent again meanwhile).
    pub sending: bool,
    /// Counts the refusals, so the error summary takes the focus each time, even with the
    /// same messages.
    pub refusals: u32,
}

impl Form {
    /// A form with these fields and first values.
    pub fn new(fields: &[(&'static str, &str)]) -> Self {
        Form {
            values: fields
                .iter()
                .map(|(name, value)| (*name, (*value).to_owned()))
                .collect(),
            ..Form::default()
        }
    }

    /// What the field holds (`""` for a field the form does not have).
    pub fn value(&self, field: &str) -> &str {
        self.values
            .iter()
            .find(|(name, _)| *name == field)
            .map_or("", |(_, value)| value.as_str())
    }

    /// The same, owned (for building the contract's form).
    pub fn take(&self, field: &str) -> String {
        self.value(field).to_owned()
    }

    /// Sets a field by its name; names the form does not have are ignored (events bubble
    /// from other controls, e.g. the password toggle).
    pub fn set(&mut self, field: &str, value: String) {
        if let Some((_, slot)) = self.values.iter_mut().find(|(name, _)| *name == field) {
            *slot = value;
        }
    }

    /// The message for `field`, if it is at fault.
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|error| error.field == field)
            .map(|error| error.message.as_str())
    }

    /// Whether the error summary has something to say.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.problem.is_some()
    }

    /// The shopper sent the form, which has `problems` by the contract's rules. Returns
    /// whether to send it: not while an answer is awaited, not with problems (now shown).
    pub fn submit(&mut self, problems: Vec<FieldError>) -> bool {
        if self.sending {
            return false;
        }
        self.problem = None;
        self.code = None;
        self.errors = problems;
        if !self.errors.is_empty() {
            self.refusals += 1;
            return false;
        }
        self.sending = true;
        true
    }

    /// The form was accepted.
    pub fn accepted(&mut self) {
        self.sending = false;
        self.errors.clear();
        self.problem = None;
        self.code = None;
    }

    /// The form was refused: each field the BFF names gets its message; anything else is
    /// said about the whole form (for an unavailable account, the sentence that says so).
    pub fn refused(&mut self, error: &ApiError) {
        self.sending = false;
        self.refusals += 1;
        self.code = error.code().map(str::to_owned);
        self.errors.clear();
        self.problem = None;
        let named = match (Failure::of(error), error) {
            (
                Failure::Rejected(_) | Failure::Missing,
                ApiError::Status {
                    error: Some(detail),
                    ..
                },
            ) => match (&detail.field, detail.fields.is_empty()) {
                (_, false) => detail.fields.clone(),
                (Some(field), true) => vec![FieldError {
                    field: field.clone(),
                    message: detail.message.clone(),
                }],
                (None, true) => Vec::new(),
            },
            _ => Vec::new(),
        };
        // A field this form does not show cannot hold its message: the summary does.
        if named.iter().all(|error| self.has_field(&error.field)) && !named.is_empty() {
            self.errors = named;
        } else {
            self.problem = Some(error.message());
        }
    }

    /// Says `message` about the whole form, as a refusal.
    pub fn refused_with(&mut self, message: &str) {
        self.sending = false;
        self.refusals += 1;
        self.errors.clear();
        self.problem = Some(message.to_owned());
    }

    fn has_field(&self, field: &str) -> bool {
        self.values.iter().any(|(name, _)| *name == field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use account_api::{codes, ErrorDetail, SignInForm};

    fn sign_in() -> Form {
        Form::new(&[("email", ""), ("password", "")])
    }

    fn refusal(status: u16, code: &str, message: &str, fields: Vec<FieldError>) -> ApiError {
        ApiError::Status {
            status,
            error: Some(ErrorDetail {
                code: code.into(),
                message: message.into(),
                field: fields.first().map(|f| f.field.clone()),
                fields,
            }),
        }
    }

    fn at(field: &str, message: &str) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }

    #[test]
    fn a_form_with_problems_is_not_sent_and_names_each_field() {
        let mut form = sign_in();
        form.set("email", "ada@example.com".into());
        let problems = SignInForm {
            email: form.take("email"),
            password: form.take("password"),
        }
        .problems();

        assert!(!form.submit(problems));
        assert_eq!(form.error("email"), None);
        assert_eq!(form.error("password"), Some("Enter your password."));
        assert_eq!(form.refusals, 1);
        assert!(!form.sending);
    }

    #[test]
    fn a_form_is_sent_once_while_its_answer_is_awaited() {
        let mut form = sign_in();
        assert!(form.submit(Vec::new()));
        assert!(!form.submit(Vec::new()));
        form.accepted();
        assert!(form.submit(Vec::new()));
    }

    #[test]
    fn unknown_fields_are_not_kept() {
        let mut form = sign_in();
        form.set("show-password", "on".into());
        assert_eq!(form.value("show-password"), "");
    }

    #[test]
    fn the_bffs_field_errors_are_shown_at_their_fields() {
        let mut form = Form::new(&[("name", ""), ("email", ""), ("password", "")]);
        assert!(form.submit(Vec::new()));

        form.refused(&refusal(
            422,
            "unprocessable",
            "This password is one of the most common ones.",
            vec![at(
                "password",
                "This password is one of the most common ones.",
            )],
        ));

        assert_eq!(
            form.error("password"),
            Some("This password is one of the most common ones.")
        );
        assert_eq!(form.code.as_deref(), Some("unprocessable"));
        assert_eq!(form.problem, None);
        assert!(!form.sending);
    }

    #[test]
    fn a_refused_sign_up_is_said_about_the_whole_form() {
        let mut form = Form::new(&[("name", ""), ("email", ""), ("password", "")]);
        assert!(form.submit(Vec::new()));

        form.refused(&refusal(
            409,
            codes::SIGN_UP_REFUSED,
            "We could not make an account with these details.",
            Vec::new(),
        ));

        assert_eq!(form.error("email"), None);
        assert_eq!(
            form.problem.as_deref(),
            Some("We could not make an account with these details.")
        );
        assert_eq!(form.code.as_deref(), Some(codes::SIGN_UP_REFUSED));
    }

    #[test]
    fn a_single_field_named_by_field_alone_is_shown_there() {
        let mut form = sign_in();
        let error = ApiError::Status {
            status: 422,
            error: Some(ErrorDetail {
                code: "invalid".into(),
                message: "Enter a real address.".into(),
                field: Some("email".into()),
                fields: Vec::new(),
            }),
        };
        form.refused(&error);
        assert_eq!(form.error("email"), Some("Enter a real address."));
    }

    #[test]
    fn too_many_attempts_and_an_unavailable_account_are_said_about_the_form() {
        let mut form = sign_in();
        form.refused(&refusal(
            429,
            codes::TOO_MANY_ATTEMPTS,
            "Too many attempts. Try again in 5 minutes.",
            Vec::new(),
        ));
        assert_eq!(
            form.problem.as_deref(),
            Some("Too many attempts. Try again in 5 minutes.")
        );

        form.refused(&ApiError::Network);
        assert!(form.problem.is_some());
        assert!(form.errors.is_empty());
        assert_eq!(form.refusals, 2);
    }

    #[test]
    fn a_field_the_form_does_not_show_goes_to_the_summary() {
        let mut form = sign_in();
        form.refused(&refusal(
            422,
            "invalid",
            "Something about a captcha.",
            vec![at("captcha", "Something about a captcha.")],
        ));
        assert_eq!(form.problem.as_deref(), Some("Something about a captcha."));
        assert!(form.errors.is_empty());
    }
}
