//! The checkout form's state, apart from drawing it: what the shopper typed, what is wrong
//! with it, and the order attempt in flight with its idempotency key.
//!
//! One attempt = one key. Sending the same form again after an answer that leaves the
//! outcome open (no connection, a timeout, the cart unavailable) is the same attempt and
//! reuses its key, so the BFF places at most one order. A changed form, or an attempt that
//! was answered for sure (placed, refused, declined), starts a new one.
//!
//! A signed-in shopper may pick one of their saved addresses (the account's address picker,
//! nested in the form): it fills the address fields, which stay theirs to edit.

use cart_api::{fields, CheckoutForm, FieldError, OrderView, PostalAddress, COUNTRIES};
use mfe_kit::events::PickedAddress;
use mfe_kit::http::{ApiError, Failure};

/// A message that concerns the whole form, shown at the top.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormProblem {
    pub message: String,
    /// Whether the way forward is the cart page (something went out of stock).
    pub back_to_cart: bool,
}

/// One order attempt: the form as sent and the key it was sent with.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Attempt {
    form: CheckoutForm,
    key: String,
}

/// What to send: the form and its `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub form: CheckoutForm,
    pub key: String,
}

/// The checkout form's state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckoutModel {
    pub form: CheckoutForm,
    /// Every field at fault, in form order, with its message.
    pub errors: Vec<FieldError>,
    pub problem: Option<FormProblem>,
    /// Whether an attempt is waiting for its answer (the form cannot be sent meanwhile).
    pub sending: bool,
    /// Counts the times the form was refused, so the error summary takes the focus each
    /// time, even with the same messages.
    pub refusals: u32,
    /// Whether the last refusal came from the shop (the order was sent and not placed)
    /// rather than from the check before sending.
    pub not_placed: bool,
    attempt: Option<Attempt>,
    /// The address the last pick filled in, while it is the picked one.
    picked: Option<PostalAddress>,
}

impl CheckoutModel {
    /// Sets a field by its name (`cart_api::fields`); other names are ignored.
    pub fn set_field(&mut self, field: &str, value: String) {
        let form = &mut self.form;
        let slot = match field {
            fields::NAME => &mut form.name,
            fields::ADDRESS_LINE1 => &mut form.address_line1,
            fields::ADDRESS_LINE2 => &mut form.address_line2,
            fields::POSTAL_CODE => &mut form.postal_code,
            fields::CITY => &mut form.city,
            fields::COUNTRY => &mut form.country,
            fields::CARD_NUMBER => &mut form.card_number,
            fields::CARD_EXPIRY => &mut form.card_expiry,
            fields::CARD_CVC => &mut form.card_cvc,
            _ => return,
        };
        *slot = value;
    }

    /// The shopper picked one of their saved addresses: it fills the address fields. `None`
    /// (they will type a new one) empties them, unless they have been edited since the
    /// pick: what the shopper typed is never thrown away.
    pub fn pick(&mut self, address: Option<PickedAddress>) {
        let Some(address) = address else {
            if self.picked.take().as_ref() == Some(&self.form.address()) {
                self.set_address(PostalAddress::default());
            }
            return;
        };
        // A country the shop does not deliver to is for the shopper to choose again.
        let country = COUNTRIES
            .iter()
            .find(|(code, _)| code.eq_ignore_ascii_case(&address.country))
            .map_or_else(String::new, |(code, _)| (*code).to_owned());
        let filled = PostalAddress {
            name: address.name,
            address_line1: address.line1,
            address_line2: address.line2,
            postal_code: address.postal_code,
            city: address.city,
            country,
        };
        self.set_address(filled.clone());
        self.picked = Some(filled);
    }

    fn set_address(&mut self, address: PostalAddress) {
        let form = &mut self.form;
        form.name = address.name;
        form.address_line1 = address.address_line1;
        form.address_line2 = address.address_line2;
        form.postal_code = address.postal_code;
        form.city = address.city;
        form.country = address.country;
    }

