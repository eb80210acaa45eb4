//! What a user gives the service, checked at the edge: an [`Email`], a [`Name`] and a
//! [`NewPassword`] can only exist valid. Each refusal is a [`FieldError`] naming its field
//! with a message for the shopper — and never repeats a password.

use account_service_api::FieldError;
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashSet;
use std::sync::LazyLock;

/// The JSON keys of the user fields, also the `field` of their errors.
pub mod fields {
    pub const EMAIL: &str = "email";
    pub const NAME: &str = "name";
    pub const PASSWORD: &str = "password";
}

fn problem(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// An email address as the service keys accounts by it: trimmed, lower case.
pub fn normalise_email(text: &str) -> String {
    text.trim().to_lowercase()
}

/// A plausible email address, normalised ([`normalise_email`]). Only its shape is checked
/// (one `@`, something before it, a dotted domain, no spaces, at most
/// [`Email::MAX_LENGTH`] characters): whether it receives mail is not this service's
/// business.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX_LENGTH: usize = 254;

    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let email = normalise_email(text);
        if email.is_empty() {
            return Err(problem(fields::EMAIL, "Enter your email address."));
        }
        if email.chars().count() > Self::MAX_LENGTH {
            return Err(problem(
                fields::EMAIL,
                format!("Use at most {} characters.", Self::MAX_LENGTH),
            ));
        }
        let plausible = match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && domain.split('.').all(|label| !label.is_empty())
                    && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            }
            None => false,
        };
        if !plausible {
            return Err(problem(
                fields::EMAIL,
                "Enter an email address like name@example.com.",
            ));
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A person's name: trimmed, 1 to [`Name::MAX_LENGTH`] characters of any script, no
/// control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub const MAX_LENGTH: usize = 100;

    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let name = text.trim();
        if name.is_empty() {
            return Err(problem(fields::NAME, "Enter your name."));
        }
        if name.chars().count() > Self::MAX_LENGTH {
            return Err(problem(
                fields::NAME,
                format!("Use at most {} characters.", Self::MAX_LENGTH),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(problem(
                fields::NAME,
                "Use letters, spaces and punctuation only: no line breaks or tabs.",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// The name an identity token greets the user with: the first word of their name.
pub fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or(name)
}

/// The shipped list of common passwords (`common-passwords.txt`), lower case.
static COMMON_PASSWORDS: LazyLock<HashSet<String>> = LazyLock::new(|| {
    include_str!("common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_lowercase)
        .collect()
});

/// Whether `password` is on the shipped list of common passwords, in any case.
pub fn is_common_password(password: &str) -> bool {
    COMMON_PASSWORDS.contains(&password.to_lowercase())
}

/// A password acceptable for a new account, after NIST SP 800-63B: 10 to 128 characters
/// of anything (spaces and any script included, no composition rules, never trimmed),
/// neither the account's email address nor a common password. Its `Debug` never shows it.
pub struct NewPassword(SecretString);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

impl NewPassword {
    pub const MIN_LENGTH: usize = 10;
    pub const MAX_LENGTH: usize = 128;

    /// `password` for the account of `email` (as typed; compared normalised).
    pub fn parse(password: SecretString, email: &str) -> Result<Self, FieldError> {
        let text = password.expose_secret();
        let length = text.chars().count();
        if length < Self::MIN_LENGTH {
            return Err(problem(
                fields::PASSWORD,
                format!("Use at least {} characters.", Self::MIN_LENGTH),
            ));
        }
        if length > Self::MAX_LENGTH {
            return Err(problem(
                fields::PASSWORD,
                format!("Use at most {} characters.", Self::MAX_LENGTH),
            ));
        }
        let email = normalise_email(email);
        if !email.is_empty() && normalise_email(text) == email {
            return Err(problem(
                fields::PASSWORD,
                "Do not use your email address as your password.",
            ));
        }
        if is_common_password(text) {
            return Err(problem(
                fields::PASSWORD,
                "This password is one of the most common ones: choose one that is harder to guess.",
            ));
        }
        Ok(Self(password))
    }

    pub fn into_secret(self) -> SecretString {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised() {
        let email = Email::parse("  Ada.Lovelace@Example.ORG ").unwrap();
        assert_eq!(email.as_str(), "ada.lovelace@example.org");
    }

    #[test]
    fn malformed_emails_are_refused() {
        let long = format!("{}@example.org", "a".repeat(250));
        for text in [
            "",
            "   ",
            "ada",
            "@example.org",
            "ada@",
            "ada@example",
            "ada@@example.org",
            "ada@exa@mple.org",
            "ada@.example.org",
            "ada@example.org.",
            "ada@example..org",
            "ada love@example.org",
            "ada@exam\tple.org",
            long.as_str(),
        ] {
            let refused = Email::parse(text).unwrap_err();
            assert_eq!(refused.field, "email", "{text:?}");
        }
    }

    #[test]
    fn names_of_any_script_are_accepted_trimmed() {
        assert_eq!(Name::parse(" Zoë Ōkubo ").unwrap().as_str(), "Zoë Ōkubo");
        assert_eq!(Name::parse("李小龍").unwrap().as_str(), "李小龍");
        assert_eq!(
            Name::parse(&"é".repeat(100))
                .unwrap()
                .as_str()
                .chars()
                .count(),
            100
        );
    }

    #[test]
    fn empty_long_or_control_names_are_refused() {
        for text in ["", "  ", &"x".repeat(101), "Ada\nLovelace", "Ada\u{0}"] {
            assert_eq!(Name::parse(text).unwrap_err().field, "name", "{text:?}");
        }
    }

    #[test]
    fn the_first_name_is_the_first_word() {
        assert_eq!(first_name("Ada King Lovelace"), "Ada");
        assert_eq!(first_name("Cher"), "Cher");
    }

    fn password_problem(password: &str, email: &str) -> Option<String> {
        NewPassword::parse(password.into(), email)
            .err()
            .map(|problem| {
                assert_eq!(problem.field, "password");
                assert!(!problem.message.contains(password));
                problem.message
            })
    }

    #[test]
    fn passwords_need_ten_to_128_characters_and_nothing_else() {
        assert!(password_problem("short", "a@b.co").is_some());
        assert!(password_problem("ninechars", "a@b.co").is_some());
        // Characters, not bytes: ten of them pass even when they take more bytes.
        assert!(password_problem("ééééééééé", "a@b.co").is_some());
        assert_eq!(password_problem("éééééééééé", "a@b.co"), None);
        assert_eq!(password_problem("all lower case words", "a@b.co"), None);
        assert_eq!(password_problem(&"x".repeat(128), "a@b.co"), None);
        assert!(password_problem(&"x".repeat(129), "a@b.co").is_some());
    }

    #[test]
    fn the_email_is_no_password() {
        assert!(password_problem("Ada@Example.org", " ada@example.org").is_some());
        assert_eq!(
            password_problem("ada@example.org!", "ada@example.org"),
            None
        );
    }

    #[test]
    fn common_passwords_are_refused_in_any_case() {
        assert!(is_common_password("password123"));
        assert!(is_common_password("PassWord123"));
        assert!(is_common_password("qwertyuiop"));
        assert!(is_common_password("123456"));
        assert!(!is_common_password("copper leaf market"));
        assert!(password_problem("QWERTYUIOP", "a@b.co").is_some());
    }

    #[test]
    fn the_shipped_list_holds_hundreds_of_long_ones() {
        let long = COMMON_PASSWORDS
            .iter()
            .filter(|password| password.chars().count() >= NewPassword::MIN_LENGTH)
            .count();
        assert!(long >= 300, "{long}");
        assert!(COMMON_PASSWORDS.len() > long);
    }

    #[test]
    fn a_new_password_does_not_show_itself() {
        let password = NewPassword::parse("correct horse battery".into(), "a@b.co").unwrap();
        assert_eq!(format!("{password:?}"), "NewPassword(***)");
        assert!(!format!("{password:#?}").contains("horse"));
        assert_eq!(
            password.into_secret().expose_secret(),
            "correct horse battery"
        );
    }
}
