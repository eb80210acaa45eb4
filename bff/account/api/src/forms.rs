//! The sign-up, sign-in and profile forms and their rules (passwords after NIST SP
//! 800-63B: long enough, no composition rules; account-service also refuses common ones
//! and the email itself).

use crate::{AddressForm, FieldError, ProfileForm};
use serde::{Deserialize, Serialize};

/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 10;
/// Longest password accepted (hashing is deliberately slow; this bounds it).
pub const MAX_PASSWORD_LEN: usize = 128;
/// Longest name accepted.
pub const MAX_NAME_LEN: usize = 100;
/// Longest email accepted (RFC 5321 path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// Names of the forms' fields: the JSON keys and the `field` of every [`FieldError`].
pub mod fields {
    pub const NAME: &str = "name";
    pub const EMAIL: &str = "email";
    pub const PASSWORD: &str = "password";
}

/// `POST /api/account/sign-up`. Its `Debug` never shows the password.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignUpForm {
    pub name: String,
    pub email: String,
    pub password: String,
}

/// `POST /api/account/sign-in`. Its `Debug` never shows the password.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInForm {
    pub email: String,
    pub password: String,
}

// Written out rather than with a secrets crate: the MFE compiles these forms to wasm, where
// every dependency is bundle size.
impl std::fmt::Debug for SignUpForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignUpForm")
            .field("name", &self.name)
            .field("email", &self.email)
            .field("password", &REDACTED)
            .finish()
    }
}

impl std::fmt::Debug for SignInForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInForm")
            .field("email", &self.email)
            .field("password", &REDACTED)
            .finish()
    }
}

/// What a `Debug` shows in place of a password.
struct Redacted;

const REDACTED: Redacted = Redacted;

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[REDACTED]")
    }
}

fn problem(field: &str, message: &str) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message: message.to_owned(),
    }
}

/// The problem with a name, if any.
pub fn name_problem(name: &str) -> Option<FieldError> {
    let name = name.trim();
    if name.is_empty() {
        Some(problem(fields::NAME, "Enter your name."))
    } else if name.chars().count() > MAX_NAME_LEN {
        Some(problem(
            fields::NAME,
            &format!("Use at most {MAX_NAME_LEN} characters."),
        ))
    } else if name.chars().any(char::is_control) {
        Some(problem(
            fields::NAME,
            "Use letters, spaces and punctuation only.",
        ))
    } else {
        None
    }
}

/// The problem with an email address, if any: one `@`, something before it, a dot in the
/// domain, no spaces. (Whether mail arrives is not checked.)
pub fn email_problem(email: &str) -> Option<FieldError> {
    let email = email.trim();
    if email.is_empty() {
        return Some(problem(fields::EMAIL, "Enter your email address."));
    }
    if email.chars().count() > MAX_EMAIL_LEN {
        return Some(problem(
            fields::EMAIL,
            &format!("Use at most {MAX_EMAIL_LEN} characters."),
        ));
    }
    let plausible = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    };
    (!plausible).then(|| {
        problem(
            fields::EMAIL,
            "Enter an email address like name@example.com.",
        )
    })
}

/// The problem with a new password, if any (length only here; account-service also
/// refuses the email itself and common passwords).
pub fn password_problem(password: &str) -> Option<FieldError> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_LEN {
        Some(problem(
            fields::PASSWORD,
            &format!("Use at least {MIN_PASSWORD_LEN} characters."),
        ))
    } else if length > MAX_PASSWORD_LEN {
        Some(problem(
            fields::PASSWORD,
            &format!("Use at most {MAX_PASSWORD_LEN} characters."),
        ))
    } else {
        None
    }
}

impl SignUpForm {
    /// Every field that cannot be accepted, in form order.
    pub fn problems(&self) -> Vec<FieldError> {
        [
            name_problem(&self.name),
            email_problem(&self.email),
            password_problem(&self.password),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

impl SignInForm {
    /// Missing fields only: anything else is for the server to judge, with one answer
    /// for every wrong combination.
    pub fn problems(&self) -> Vec<FieldError> {
        let mut problems = Vec::new();
        if self.email.trim().is_empty() {
            problems.push(problem(fields::EMAIL, "Enter your email address."));
        }
        if self.password.is_empty() {
            problems.push(problem(fields::PASSWORD, "Enter your password."));
        }
        problems
    }
}

impl ProfileForm {
    pub fn problems(&self) -> Vec<FieldError> {
        name_problem(&self.name).into_iter().collect()
    }
}

impl AddressForm {
    pub fn problems(&self) -> Vec<FieldError> {
        self.address().problems()
    }
}

/// The first word of a name, for greetings ("Ada" for "Ada Lovelace").
pub fn first_name(name: &str) -> String {
    name.split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields_of(problems: Vec<FieldError>) -> Vec<String> {
        problems.into_iter().map(|p| p.field).collect()
    }

    #[test]
    fn a_good_sign_up_passes() {
        let form = SignUpForm {
            name: "Zoë Ångström".into(),
            email: "zoe@example.com".into(),
            password: "correct horse battery".into(),
        };
        assert!(form.problems().is_empty());
    }

    #[test]
    fn every_bad_sign_up_field_is_named() {
        let form = SignUpForm {
            name: "x".repeat(10_000),
            email: "not-an-email".into(),
            password: "short".into(),
        };
        assert_eq!(fields_of(form.problems()), ["name", "email", "password"]);
    }

    #[test]
    fn emails_are_checked_for_shape() {
        for good in ["a@b.co", " Ada@Example.COM ", "a.b+c@d.example"] {
            assert_eq!(email_problem(good), None, "{good}");
        }
        for bad in [
            "", "a", "a@b", "@b.co", "a@@b.co", "a b@c.de", "a@.b", "a@b.", "a\n@b.co",
        ] {
            assert!(email_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn passwords_count_characters() {
        assert!(password_problem("ü".repeat(10).as_str()).is_none());
        assert!(password_problem("ü".repeat(9).as_str()).is_some());
        assert!(password_problem(&"a".repeat(129)).is_some());
    }

    #[test]
    fn no_form_shows_its_password_in_debug() {
        let password = "correct horse battery";
        let sign_up = SignUpForm {
            name: "Ada".into(),
            email: "ada@example.com".into(),
            password: password.into(),
        };
        let sign_in = SignInForm {
            email: "ada@example.com".into(),
            password: password.into(),
        };
        for shown in [
            format!("{sign_up:?}"),
            format!("{sign_up:#?}"),
            format!("{sign_in:?}"),
            format!("{:?}", Some(&sign_in)),
        ] {
            assert!(!shown.contains(password), "{shown}");
            assert!(shown.contains("[REDACTED]"), "{shown}");
            assert!(shown.contains("ada@example.com"), "{shown}");
        }
    }

    #[test]
    fn first_names_are_the_first_word() {
        assert_eq!(first_name("  Ada  Lovelace"), "Ada");
        assert_eq!(first_name("Plato"), "Plato");
    }

    #[test]
    fn an_address_form_reads_flat() {
        let form: AddressForm = serde_json::from_str(
            r#"{"name":"A","address_line1":"B 1","postal_code":"1","city":"C","country":"DE","make_default":true}"#,
        )
        .unwrap();
        assert!(form.make_default);
        assert!(form.problems().is_empty());
    }
}