    /// The message for `field`, if it is at fault.
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|error| error.field == field)
            .map(|error| error.message.as_str())
    }

    /// The shopper pressed "Place order" on `today` (year, month). Returns what to send,
    /// or `None`: an attempt is in flight already, or the form has problems (now shown).
    /// `new_key` is asked only when a new attempt starts.
    pub fn submit(
        &mut self,
        today: (u32, u32),
        new_key: impl FnOnce() -> String,
    ) -> Option<Submission> {
        if self.sending {
            return None;
        }
        self.problem = None;
        self.not_placed = false;
        self.errors = self.form.problems(today);
        if !self.errors.is_empty() {
            self.refusals += 1;
            return None;
        }
        let key = match &self.attempt {
            Some(attempt) if attempt.form == self.form => attempt.key.clone(),
            _ => new_key(),
        };
        self.attempt = Some(Attempt {
            form: self.form.clone(),
            key: key.clone(),
        });
        self.sending = true;
        Some(Submission {
            form: self.form.clone(),
            key,
        })
    }

    /// The answer to the attempt in flight. Returns the order when it was placed.
    pub fn answered(&mut self, answer: Result<OrderView, ApiError>) -> Option<OrderView> {
        self.sending = false;
        let error = match answer {
            Ok(order) => {
                self.attempt = None;
                return Some(order);
            }
            Err(error) => error,
        };
        self.refusals += 1;
        self.not_placed = true;
        if Failure::of(&error) == Failure::Unavailable {
            // The order may or may not have been placed: sending the same form again is
            // the same attempt, with the same key.
            self.problem = Some(FormProblem {
                message: "We couldn't confirm your order. Please try again: the same order is never placed or charged twice.".to_owned(),
                back_to_cart: false,
            });
            return None;
        }
        self.attempt = None;
        let detail = match &error {
            ApiError::Status {
                error: Some(detail),
                ..
            } => Some(detail),
            _ => None,
        };
        let mut named: Vec<FieldError> = detail.map(|d| d.fields.clone()).unwrap_or_default();
        if named.is_empty() {
            if let Some(field) = detail.and_then(|d| d.field.clone()) {
                named.push(FieldError {
                    field,
                    message: error.message(),
                });
            }
        }
        match error.status() {
            Some(402) => {
                // A declined card: everything else the shopper typed stays.
                self.form.card_number.clear();
                self.errors = vec![FieldError {
                    field: fields::CARD_NUMBER.to_owned(),
                    message: error.message(),
                }];
            }
            Some(409) => {
                self.problem = Some(FormProblem {
                    message: error.message(),
                    back_to_cart: true,
                })
            }
            _ if !named.is_empty() => self.errors = named,
            _ => {
                self.problem = Some(FormProblem {
                    message: error.message(),
                    back_to_cart: false,
                })
            }
        }
        None
    }
}

/// A random key in the shape of a version 4 UUID, from 16 random bytes.
pub fn uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut key = String::with_capacity(36);
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            key.push('-');
        }
        for nibble in [byte >> 4, byte & 0x0f] {
            key.push(char::from(b"0123456789abcdef"[usize::from(nibble)]));
        }
    }
    key
}

