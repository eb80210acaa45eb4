use super::{cart_id, no_such_cart};
use crate::carts;
use crate::entities::order;
use crate::ids::new_id;
use crate::orders::{self, failure_of, NewOrder, Recorded};
use crate::saga::{Outcome, SagaError};
use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use cart_service_api::{
    codes, is_valid_key, CheckoutFailed, CheckoutRequest, ErrorDetail, FieldError, CHECKOUT_BUDGET,
    IDEMPOTENCY_KEY,
};
use chrono::Datelike;
use payment_card::{Card, Expiry};
use platform::database::DbResultExt;
use platform::{Error, Result};
use postal_address::PostalAddress;
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

/// How often a retried checkout looks whether the first attempt, still under way, ended.
const REPLAY_POLL: Duration = Duration::from_millis(100);

/// `POST /carts/{id}/checkout` with an `Idempotency-Key`: places an order for the cart.
///
/// Answers within [`CHECKOUT_BUDGET`]: 201 with the placed order (200 when the same key is
/// sent again); 202 with the order when it is not decided yet (paid and the catalog has
/// not confirmed the stock, or the provider has not said whether it charged — a recovery
/// pass finishes it); a [`CheckoutFailed`] body with 409
/// `out_of_stock`/`reservation_expired`/`interrupted`, 402 `payment_declined` or 503
/// `catalog_unavailable`/`payment_unavailable` otherwise — the same again for the same key.
pub async fn checkout(
    request: HttpRequest,
    path: web::Path<String>,
    body: web::Json<CheckoutRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse> {
    let deadline = Instant::now() + CHECKOUT_BUDGET;
    let cart_id = cart_id(&path)?;
    let key = idempotency_key(&request)?;
    let checkout = body.into_inner();
    let Parsed { address, card } = parse(&checkout)?;
    let fingerprint = fingerprint(cart_id, &address, &card);
    if let Some(order) = orders::by_key(&state.db, key)
        .await
        .or_db_error("looking up an idempotency key")?
    {
        return replay(&state, order, cart_id, &fingerprint, deadline).await;
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
            return replay(&state, order, cart_id, &fingerprint, deadline).await;
        }
        return Err(Error::refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::CART_EMPTY,
            None,
            "Your cart is empty.",
        ));
    }
    let lease = state.saga.new_lease();
    let recorded = orders::record(
        &state.db,
        NewOrder {
            id: new_id(),
            owner: &checkout.owner,
            cart_id,
            idempotency_key: key,
            fingerprint: fingerprint.clone(),
            address: &address,
            card_last4: card.number.last4().to_owned(),
            lines: &lines,
        },
        &lease,
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
            return replay(&state, order, cart_id, &fingerprint, deadline).await;
        }
        Recorded::CartBusy => {
            return Err(Error::Conflict(
                "This cart is being checked out already. Please wait a moment.".into(),
            ))
        }
    };
    tracing::info!(order_id = %order.id, "checkout started");
    let budget = deadline.saturating_duration_since(Instant::now());
    let outcome = state
        .saga
        .checkout(order, lease, &card, budget)
        .await
        .map_err(saga_error)?;
    answer(&state, outcome.order().clone(), true).await
}

/// What a saga that could not go on answers: never the shopper's fault — a degraded 503
/// while the cart database cannot be reached (the order waits for a recovery pass), our
/// failure (logged) otherwise.
fn saga_error(error: SagaError) -> Error {
    match error {
        SagaError::Database { doing, source } => platform::database::error_of(source, doing),
        other => Error::Internal(anyhow::Error::new(other).context("running a checkout")),
    }
}

/// The answer a checkout gave, for the same key sent again: after the first attempt ends,
/// if it is still under way (as long as the budget lasts; an attempt whose worker is gone
/// is finished here and now); 422 `idempotency_key_reused` when the key was used for
/// something else.
async fn replay(
    state: &AppState,
    order: order::Model,
    cart_id: &str,
    fingerprint: &str,
    deadline: Instant,
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
    let mut order = order;
    while !order.state.is_final() && Instant::now() + REPLAY_POLL < deadline {
        if orders::is_claimable(&order, state.saga.lease) {
            if let Some(outcome) = state
                .saga
                .recover(order.clone())
                .await
                .map_err(saga_error)?
            {
                order = outcome.order().clone();
                continue;
            }
        }
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
        codes::CATALOG_UNAVAILABLE | codes::PAYMENT_UNAVAILABLE => StatusCode::SERVICE_UNAVAILABLE,
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

/// A checkout request's address and card, parsed with the rules the checkout form and
/// cart-bff use (the shared `postal-address` and `payment-card` crates).
struct Parsed {
    address: PostalAddress,
    card: Card,
}

/// The request's address and card, or 400 naming every field that cannot be accepted.
fn parse(checkout: &CheckoutRequest) -> Result<Parsed> {
    let mut problems = Vec::new();
    if !checkout.owner.is_valid() {
        problems.push(FieldError {
            field: "owner".to_owned(),
            message: "The owner must be guest:<cart id> or user:<user id>.".to_owned(),
        });
    }
    let sent = &checkout.shipping_address;
    let address = PostalAddress {
        name: sent.name.clone(),
        address_line1: sent.line1.clone(),
        address_line2: sent.line2.clone(),
        postal_code: sent.postal_code.clone(),
        city: sent.city.clone(),
        country: sent.country.clone(),
    }
    .trimmed();
    problems.extend(address.problems());
    let payment = &checkout.payment;
    let today = chrono::Utc::now();
    let today = (
        u32::try_from(today.year()).unwrap_or_default(),
        today.month(),
    );
    let card = Card::parse(
        &payment.number,
        Expiry::new(payment.expiry_month, payment.expiry_year),
        &payment.cvc,
        today,
    )
    .map_err(|card| problems.extend(card));
    match card {
        Ok(card) if problems.is_empty() => Ok(Parsed { address, card }),
        _ => Err(Error::InvalidFields(problems)),
    }
}

/// What a checkout asks for, as a hash: the same key must come with the same request.
/// Only what the order keeps counts (the card's last four digits and expiry, never its
/// number), so the hash reveals nothing about the card.
fn fingerprint(cart_id: &str, address: &PostalAddress, card: &Card) -> String {
    let mut hash = Sha256::new();
    for part in [
        cart_id,
        &address.name,
        &address.address_line1,
        &address.address_line2,
        &address.postal_code,
        &address.city,
        &address.country,
        card.number.last4(),
        &card.expiry.month.to_string(),
        &card.expiry.year.to_string(),
    ] {
        hash.update(part.as_bytes());
        // A separator that cannot be typed, so ("ab", "c") and ("a", "bc") differ.
        hash.update([0u8]);
    }
    hex::encode(hash.finalize())
}
