use super::{cart_id, no_such_cart};
use crate::carts;
use crate::entities::order;
use crate::ids::new_id;
use crate::orders::{self, failure_of, NewOrder, Recorded};
use crate::payment::card_problems;
use crate::saga::Outcome;
use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use cart_service_api::{
    codes, is_valid_key, last4, CheckoutFailed, CheckoutRequest, ErrorDetail, FieldError,
    IDEMPOTENCY_KEY,
};
use chrono::Datelike;
use platform::database::DbResultExt;
use platform::{Error, Result};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

/// How long a retried checkout waits for the first attempt, still under way, to end.
const REPLAY_WAIT: Duration = Duration::from_secs(10);
const REPLAY_POLL: Duration = Duration::from_millis(100);

/// `POST /carts/{id}/checkout` with an `Idempotency-Key`: places an order for the cart.
///
/// 201 with the placed order (200 when the same key is sent again); 202 with the order when
/// it is paid but the catalog has not confirmed it yet (it will be placed); a
/// [`CheckoutFailed`] body with 409 `out_of_stock`/`reservation_expired`,
/// 402 `payment_declined` or 503 `catalog_unavailable` otherwise — the same again for the
/// same key.
pub async fn checkout(
    request: HttpRequest,
    path: web::Path<String>,
    body: web::Json<CheckoutRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse> {
    let cart_id = cart_id(&path)?;
    let key = idempotency_key(&request)?;
    let checkout = body.into_inner();
    let problems = problems(&checkout);
    if !problems.is_empty() {
        return Err(Error::InvalidFields(problems));
    }
    let fingerprint = fingerprint(cart_id, &checkout);
    if let Some(order) = orders::by_key(&state.db, key)
        .await
        .or_db_error("looking up an idempotency key")?
    {
        return replay(&state, order, cart_id, &fingerprint).await;
    }
    if !carts::exists(&state.db, cart_id)
        .await
        .or_db_error("looking up a cart")?
    {
        return Err(no_such_cart());
    }
    let lines = carts::lines(&state.db, cart_id)
        .await
        .or_db_error("loading a cart")?;
    if lines.is_empty() {
        // A first attempt with this key may have placed the order (and emptied the cart)
        // since the key was looked up: then this is its retry.
        if let Some(order) = orders::by_key(&state.db, key)
            .await
            .or_db_error("looking up an idempotency key")?
        {
            return replay(&state, order, cart_id, &fingerprint).await;
        }
        return Err(Error::refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::CART_EMPTY,
            None,
            "Your cart is empty.",
        ));
    }
    let recorded = orders::record(
        &state.db,
        NewOrder {
            id: new_id(),
            owner: &checkout.owner,
            cart_id,
            idempotency_key: key,
            fingerprint: fingerprint.clone(),
            address: &checkout.shipping_address,
            card_last4: last4(&checkout.payment.number),
            lines: &lines,
        },
    )
    .await
    .or_db_error("recording an order")?;
    let order = match recorded {
        Recorded::Order(order) => *order,
        Recorded::KeyTaken => {
            let order = orders::by_key(&state.db, key)
                .await
                .or_db_error("looking up an idempotency key")?
                .ok_or_else(|| Error::Internal(anyhow::anyhow!("idempotency key vanished")))?;
            return replay(&state, order, cart_id, &fingerprint).await;
        }
        Recorded::CartBusy => {
            return Err(Error::Conflict(
                "This cart is being checked out already. Please wait a moment.".into(),
            ))
        }
    };
    tracing::info!(order_id = %order.id, "checkout started");
    let outcome = state.saga.run(order, &checkout.payment).await?;
    answer(&state, outcome.order().clone(), true).await
}

/// The answer a checkout gave, for the same key sent again: after the first attempt ends,
/// if it is still under way; 422 `idempotency_key_reused` when the key was used for
/// something else.
async fn replay(
    state: &AppState,
    order: order::Model,
    cart_id: &str,
    fingerprint: &str,
) -> Result<HttpResponse> {
    if order.cart_id != cart_id || order.request_fingerprint != fingerprint {
        return Err(Error::refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::IDEMPOTENCY_KEY_REUSED,
            Some(IDEMPOTENCY_KEY),
            "This Idempotency-Key was used for a different checkout. Use a new key for a \
             new checkout.",
        ));
    }
    let deadline = Instant::now() + REPLAY_WAIT;
    let mut order = order;
    while matches!(Outcome::of(order.clone()), Outcome::Unfinished(_)) && Instant::now() < deadline
    {
        tokio::time::sleep(REPLAY_POLL).await;
        order = orders::by_id(&state.db, &order.id)
            .await
            .or_db_error("loading an order")?
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("order vanished")))?;
    }
    answer(state, order, false).await
}

