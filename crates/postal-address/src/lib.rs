//! A delivery address, as a shopper types it, and its rules — the same words in every form
//! that takes one (checkout, saved addresses) and in the BFFs that check them again.

use error_body::FieldError;
use serde::{Deserialize, Serialize};

/// Countries the shop delivers to: ISO 3166-1 alpha-2 code and name.
pub const COUNTRIES: [(&str, &str); 8] = [
    ("DE", "Germany"),
    ("AT", "Austria"),
    ("BE", "Belgium"),
    ("FR", "France"),
    ("IE", "Ireland"),
    ("IT", "Italy"),
    ("NL", "Netherlands"),
    ("ES", "Spain"),
];

/// Longest text accepted in an address field.
pub const MAX_FIELD_LEN: usize = 100;

/// Names of the address fields: the JSON keys and the `field` of every [`FieldError`].
pub mod fields {
    pub const NAME: &str = "name";
    pub const ADDRESS_LINE1: &str = "address_line1";
    pub const ADDRESS_LINE2: &str = "address_line2";
    pub const POSTAL_CODE: &str = "postal_code";
    pub const CITY: &str = "city";
    pub const COUNTRY: &str = "country";
}

/// An address as typed (not yet checked).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostalAddress {
    pub name: String,
    pub address_line1: String,
    #[serde(default)]
    pub address_line2: String,
    pub postal_code: String,
    pub city: String,
    /// A code from [`COUNTRIES`].
    pub country: String,
}

/// The country's name for a code from [`COUNTRIES`].
pub fn country_name(code: &str) -> Option<&'static str> {
    COUNTRIES
        .iter()
        .find(|(known, _)| *known == code)
        .map(|(_, name)| *name)
}

impl PostalAddress {
    /// Every field that cannot be accepted, in form order, each with a message for the
    /// shopper.
    pub fn problems(&self) -> Vec<FieldError> {
        let mut problems = Vec::new();
        let mut complain = |field: &str, message: &str| {
            problems.push(FieldError {
                field: field.to_owned(),
                message: message.to_owned(),
            })
        };
        for (field, value, label) in [
            (fields::NAME, &self.name, "your name"),
            (
                fields::ADDRESS_LINE1,
                &self.address_line1,
                "the street and number",
            ),
            (fields::POSTAL_CODE, &self.postal_code, "the postal code"),
            (fields::CITY, &self.city, "the town or city"),
        ] {
            if value.trim().is_empty() {
                complain(field, &format!("Enter {label}."));
            } else if value.chars().count() > MAX_FIELD_LEN {
                complain(field, &format!("Use at most {MAX_FIELD_LEN} characters."));
            }
        }
        if self.address_line2.chars().count() > MAX_FIELD_LEN {
            complain(
                fields::ADDRESS_LINE2,
                &format!("Use at most {MAX_FIELD_LEN} characters."),
            );
        }
        if !self.postal_code.trim().is_empty()
            && !self
                .postal_code
                .trim()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
        {
            complain(
                fields::POSTAL_CODE,
                "Use only letters, digits, spaces and dashes.",
            );
        }
        if country_name(&self.country).is_none() {
            complain(fields::COUNTRY, "Choose a country we deliver to.");
        }
        problems
    }

    /// The same address with surrounding spaces taken off every field.
    pub fn trimmed(&self) -> PostalAddress {
        PostalAddress {
            name: self.name.trim().to_owned(),
            address_line1: self.address_line1.trim().to_owned(),
            address_line2: self.address_line2.trim().to_owned(),
            postal_code: self.postal_code.trim().to_owned(),
            city: self.city.trim().to_owned(),
            country: self.country.trim().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> PostalAddress {
        PostalAddress {
            name: "Ada Lovelace".into(),
            address_line1: "Hauptstraße 1".into(),
            address_line2: String::new(),
            postal_code: "10115".into(),
            city: "Berlin".into(),
            country: "DE".into(),
        }
    }

    fn fields_of(address: &PostalAddress) -> Vec<String> {
        address.problems().into_iter().map(|p| p.field).collect()
    }

    #[test]
    fn a_complete_address_passes() {
        assert!(valid().problems().is_empty());
    }

    #[test]
    fn every_bad_field_is_named_in_form_order() {
        let address = PostalAddress {
            name: " ".into(),
            address_line1: "x".repeat(101),
            address_line2: "y".repeat(101),
            postal_code: "10<15".into(),
            city: String::new(),
            country: "US".into(),
        };
        assert_eq!(
            fields_of(&address),
            [
                "name",
                "address_line1",
                "city",
                "address_line2",
                "postal_code",
                "country"
            ]
        );
    }

    #[test]
    fn unicode_counts_characters_not_bytes() {
        let mut address = valid();
        address.city = "ü".repeat(100);
        assert!(address.problems().is_empty());
        address.city.push('ü');
        assert_eq!(fields_of(&address), ["city"]);
    }
}
