use super::cart::cart_page;
use super::{private, unless_unknown};
use crate::cart_cookie::{self, CartId};
use crate::shopper::Shopper;
use crate::{presenter, startup::State};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use cart_api::{AddToCart, Added, SetQuantity, MAX_QUANTITY};
use cart_service_api::{paths, AddLine, Cart};
use platform::upstream::HttpMethod;
use platform::{Error, Result};

/// `POST /api/cart/items` — puts more of a product in the cart: the user's, or the guest's,
/// making a guest cart (and its cookie) first when the guest has none, or the one they
/// had is gone.
pub async fn add(
    request: HttpRequest,
    body: web::Json<AddToCart>,
    shopper: Shopper,
    state: web::Data<State>,
) -> Result<HttpResponse> {
    let AddToCart {
        product_id,
        quantity,
    } = body.into_inner();
    let line = AddLine {
        product_id,
        quantity: quantity_within(1, quantity)?,
    };
    let guest_cart = match shopper {
        Shopper::User { cart, .. } => {
            return added(&add_line(&state, &cart, &line).await?, product_id);
        }
        Shopper::Guest(cart) => cart,
    };
    if let Some(cart) = guest_cart {
        if let Some(changed) = unless_unknown(add_line(&state, &cart, &line).await)? {
            let mut response = added(&changed, product_id)?;
            // Each add keeps a cart in use for another 30 days.
            cart_cookie::set(&mut response, &request, &cart);
            return Ok(response);
        }
    }
    let created: Cart = state
        .cart
        .call(HttpMethod::POST, paths::CARTS)
        .send()
        .await?;
    let cart = CartId::parse(&created.id).ok_or_else(|| {
        Error::Internal(anyhow::anyhow!(
            "cart-service made a cart with an unusable id {:?}",
            created.id
        ))
    })?;
    // The cookie names the new cart even when this add is refused (sold out, say), so
    // the next try uses it instead of making another.
    let mut response = match add_line(&state, &cart, &line).await {
        Ok(changed) => added(&changed, product_id)?,
        Err(error) => error.error_response(),
    };
    cart_cookie::set(&mut response, &request, &cart);
    Ok(response)
}

async fn add_line(state: &State, cart: &CartId, line: &AddLine) -> Result<Cart> {
    state
        .cart
        .call(HttpMethod::POST, &paths::lines(cart.as_str()))
        .json(line)?
        .send()
        .await
}

/// The answer to an add: the new badge, and the line added to, to confirm.
fn added(cart: &Cart, product_id: i64) -> Result<HttpResponse> {
    let line = cart
        .lines
        .iter()
        .find(|line| line.product_id == product_id)
        .ok_or_else(|| {
            Error::Internal(anyhow::anyhow!(
                "cart-service added product {product_id} but its cart has no such line"
            ))
        })?;
    let added = Added {
        mini_cart: presenter::mini_cart(cart.item_count, cart.subtotal_minor, &cart.currency),
        product_name: line.name.clone(),
        quantity_in_cart: u32::try_from(line.quantity).unwrap_or_default(),
    };
    Ok(private(StatusCode::OK, &added))
}

/// `PUT /api/cart/items/{product_id}` — the line's new quantity; 0 removes it.
pub async fn set_quantity(
    product_id: web::Path<i64>,
    body: web::Json<SetQuantity>,
    shopper: Shopper,
    state: web::Data<State>,
) -> Result<HttpResponse> {
    let quantity = quantity_within(0, body.quantity)?;
    let Some(cart) = shopper.cart() else {
        return if quantity == 0 {
            Ok(cart_page(None))
        } else {
            Err(not_in_cart())
        };
    };
    let changed = state
        .cart
        .call(
            HttpMethod::PUT,
            &paths::line(cart.as_str(), product_id.into_inner()),
        )
        .json(&cart_service_api::SetQuantity { quantity })?
        .send::<Cart>()
        .await?;
    Ok(cart_page(Some(changed)))
}

/// `DELETE /api/cart/items/{product_id}` — removes the line. Removing what is not there
/// is done already: the answer is the cart as it is.
pub async fn remove(
    product_id: web::Path<i64>,
    shopper: Shopper,
    state: web::Data<State>,
) -> Result<HttpResponse> {
    let Some(cart) = shopper.cart() else {
        return Ok(cart_page(None));
    };
    let removed = state
        .cart
        .call(
            HttpMethod::DELETE,
            &paths::line(cart.as_str(), product_id.into_inner()),
        )
        .send::<Cart>()
        .await;
    match unless_unknown(removed)? {
        Some(changed) => Ok(cart_page(Some(changed))),
        // No such line, or no such cart: show whichever cart there is.
        None => {
            let current = state
                .cart
                .get_json::<Cart>(&paths::cart(cart.as_str()))
                .await;
            Ok(cart_page(unless_unknown(current)?))
        }
    }
}

/// `quantity` as the service takes it, when it is from `least` to [`MAX_QUANTITY`].
fn quantity_within(least: u32, quantity: u32) -> Result<i32> {
    if (least..=MAX_QUANTITY).contains(&quantity) {
        if let Ok(quantity) = i32::try_from(quantity) {
            return Ok(quantity);
        }
    }
    Err(Error::unprocessable(
        "quantity",
        format!("Choose a quantity from {least} to {MAX_QUANTITY}."),
    ))
}

fn not_in_cart() -> Error {
    Error::NotFound("This product is not in your cart.".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_are_bounded() {
        assert_eq!(quantity_within(1, 1).unwrap(), 1);
        assert_eq!(quantity_within(1, 99).unwrap(), 99);
        assert!(quantity_within(1, 0).is_err());
        assert_eq!(quantity_within(0, 0).unwrap(), 0);
        assert!(quantity_within(0, 100).is_err());
        assert!(quantity_within(0, u32::MAX).is_err());
    }
}
