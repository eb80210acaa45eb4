use super::private;
use crate::shopper::Shopper;
use crate::{presenter, startup::State};
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use cart_api::{fields, CheckoutForm, ErrorBody, OrderState};
use cart_service_api::{codes, paths, Address, Card, CheckoutRequest, Order, Owner};
use chrono::Datelike;
use platform::upstream::HttpMethod;
use platform::{Error, Result};

/// The `Idempotency-Key` of a checkout: one order per key, however often it is sent.
/// Extracted before the body, so a request without one is refused before anything else.
pub struct IdempotencyKey(String);

impl FromRequest for IdempotencyKey {
    type Error = Error;
    type Future = std::future::Ready<Result<Self>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = request
            .headers()
            .get(cart_api::IDEMPOTENCY_KEY)
            .and_then(|value| value.to_str().ok())
            .filter(|key| cart_service_api::is_valid_key(key))
            .map(|key| IdempotencyKey(key.to_owned()))
            .ok_or_else(|| {
                Error::invalid(
                    cart_api::IDEMPOTENCY_KEY,
                    "Send an Idempotency-Key header: 1 to 64 letters, digits, '-' or '_'.",
                )
            });
        std::future::ready(key)
    }
}

/// `POST /api/cart/checkout` — places the order for the cart: 201 with the order when it
/// is placed, 202 when it is paid and still being finished. The form is checked with the
/// same rules the page uses; the service's refusals pass through (a declined card named
/// at the card number, for the form to show it there).
pub async fn checkout(
    key: IdempotencyKey,
    form: web::Json<CheckoutForm>,
    shopper: Shopper,
    state: web::Data<State>,
) -> Result<HttpResponse> {
    let form = form.into_inner();
    let problems = form.problems(this_month());
    if !problems.is_empty() {
        return Err(Error::InvalidFields(problems));
    }
    let (Some(cart), Some(owner)) = (shopper.cart(), shopper.owner()) else {
        return Ok(cart_empty());
    };
    let placed = state
        .cart
        .call(HttpMethod::POST, &paths::checkout(cart.as_str()))
        .json(&checkout_request(owner, &form)?)?
        .idempotency_key(key.0)
        // cart-service answers within its checkout budget: waiting less would answer a
        // checkout that will succeed as a failure.
        .timeout(cart_service_api::CHECKOUT_ANSWER_WITHIN)
        .send::<Order>()
        .await;
    match placed {
        Ok(order) => {
            let view = presenter::order_view(order);
            let status = match view.state {
                OrderState::Placed => StatusCode::CREATED,
                OrderState::Processing => StatusCode::ACCEPTED,
                // A replayed key of an order that ended badly: the order, as it is.
                OrderState::Failed => StatusCode::OK,
            };
            Ok(private(status, &view))
        }
        Err(Error::Upstream { status, mut body }) if status == StatusCode::PAYMENT_REQUIRED => {
            body.error.field = Some(fields::CARD_NUMBER.to_owned());
            Err(Error::Upstream { status, body })
        }
        // The guest's cart is gone: there is nothing to buy.
        Err(Error::Upstream { status, .. }) if status == StatusCode::NOT_FOUND => Ok(cart_empty()),
        Err(error) => Err(error),
    }
}

/// (year, month) now, for the card expiry rule.
fn this_month() -> (u32, u32) {
    let now = chrono::Utc::now();
    (u32::try_from(now.year()).unwrap_or_default(), now.month())
}

/// The answer cart-service gives for a checkout of an empty cart, for a shopper with none.
fn cart_empty() -> HttpResponse {
    HttpResponse::UnprocessableEntity()
        .json(ErrorBody::new(codes::CART_EMPTY, "Your cart is empty."))
}

/// The form (already checked) in the service's terms; the order belongs to `owner`, the
/// signed-in user or the guest cart.
fn checkout_request(owner: Owner, form: &CheckoutForm) -> Result<CheckoutRequest> {
    let card = form.card(this_month()).map_err(Error::InvalidFields)?;
    let address = form.address().trimmed();
    Ok(CheckoutRequest {
        owner,
        shipping_address: Address {
            name: address.name,
            line1: address.address_line1,
            line2: address.address_line2,
            postal_code: address.postal_code,
            city: address.city,
            country: address.country,
        },
        payment: Card {
            number: card.number.digits().to_owned(),
            expiry_month: card.expiry.month,
            expiry_year: card.expiry.year,
            cvc: card.cvc.digits().to_owned(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_reaches_the_service_as_digits_and_numbers() {
        let form = CheckoutForm {
            name: " Ada Lovelace ".into(),
            address_line1: "Hauptstraße 1".into(),
            address_line2: String::new(),
            postal_code: "10115".into(),
            city: "Berlin".into(),
            country: "DE".into(),
            card_number: "4242 4242-4242 4242".into(),
            card_expiry: "07 / 31".into(),
            card_cvc: " 123".into(),
        };
        let request = checkout_request(Owner::user("42"), &form).unwrap();
        assert_eq!(request.owner, Owner::user("42"));
        assert_eq!(request.shipping_address.name, "Ada Lovelace");
        assert_eq!(request.payment.number, "4242424242424242");
        assert_eq!(
            (request.payment.expiry_month, request.payment.expiry_year),
            (7, 2031)
        );
        assert_eq!(request.payment.cvc, "123");
    }
}
