use super::carts::glance;
use super::{cart_id, no_such_cart};
use crate::carts::{self, LineChange};
use crate::catalog::Offers;
use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use cart_service_api::{codes, AddLine, SetQuantity, MAX_LINES, MAX_QUANTITY};
use catalog_service_api::Offer;
use platform::database::DbResultExt;
use platform::{Error, Result};

/// `POST /carts/{id}/lines`: adds units of a product; 200 with the cart.
pub async fn add(
    path: web::Path<String>,
    body: web::Json<AddLine>,
    state: web::Data<AppState>,
) -> Result<HttpResponse> {
    let cart_id = cart_id(&path)?;
    let AddLine {
        product_id,
        quantity,
    } = body.into_inner();
    if !(1..=MAX_QUANTITY).contains(&quantity) {
        return Err(Error::unprocessable(
            "quantity",
            format!("The quantity must be 1 to {MAX_QUANTITY}."),
        ));
    }
    let (offers, offer, in_cart) = offers_with(&state, cart_id, product_id).await?;
    if offer.available <= 0 {
        return Err(sold_out(&offer));
    }
    let limit = MAX_QUANTITY.min(offer.available);
    match carts::add_line(&state.db, cart_id, &offer, quantity, limit, in_cart)
        .await
        .or_db_error("adding to a cart")?
    {
        LineChange::Done | LineChange::NoSuchLine => {}
        LineChange::NoSuchCart => return Err(no_such_cart()),
        LineChange::TooManyLines => return Err(too_many_lines()),
        LineChange::OverLimit { in_cart } if limit == MAX_QUANTITY => {
            return Err(Error::unprocessable(
                "quantity",
                format!("A cart holds at most {MAX_QUANTITY} of one product; you have {in_cart}."),
            ));
        }
        LineChange::OverLimit { in_cart } => return Err(only_left(&offer, in_cart)),
    }
    answer(&state, cart_id, &offers).await
}

/// `PUT /carts/{id}/lines/{product_id}`: sets a line's quantity (0 removes it); 200 with
/// the cart.
pub async fn set_quantity(
    path: web::Path<(String, i64)>,
    body: web::Json<SetQuantity>,
    state: web::Data<AppState>,
) -> Result<HttpResponse> {
    let (cart_id, product_id) = path.into_inner();
    let cart_id = super::cart_id(&cart_id)?;
    let quantity = body.into_inner().quantity;
    if !(0..=MAX_QUANTITY).contains(&quantity) {
        return Err(Error::unprocessable(
            "quantity",
            format!("The quantity must be 0 (to remove it) to {MAX_QUANTITY}."),
        ));
    }
    if quantity == 0 {
        return remove_and_answer(&state, cart_id, product_id).await;
    }
    let (offers, offer, _) = offers_with(&state, cart_id, product_id).await?;
    match carts::set_quantity(&state.db, cart_id, &offer, quantity)
        .await
        .or_db_error("changing a cart line")?
    {
        LineChange::Done => answer(&state, cart_id, &offers).await,
        LineChange::NoSuchCart => Err(no_such_cart()),
        LineChange::NoSuchLine => Err(Error::NotFound(format!(
            "{} is not in this cart.",
            offer.name
        ))),
        LineChange::TooManyLines => Err(too_many_lines()),
        LineChange::OverLimit { .. } if offer.available <= 0 => Err(sold_out(&offer)),
        LineChange::OverLimit { .. } => Err(Error::Conflict(format!(
            "Only {} of {} left.",
            offer.available, offer.name
        ))),
    }
}

/// `DELETE /carts/{id}/lines/{product_id}`: takes the product out; 200 with the cart.
pub async fn remove(
    path: web::Path<(String, i64)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse> {
    let (cart_id, product_id) = path.into_inner();
    let cart_id = super::cart_id(&cart_id)?;
    remove_and_answer(&state, cart_id, product_id).await
}

async fn remove_and_answer(
    state: &AppState,
    cart_id: &str,
    product_id: i64,
) -> Result<HttpResponse> {
    match carts::remove_line(&state.db, cart_id, product_id)
        .await
        .or_db_error("removing a cart line")?
    {
        LineChange::NoSuchCart => Err(no_such_cart()),
        _ => Ok(HttpResponse::Ok().json(glance(state, cart_id).await?)),
    }
}

/// The catalog's offers for the cart's products and `product_id`, the offer of
/// `product_id`, and whether the cart held that product when it was read: 404 for an
/// unknown cart, 422 `unknown_product` for a product the catalog does not sell, 503
/// `catalog_unavailable` when it cannot be asked.
async fn offers_with(
    state: &AppState,
    cart_id: &str,
    product_id: i64,
) -> Result<(Offers, Offer, bool)> {
    let lines = carts::lines(&state.db, cart_id)
        .await
        .or_db_error("loading a cart")?;
    // A cart with lines exists; only an empty answer needs the second question.
    if lines.is_empty()
        && !carts::exists(&state.db, cart_id)
            .await
            .or_db_error("looking up a cart")?
    {
        return Err(no_such_cart());
    }
    let in_cart = lines.iter().any(|line| line.product_id == product_id);
    let mut ids: Vec<i64> = lines
        .iter()
        .map(|line| line.product_id)
        .filter(|id| *id != product_id)
        .collect();
    ids.push(product_id);
    let offers = if product_id > 0 {
        state.catalog.offers(&ids).await?
    } else {
        Offers::new()
    };
    let offer = offers.get(&product_id).cloned().ok_or_else(|| {
        Error::refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::UNKNOWN_PRODUCT,
            Some("product_id"),
            format!("The shop does not sell a product {product_id}."),
        )
    })?;
    Ok((offers, offer, in_cart))
}

/// 200 with the cart as it is now, checked with `offers`.
pub(super) async fn answer(
    state: &AppState,
    cart_id: &str,
    offers: &Offers,
) -> Result<HttpResponse> {
    let lines = carts::lines(&state.db, cart_id)
        .await
        .or_db_error("loading a cart")?;
    if let Err(error) = carts::remember_offers(&state.db, &lines, offers).await {
        tracing::warn!(%error, "could not remember the catalog's prices");
    }
    Ok(HttpResponse::Ok().json(carts::view(cart_id, lines, Some(offers))))
}

fn sold_out(offer: &Offer) -> Error {
    Error::refused(
        StatusCode::CONFLICT,
        codes::OUT_OF_STOCK,
        None,
        format!("Sorry — {} is sold out.", offer.name),
    )
}

fn only_left(offer: &Offer, in_cart: i32) -> Error {
    let message = if in_cart > 0 {
        format!(
            "You already have {in_cart} in your cart — only {} left.",
            offer.available
        )
    } else {
        format!("Only {} of {} left.", offer.available, offer.name)
    };
    Error::Conflict(message)
}

fn too_many_lines() -> Error {
    Error::unprocessable(
        "product_id",
        format!("A cart holds at most {MAX_LINES} different products."),
    )
}