/// A new idempotency key from the browser's random source (`crypto.getRandomValues`,
/// which, unlike `randomUUID`, also works on plain http).
pub fn new_idempotency_key() -> String {
    let mut bytes = [0_u8; 16];
    let filled = web_sys::window()
        .and_then(|window| window.crypto().ok())
        .is_some_and(|crypto| crypto.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        for byte in &mut bytes {
            *byte = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    uuid_v4(bytes)
}

/// This month, by the shopper's clock: (year, month 1..=12).
pub fn this_month() -> (u32, u32) {
    let now = js_sys::Date::new_0();
    (now.get_full_year(), now.get_month() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cart_api::{ErrorDetail, OrderState, ACCEPTED_TEST_CARD, DECLINED_TEST_CARD};

    const TODAY: (u32, u32) = (2026, 11);

    fn filled() -> CheckoutModel {
        let mut model = CheckoutModel::default();
        for (field, value) in [
            (fields::NAME, "Ada Lovelace"),
            (fields::ADDRESS_LINE1, "Hauptstraße 1"),
            (fields::POSTAL_CODE, "10115"),
            (fields::CITY, "Berlin"),
            (fields::COUNTRY, "DE"),
            (fields::CARD_NUMBER, ACCEPTED_TEST_CARD),
            (fields::CARD_EXPIRY, "12/30"),
            (fields::CARD_CVC, "123"),
        ] {
            model.set_field(field, value.to_owned());
        }
        model
    }

    fn keys(names: &[&str]) -> impl FnMut() -> String {
        let mut names: Vec<String> = names.iter().rev().map(|n| (*n).to_owned()).collect();
        move || names.pop().unwrap_or_else(|| "too-many-keys".to_owned())
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

    fn order() -> OrderView {
        OrderView {
            id: "o-1".into(),
            number: "7F3A21C0".into(),
            state: OrderState::Placed,
            status_label: "Placed".into(),
            failure: None,
            lines: Vec::new(),
            item_count: 1,
            subtotal: "€5.00".into(),
            shipping: "Free".into(),
            total: "€5.00".into(),
            shipping_address: Vec::new(),
            payment: "Card ending 4242".into(),
        }
    }

    #[test]
    fn a_form_with_problems_is_not_sent_and_names_each_field() {
        let mut model = CheckoutModel::default();
        model.set_field(fields::NAME, "Ada".into());

        let sent = model.submit(TODAY, keys(&["k1"]));

        assert_eq!(sent, None);
        assert!(!model.sending);
        assert!(!model.not_placed);
        assert_eq!(model.error(fields::NAME), None);
        assert_eq!(model.error(fields::CITY), Some("Enter the town or city."));
        assert_eq!(model.refusals, 1);
    }

    #[test]
    fn a_complete_form_is_sent_once_while_its_answer_is_awaited() {
        let mut model = filled();
        let mut key = keys(&["k1", "k2"]);

        let first = model.submit(TODAY, &mut key);
        let second = model.submit(TODAY, &mut key);

        assert_eq!(first.map(|s| s.key), Some("k1".to_owned()));
        assert_eq!(second, None);
        assert!(model.sending);
    }

    #[test]
    fn retrying_after_no_answer_reuses_the_attempts_key() {
        let mut model = filled();
        let mut key = keys(&["k1", "k2"]);
        let _ = model.submit(TODAY, &mut key);

        assert_eq!(model.answered(Err(ApiError::Network)), None);
        assert!(model.problem.is_some());
        let retry = model.submit(TODAY, &mut key);

        assert_eq!(retry.map(|s| s.key), Some("k1".to_owned()));
    }

    #[test]
    fn a_changed_form_is_a_new_attempt_with_a_new_key() {
        let mut model = filled();
        let mut key = keys(&["k1", "k2"]);
        let _ = model.submit(TODAY, &mut key);
        let _ = model.answered(Err(refusal(503, "cart_unavailable", "down", Vec::new())));

        model.set_field(fields::CITY, "Hamburg".into());
        let retry = model.submit(TODAY, &mut key);

        assert_eq!(retry.map(|s| s.key), Some("k2".to_owned()));
    }

    #[test]
    fn a_declined_card_clears_only_the_card_number_and_says_why_there() {
        let mut model = filled();
        model.set_field(fields::CARD_NUMBER, DECLINED_TEST_CARD.into());
        let mut key = keys(&["k1", "k2"]);
        let _ = model.submit(TODAY, &mut key);

        let placed = model.answered(Err(refusal(
            402,
            "payment_declined",
            "Your card was declined.",
            vec![FieldError {
                field: fields::CARD_NUMBER.into(),
                message: "Your card was declined.".into(),
            }],
        )));

        assert_eq!(placed, None);
        assert!(model.not_placed);
        assert_eq!(model.form.card_number, "");
        assert_eq!(model.form.name, "Ada Lovelace");
        assert_eq!(model.form.card_expiry, "12/30");
        assert_eq!(model.form.card_cvc, "123");
        assert_eq!(
            model.error(fields::CARD_NUMBER),
            Some("Your card was declined.")
        );
        model.set_field(fields::CARD_NUMBER, ACCEPTED_TEST_CARD.into());
        assert_eq!(
            model.submit(TODAY, &mut key).map(|s| s.key),
            Some("k2".to_owned())
        );
    }

    #[test]
    fn the_bffs_field_errors_are_shown_at_their_fields() {
        let mut model = filled();
        let _ = model.submit(TODAY, keys(&["k1"]));

        let _ = model.answered(Err(refusal(
            422,
            "invalid_form",
            "Please correct the 2 fields marked.",
            vec![
                FieldError {
                    field: fields::POSTAL_CODE.into(),
                    message: "We don't deliver to this postal code.".into(),
                },
                FieldError {
                    field: fields::CITY.into(),
                    message: "Enter the town or city.".into(),
                },
            ],
        )));

        assert_eq!(
            model.error(fields::POSTAL_CODE),
            Some("We don't deliver to this postal code.")
        );
        assert_eq!(model.error(fields::CITY), Some("Enter the town or city."));
        assert_eq!(model.problem, None);
    }

    #[test]
    fn out_of_stock_leads_back_to_the_cart() {
        let mut model = filled();
        let _ = model.submit(TODAY, keys(&["k1"]));

        let _ = model.answered(Err(refusal(
            409,
            "out_of_stock",
            "Oak desk sold out meanwhile.",
            Vec::new(),
        )));

        assert_eq!(
            model.problem,
            Some(FormProblem {
                message: "Oak desk sold out meanwhile.".into(),
                back_to_cart: true,
            })
        );
    }

    #[test]
    fn a_placed_order_ends_the_attempt() {
        let mut model = filled();
        let mut key = keys(&["k1", "k2"]);
        let _ = model.submit(TODAY, &mut key);

        assert_eq!(
            model.answered(Ok(order())).map(|o| o.id),
            Some("o-1".into())
        );
        assert!(!model.sending);
        assert_eq!(
            model.submit(TODAY, &mut key).map(|s| s.key),
            Some("k2".to_owned())
        );
    }

    #[test]
    fn every_field_of_the_form_can_be_typed_into() {
        let names = [
            fields::NAME,
            fields::ADDRESS_LINE1,
            fields::ADDRESS_LINE2,
            fields::POSTAL_CODE,
            fields::CITY,
            fields::COUNTRY,
            fields::CARD_NUMBER,
            fields::CARD_EXPIRY,
            fields::CARD_CVC,
        ];
        let mut model = CheckoutModel::default();
        for (i, name) in names.into_iter().enumerate() {
            model.set_field(name, i.to_string());
        }
        let form = &model.form;
        let typed = [
            &form.name,
            &form.address_line1,
            &form.address_line2,
            &form.postal_code,
            &form.city,
            &form.country,
            &form.card_number,
            &form.card_expiry,
            &form.card_cvc,
        ];
        for (i, value) in typed.into_iter().enumerate() {
            assert_eq!(*value, i.to_string());
        }
    }

    fn saved(city: &str, country: &str) -> PickedAddress {
        PickedAddress {
            name: "Ada Lovelace".into(),
            line1: "Hauptstraße 1".into(),
            line2: "2nd floor".into(),
            postal_code: "10115".into(),
            city: city.into(),
            country: country.into(),
        }
    }

    #[test]
    fn a_picked_address_fills_the_address_fields_and_leaves_the_card() {
        let mut model = CheckoutModel::default();
        model.set_field(fields::CARD_NUMBER, ACCEPTED_TEST_CARD.into());

        model.pick(Some(saved("Berlin", "DE")));

        let form = &model.form;
        assert_eq!(form.name, "Ada Lovelace");
        assert_eq!(form.address_line1, "Hauptstraße 1");
        assert_eq!(form.address_line2, "2nd floor");
        assert_eq!(form.postal_code, "10115");
        assert_eq!(form.city, "Berlin");
        assert_eq!(form.country, "DE");
        assert_eq!(form.card_number, ACCEPTED_TEST_CARD);
    }

    #[test]
    fn a_picked_address_can_still_be_edited() {
        let mut model = CheckoutModel::default();
        model.pick(Some(saved("Berlin", "DE")));

        model.set_field(fields::CITY, "Potsdam".into());

        assert_eq!(model.form.city, "Potsdam");
        assert_eq!(model.form.name, "Ada Lovelace");
    }

    #[test]
    fn choosing_a_new_address_empties_an_untouched_pick() {
        let mut model = CheckoutModel::default();
        model.pick(Some(saved("Berlin", "DE")));

        model.pick(None);

        assert_eq!(model.form.address(), PostalAddress::default());
    }

    #[test]
    fn choosing_a_new_address_keeps_what_the_shopper_edited() {
        let mut model = CheckoutModel::default();
        model.pick(Some(saved("Berlin", "DE")));
        model.set_field(fields::ADDRESS_LINE2, "Hinterhaus".into());

        model.pick(None);

        assert_eq!(model.form.address_line2, "Hinterhaus");
        assert_eq!(model.form.city, "Berlin");
    }

    #[test]
    fn choosing_a_new_address_without_a_pick_keeps_a_typed_one() {
        let mut model = filled();

        model.pick(None);

        assert_eq!(model.form.city, "Berlin");
        assert_eq!(model.form.country, "DE");
    }

    #[test]
    fn a_second_pick_replaces_the_first_and_is_the_one_emptied() {
        let mut model = CheckoutModel::default();
        model.pick(Some(saved("Berlin", "DE")));
        model.pick(Some(saved("Paris", "fr")));

        assert_eq!(model.form.city, "Paris");
        assert_eq!(model.form.country, "FR");
        model.pick(None);
        assert_eq!(model.form.address(), PostalAddress::default());
    }

    #[test]
    fn a_picked_country_the_shop_does_not_deliver_to_is_left_to_choose() {
        let mut model = CheckoutModel::default();

        model.pick(Some(saved("Zürich", "CH")));

        assert_eq!(model.form.country, "");
        assert_eq!(model.form.city, "Zürich");
    }

    #[test]
    fn keys_have_the_shape_of_a_v4_uuid() {
        assert_eq!(uuid_v4([0; 16]), "00000000-0000-4000-8000-000000000000");
        assert_eq!(uuid_v4([0xff; 16]), "ffffffff-ffff-4fff-bfff-ffffffffffff");
    }
}
