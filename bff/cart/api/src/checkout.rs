//! The checkout form and its rules, checked by the form before sending and by cart-bff on
//! arrival, with the same field names and the same words.

use crate::FieldError;
use serde::{Deserialize, Serialize};

pub use postal_address::{country_name, PostalAddress, COUNTRIES, MAX_FIELD_LEN};

/// The card the simulated payment provider always declines.
pub const DECLINED_TEST_CARD: &str = "4000 0000 0000 0002";
/// A card the simulated payment provider accepts.
pub const ACCEPTED_TEST_CARD: &str = "4242 4242 4242 4242";

/// What the shopper typed, as typed. Field names are the JSON keys and the `field` of
/// every [`FieldError`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutForm {
    pub name: String,
    pub address_line1: String,
    #[serde(default)]
    pub address_line2: String,
    pub postal_code: String,
    pub city: String,
    /// A code from [`COUNTRIES`].
    pub country: String,
    pub card_number: String,
    /// `MM/YY`.
    pub card_expiry: String,
    pub card_cvc: String,
}

/// Names of the form's fields.
pub mod fields {
    pub use postal_address::fields::*;
    pub const CARD_NUMBER: &str = "card_number";
    pub const CARD_EXPIRY: &str = "card_expiry";
    pub const CARD_CVC: &str = "card_cvc";
}

/// A card expiry: month 1..=12 and a four-digit year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    pub month: u32,
    pub year: u32,
}

impl CheckoutForm {
    /// Every field that cannot be accepted, in form order, each with a message for the
    /// shopper. `today` is (year, month) — the caller's clock, so this works in wasm too.
    pub fn problems(&self, today: (u32, u32)) -> Vec<FieldError> {
        let mut problems = self.address().problems();
        let mut complain = |field: &str, message: &str| {
            problems.push(FieldError {
                field: field.to_owned(),
                message: message.to_owned(),
            })
        };
        if let Err(message) = card_number_digits(&self.card_number) {
            complain(fields::CARD_NUMBER, message);
        }
        match parse_expiry(&self.card_expiry) {
            None => complain(fields::CARD_EXPIRY, "Enter the expiry date as MM/YY."),
            Some(expiry) if (expiry.year, expiry.month) < today => {
                complain(fields::CARD_EXPIRY, "This card has expired.")
            }
            Some(_) => {}
        }
        let cvc = self.card_cvc.trim();
        if !(3..=4).contains(&cvc.len()) || !cvc.bytes().all(|b| b.is_ascii_digit()) {
            complain(
                fields::CARD_CVC,
                "Enter the 3 or 4 digits on the back of the card.",
            );
        }
        problems
    }

    /// The delivery address part of the form.
    pub fn address(&self) -> PostalAddress {
        PostalAddress {
            name: self.name.clone(),
            address_line1: self.address_line1.clone(),
            address_line2: self.address_line2.clone(),
            postal_code: self.postal_code.clone(),
            city: self.city.clone(),
            country: self.country.clone(),
        }
    }

    /// The expiry, when it parses.
    pub fn expiry(&self) -> Option<Expiry> {
        parse_expiry(&self.card_expiry)
    }
}

/// The digits of a card number (spaces and dashes allowed between them), if it is a
/// plausible card number: 12 to 19 digits passing the Luhn check.
pub fn card_number_digits(number: &str) -> Result<String, &'static str> {
    if number.trim().is_empty() {
        return Err("Enter the card number.");
    }
    if !number
        .chars()
        .all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
    {
        return Err("Use only digits for the card number.");
    }
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    if !(12..=19).contains(&digits.len()) {
        return Err("A card number has 12 to 19 digits.");
    }
    if !luhn(&digits) {
        return Err("This card number is not valid. Please check it.");
    }
    Ok(digits)
}

/// The Luhn checksum every card number carries.
pub fn luhn(digits: &str) -> bool {
    let mut sum = 0;
    for (i, b) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(b.wrapping_sub(b'0'));
        if d > 9 {
            return false;
        }
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !digits.is_empty() && sum % 10 == 0
}

/// `MM/YY` (also `MM/YYYY`, `MMYY`, spaces ignored).
pub fn parse_expiry(text: &str) -> Option<Expiry> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let (month, year) = match compact.split_once('/') {
        Some(parts) => parts,
        None if compact.len() == 4 => compact.split_at(2),
        None => return None,
    };
    if month.is_empty() || month.len() > 2 || !(year.len() == 2 || year.len() == 4) {
        return None;
    }
    let month: u32 = month.parse().ok()?;
    let year: u32 = year.parse().ok()?;
    let year = if year < 100 { 2000 + year } else { year };
    (1..=12).contains(&month).then_some(Expiry { month, year })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> CheckoutForm {
        CheckoutForm {
            name: "Ada Lovelace".into(),
            address_line1: "Hauptstraße 1".into(),
            address_line2: String::new(),
            postal_code: "10115".into(),
            city: "Berlin".into(),
            country: "DE".into(),
            card_number: ACCEPTED_TEST_CARD.into(),
            card_expiry: "12/30".into(),
            card_cvc: "123".into(),
        }
    }

    fn fields_at_fault(form: &CheckoutForm) -> Vec<String> {
        form.problems((2026, 11))
            .into_iter()
            .map(|p| p.field)
            .collect()
    }

    #[test]
    fn a_complete_form_has_no_problems() {
        assert!(fields_at_fault(&valid()).is_empty());
    }

    #[test]
    fn both_test_cards_pass_luhn_and_a_typo_does_not() {
        assert!(card_number_digits(DECLINED_TEST_CARD).is_ok());
        assert!(card_number_digits(ACCEPTED_TEST_CARD).is_ok());
        assert!(card_number_digits("4242 4242 4242 4241").is_err());
        assert!(card_number_digits("4242-abcd").is_err());
    }

    #[test]
    fn every_bad_field_is_named() {
        let form = CheckoutForm {
            name: " ".into(),
            country: "US".into(),
            card_number: "1234".into(),
            card_expiry: "13/30".into(),
            card_cvc: "12a".into(),
            ..valid()
        };
        assert_eq!(
            fields_at_fault(&form),
            ["name", "country", "card_number", "card_expiry", "card_cvc"]
        );
    }

    #[test]
    fn expiry_in_the_past_is_refused_and_this_month_is_fine() {
        let mut form = valid();
        form.card_expiry = "10/26".into();
        assert_eq!(fields_at_fault(&form), ["card_expiry"]);
        form.card_expiry = "11/26".into();
        assert!(fields_at_fault(&form).is_empty());
    }

    #[test]
    fn expiry_accepts_the_usual_spellings() {
        let dec_2030 = Some(Expiry {
            month: 12,
            year: 2030,
        });
        assert_eq!(parse_expiry("12/30"), dec_2030);
        assert_eq!(parse_expiry("12 / 2030"), dec_2030);
        assert_eq!(parse_expiry("1230"), dec_2030);
        assert_eq!(parse_expiry("00/30"), None);
        assert_eq!(parse_expiry("12/3"), None);
    }
}