/// What a checkout answers for `order` as it stands.
async fn answer(state: &AppState, order: order::Model, first: bool) -> Result<HttpResponse> {
    match Outcome::of(order) {
        Outcome::Placed(order) => {
            let status = if first {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok(HttpResponse::build(status).json(with_lines(state, order).await?))
        }
        Outcome::Failed(order) => Ok(failed(&order)),
        Outcome::Unfinished(order) => {
            Ok(HttpResponse::Accepted().json(with_lines(state, order).await?))
        }
    }
}

async fn with_lines(state: &AppState, order: order::Model) -> Result<cart_service_api::Order> {
    let lines = orders::lines(&state.db, &order.id)
        .await
        .or_db_error("loading an order's lines")?;
    Ok(orders::to_api(order, lines))
}

/// The answer for an order that will not be placed.
fn failed(order: &order::Model) -> HttpResponse {
    let failure = failure_of(order).unwrap_or_else(|| orders::Failure {
        code: "checkout_failed".into(),
        message: "Your order could not be placed. Nothing was charged.".into(),
        shortages: Vec::new(),
    });
    let status = match failure.code.as_str() {
        codes::PAYMENT_DECLINED => StatusCode::PAYMENT_REQUIRED,
        codes::CATALOG_UNAVAILABLE => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::CONFLICT,
    };
    let mut response = HttpResponse::build(status);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.insert_header(("Retry-After", "2"));
    }
    response.json(CheckoutFailed {
        error: ErrorDetail {
            code: failure.code,
            message: failure.message,
            field: None,
            fields: Vec::new(),
        },
        order_id: order.id.clone(),
        shortages: failure.shortages,
    })
}

/// The `Idempotency-Key` header: 400 naming it when missing or not a valid key.
fn idempotency_key(request: &HttpRequest) -> Result<&str> {
    request
        .headers()
        .get(IDEMPOTENCY_KEY)
        .and_then(|value| value.to_str().ok())
        .filter(|key| is_valid_key(key))
        .ok_or_else(|| {
            Error::invalid(
                IDEMPOTENCY_KEY,
                "Send an Idempotency-Key header: 1 to 64 letters, digits, '-' or '_', new \
                 for each checkout and the same when retrying it.",
            )
        })
}

/// Longest address text accepted (the checkout form's limit).
const MAX_ADDRESS_LEN: usize = 100;

/// Every field of the request that cannot be accepted, named as the checkout form names
/// its inputs.
fn problems(checkout: &CheckoutRequest) -> Vec<FieldError> {
    let mut problems = Vec::new();
    let mut complain = |field: &str, message: String| {
        problems.push(FieldError {
            field: field.to_owned(),
            message,
        });
    };
    if !checkout.owner.is_valid() {
        complain(
            "owner",
            "The owner must be guest:<cart id> or user:<user id>.".into(),
        );
    }
    let address = &checkout.shipping_address;
    for (field, value, label, required) in [
        ("name", &address.name, "your name", true),
        (
            "address_line1",
            &address.line1,
            "the street and number",
            true,
        ),
        (
            "address_line2",
            &address.line2,
            "the second address line",
            false,
        ),
        ("postal_code", &address.postal_code, "the postal code", true),
        ("city", &address.city, "the town or city", true),
    ] {
        if required && value.trim().is_empty() {
            complain(field, format!("Enter {label}."));
        } else if value.chars().count() > MAX_ADDRESS_LEN {
            complain(
                field,
                format!("Use at most {MAX_ADDRESS_LEN} characters for {label}."),
            );
        }
    }
    let country = address.country.trim();
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        complain(
            "country",
            "Choose the country as its two-letter code, e.g. DE.".into(),
        );
    }
    let today = chrono::Utc::now();
    let today = (
        u32::try_from(today.year()).unwrap_or_default(),
        today.month(),
    );
    problems.extend(card_problems(&checkout.payment, today));
    problems
}

/// What a checkout asks for, as a hash: the same key must come with the same request.
/// Only what the order keeps counts (the card's last four digits and expiry, never its
/// number), so the hash reveals nothing about the card.
fn fingerprint(cart_id: &str, checkout: &CheckoutRequest) -> String {
    let address = &checkout.shipping_address;
    let card = &checkout.payment;
    let mut hash = Sha256::new();
    for part in [
        cart_id,
        address.name.trim(),
        address.line1.trim(),
        address.line2.trim(),
        address.postal_code.trim(),
        address.city.trim(),
        address.country.trim(),
        &last4(&card.number),
        &card.expiry_month.to_string(),
        &card.expiry_year.to_string(),
    ] {
        hash.update(part.as_bytes());
        // A separator that cannot be typed, so ("ab", "c") and ("a", "bc") differ.
        hash.update([0u8]);
    }
    hex::encode(hash.finalize())
}
