use super::carts::glance;
use super::{cart_id, no_such_cart};
use crate::carts::{self, Merge};
use crate::catalog::Offers;
use crate::startup::AppState;
use actix_web::{web, HttpResponse};
use cart_service_api::{is_valid_key, MergeCarts, Owner, MAX_QUANTITY};
use platform::database::DbResultExt;
use platform::{Error, Result};

/// `POST /carts/{id}/merge`: the guest cart `from` goes into the user's cart `{id}`; 200
/// with the user's cart. A `from` that is gone already (merged by an earlier call) leaves
/// the cart as it is: a retried or repeated merge adds nothing twice.
pub async fn merge(
    path: web::Path<String>,
    body: web::Json<MergeCarts>,
    state: web::Data<AppState>,
) -> Result<HttpResponse> {
    let cart_id = cart_id(&path)?;
    let MergeCarts { from, owner } = body.into_inner();
    if !is_valid_key(&from) {
        return Err(Error::unprocessable(
            "from",
            "The guest cart's id is 1 to 64 letters, digits, '-' or '_'.",
        ));
    }
    if from == cart_id {
        return Err(Error::unprocessable(
            "from",
            "A cart cannot be merged into itself.",
        ));
    }
    let target = carts::find(&state.db, cart_id)
        .await
        .or_db_error("looking up a cart")?
        .ok_or_else(no_such_cart)?;
    let Some(user_id) = target.user_id else {
        return Err(Error::unprocessable(
            "cart_id",
            "Only a user's cart takes in a guest cart.",
        ));
    };
    if owner != Owner::user(&user_id) {
        return Err(Error::unprocessable(
            "owner",
            "The owner must be the user whose cart this is (user:<id>).",
        ));
    }
    match carts::find(&state.db, &from)
        .await
        .or_db_error("looking up a cart")?
    {
        None => return Ok(HttpResponse::Ok().json(glance(&state, cart_id).await?)),
        // Another user's cart is never taken apart, whatever the caller says.
        Some(guest) if guest.user_id.is_some() => {
            return Err(Error::unprocessable(
                "from",
                "Only a guest cart can be merged.",
            ));
        }
        Some(_) => {}
    }
    // Asked before the transaction, as for an add: no lock is held while the catalog is
    // asked. Products the guest cart gains meanwhile were not asked about: those are
    // capped at MAX_QUANTITY only, as when the catalog cannot be asked at all.
    let mut asked: Vec<i64> = carts::lines(&state.db, cart_id)
        .await
        .or_db_error("loading a cart")?
        .into_iter()
        .chain(
            carts::lines(&state.db, &from)
                .await
                .or_db_error("loading a cart")?,
        )
        .map(|line| line.product_id)
        .collect();
    asked.sort_unstable();
    asked.dedup();
    let offers = match state.catalog.offers(&asked).await {
        Ok(offers) => Some(offers),
        // Signing in must not wait for the catalog: the lines go in up to MAX_QUANTITY,
        // the cart page warns about what is short, and checkout's reservation decides.
        Err(error) => {
            tracing::warn!(%error, "merging carts without the catalog's stock");
            None
        }
    };
    let limit = |product_id: i64| match &offers {
        Some(offers) if asked.binary_search(&product_id).is_ok() => offers
            .get(&product_id)
            .map_or(0, |offer| offer.available.clamp(0, MAX_QUANTITY)),
        _ => MAX_QUANTITY,
    };
    match carts::merge(&state.db, cart_id, &from, &owner, limit)
        .await
        .or_db_error("merging carts")?
    {
        Merge::Done | Merge::NoGuestCart => {}
        Merge::NoSuchCart => return Err(no_such_cart()),
    }
    match &offers {
        Some(offers) => super::lines::answer(&state, cart_id, offers).await,
        None => merged_unchecked(&state, cart_id).await,
    }
}

/// The merged cart with the remembered names and prices, the catalog being down.
async fn merged_unchecked(state: &AppState, cart_id: &str) -> Result<HttpResponse> {
    let lines = carts::lines(&state.db, cart_id)
        .await
        .or_db_error("loading a cart")?;
    Ok(HttpResponse::Ok().json(carts::view(cart_id, lines, None::<&Offers>)))
}
