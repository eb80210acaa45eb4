//! The checkout form and its rules, checked by the form before sending and by cart-bff on
//! arrival, with the same field names and the same words.

use crate::FieldError;
use serde::{Deserialize, Serialize};

pub use payment_card::{Card, Expiry, ACCEPTED_TEST_CARD, DECLINED_TEST_CARD};
pub use postal_address::{country_name, PostalAddress, COUNTRIES, MAX_FIELD_LEN};

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
    pub use payment_card::fields::*;
    pub use postal_address::fields::*;
}

impl CheckoutForm {
    /// Every field that cannot be accepted, in form order, each with a message for the
    /// shopper. `today` is (year, month) — the caller's clock, so this works in wasm too.
    pub fn problems(&self, today: (u32, u32)) -> Vec<FieldError> {
        let mut problems = self.address().problems();
        if let Err(card) = self.card(today) {
            problems.extend(card);
        }
        problems
    }

    /// The card part of the form, parsed: what cart-bff sends on to be charged.
    pub fn card(&self, today: (u32, u32)) -> Result<Card, Vec<FieldError>> {
        Card::parse(
            &self.card_number,
            Expiry::parse(&self.card_expiry),
            &self.card_cvc,
            today,
        )
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
}
