//! A payment card as a shopper types it, and its rules — the same words in the checkout
//! form, in cart-bff that checks it again, and in cart-service that charges it.
//!
//! Parse, don't validate: a [`Card`] is made only by [`Card::parse`], so a card number that
//! fails the Luhn check, an expiry in the past or a CVC of letters cannot reach the payment
//! provider. The number and the CVC never print themselves: their `Debug` shows the last
//! four digits and nothing, so no log line or panic message can carry them.

use error_body::FieldError;
use std::fmt;

/// The card the simulated payment provider always declines.
pub const DECLINED_TEST_CARD: &str = "4000 0000 0000 0002";
/// A card the simulated payment provider accepts.
pub const ACCEPTED_TEST_CARD: &str = "4242 4242 4242 4242";

/// Names of the card's fields: the checkout form's inputs and the `field` of every
/// [`FieldError`].
pub mod fields {
    pub const CARD_NUMBER: &str = "card_number";
    pub const CARD_EXPIRY: &str = "card_expiry";
    pub const CARD_CVC: &str = "card_cvc";
}

/// What the shopper reads when the expiry cannot be read.
pub const EXPIRY_UNREADABLE: &str = "Enter the expiry date as MM/YY.";

/// A card number: 12 to 19 digits that pass the Luhn check, kept as digits only.
#[derive(Clone, PartialEq, Eq)]
pub struct CardNumber(String);

impl CardNumber {
    /// The number typed with or without spaces and dashes between its digits; the error
    /// is the sentence for the shopper.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        if text.trim().is_empty() {
            return Err("Enter the card number.");
        }
        if !text
            .chars()
            .all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
        {
            return Err("Use only digits for the card number.");
        }
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        if !(12..=19).contains(&digits.len()) {
            return Err("A card number has 12 to 19 digits.");
        }
        if !luhn(&digits) {
            return Err("This card number is not valid. Please check it.");
        }
        Ok(Self(digits))
    }

    /// The digits, for the payment provider only.
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// The last four digits: all of the number that may be stored, shown or logged.
    pub fn last4(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }
}

impl fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CardNumber(…{})", self.last4())
    }
}

/// The Luhn checksum every card number carries, which catches a mistyped digit.
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

/// A card's expiry: month 1..=12 and a four-digit year. A card is good until the end of
/// its month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    pub month: u32,
    pub year: u32,
}

impl Expiry {
    /// From numbers, as a client sends them: `None` unless the month is 1..=12 and the
    /// year has four digits.
    pub fn new(month: u32, year: u32) -> Option<Self> {
        ((1..=12).contains(&month) && (1000..=9999).contains(&year)).then_some(Self { month, year })
    }

    /// As typed: `MM/YY` (also `MM/YYYY`, `MMYY`, spaces ignored).
    pub fn parse(text: &str) -> Option<Self> {
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
        Self::new(month, year)
    }

    /// Whether the card has expired by `today`, (year, month) — the caller's clock, so
    /// this works in wasm too.
    pub fn has_passed(self, today: (u32, u32)) -> bool {
        (self.year, self.month) < today
    }
}

/// The 3 or 4 digits on the back of the card.
#[derive(Clone, PartialEq, Eq)]
pub struct Cvc(String);

impl Cvc {
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let cvc = text.trim();
        if (3..=4).contains(&cvc.len()) && cvc.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(cvc.to_owned()))
        } else {
            Err("Enter the 3 or 4 digits on the back of the card.")
        }
    }

    /// The digits, for the payment provider only.
    pub fn digits(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Cvc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Cvc(***)")
    }
}

/// A card that can be charged: a valid number, an expiry not past, a CVC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub number: CardNumber,
    pub expiry: Expiry,
    pub cvc: Cvc,
}

impl Card {
    /// The card, or every field at fault with a sentence for the shopper, in form order.
    /// `expiry` is `None` when it could not be read; `today` is (year, month).
    pub fn parse(
        number: &str,
        expiry: Option<Expiry>,
        cvc: &str,
        today: (u32, u32),
    ) -> Result<Self, Vec<FieldError>> {
        let number = CardNumber::parse(number);
        let expiry = match expiry {
            None => Err(EXPIRY_UNREADABLE),
            Some(expiry) if expiry.has_passed(today) => Err("This card has expired."),
            Some(expiry) => Ok(expiry),
        };
        let cvc = Cvc::parse(cvc);
        match (number, expiry, cvc) {
            (Ok(number), Ok(expiry), Ok(cvc)) => Ok(Self {
                number,
                expiry,
                cvc,
            }),
            (number, expiry, cvc) => Err([
                (fields::CARD_NUMBER, number.err()),
                (fields::CARD_EXPIRY, expiry.err()),
                (fields::CARD_CVC, cvc.err()),
            ]
            .into_iter()
            .filter_map(|(field, message)| {
                Some(FieldError {
                    field: field.to_owned(),
                    message: message?.to_owned(),
                })
            })
            .collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields_of(result: Result<Card, Vec<FieldError>>) -> Vec<String> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.field)
            .collect()
    }

    #[test]
    fn both_test_cards_pass_and_a_typo_does_not() {
        assert!(CardNumber::parse(DECLINED_TEST_CARD).is_ok());
        assert!(CardNumber::parse(ACCEPTED_TEST_CARD).is_ok());
        assert!(CardNumber::parse("4242-4242-4242-4242").is_ok());
        assert!(CardNumber::parse("4242 4242 4242 4241").is_err());
        assert!(CardNumber::parse("4242-abcd").is_err());
        assert!(CardNumber::parse("42424242424").is_err());
        assert!(CardNumber::parse("42424242424242424242").is_err());
        assert!(CardNumber::parse("").is_err());
    }

    #[test]
    fn only_the_last_four_digits_ever_print() {
        let card =
            Card::parse(ACCEPTED_TEST_CARD, Expiry::new(12, 2030), "123", (2026, 12)).unwrap();
        let printed = format!("{card:?}");
        assert!(printed.contains("…4242"), "{printed}");
        assert!(!printed.contains("42424242"), "{printed}");
        assert!(!printed.contains("123"), "{printed}");
        assert_eq!(card.number.last4(), "4242");
        assert_eq!(card.number.digits(), "4242424242424242");
    }

    #[test]
    fn every_bad_field_is_named_in_form_order() {
        assert_eq!(
            fields_of(Card::parse("1234", None, "12a", (2026, 12))),
            ["card_number", "card_expiry", "card_cvc"]
        );
        assert_eq!(
            fields_of(Card::parse(
                ACCEPTED_TEST_CARD,
                Expiry::new(11, 2026),
                "123",
                (2026, 12)
            )),
            ["card_expiry"]
        );
    }

    #[test]
    fn the_card_is_good_until_the_end_of_its_month() {
        assert!(Card::parse(
            ACCEPTED_TEST_CARD,
            Expiry::new(12, 2026),
            "1234",
            (2026, 12)
        )
        .is_ok());
    }

    #[test]
    fn expiry_accepts_the_usual_spellings_and_nothing_else() {
        let dec_2030 = Expiry::new(12, 2030);
        assert!(dec_2030.is_some());
        assert_eq!(Expiry::parse("12/30"), dec_2030);
        assert_eq!(Expiry::parse("12 / 2030"), dec_2030);
        assert_eq!(Expiry::parse("1230"), dec_2030);
        assert_eq!(Expiry::parse("00/30"), None);
        assert_eq!(Expiry::parse("12/3"), None);
        assert_eq!(Expiry::new(13, 2030), None);
        assert_eq!(Expiry::new(12, 30), None);
    }
}
