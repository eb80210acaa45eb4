//! Who is shopping: a guest, whose cart (if any) the `cart_id` cookie names, or a
//! signed-in user, whose cart cart-service keeps under their user id.
//!
//! Every shopper's route takes a [`Shopper`], so no route can serve a cart or an order
//! by any other rule. The identity cookie is trusted exactly as far as
//! [`identity::Verifier`] trusts it — a missing, forged, altered or expired token is a
//! guest — and account-service is never asked: the token is checked here, with its public
//! key. A user's cart id is asked of cart-service once (`PUT /users/{id}/cart`) and kept
//! in memory ([`UserCarts`]), since it never changes.
//!
//! A shopper who signs in with a guest cart has it merged into their cart on the first
//! request that carries both cookies, and that answer clears the `cart_id` cookie
//! ([`forget_merged_guest_cart`]). When the merge fails because cart-service is down the
//! cookie stays and the next request merges; cart-service makes a second merge of the
//! same guest cart a no-op, so concurrent requests (two tabs) add its lines once. After
//! signing out the shopper is a guest again, with no cart: theirs is the user's now.

use crate::cart_cookie::{self, CartId};
use crate::startup::State;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use cart_service_api::{paths, Cart, CartRef, MergeCarts, Owner};
use identity::Identity;
use platform::upstream::HttpMethod;
use platform::{Error, Result};
use std::future::Future;
use std::pin::Pin;

/// The shopper a request comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shopper {
    /// Not signed in: the cart their cookie names, if they have one.
    Guest(Option<CartId>),
    /// Signed in (a valid identity token), with their cart.
    User { identity: Identity, cart: CartId },
}

impl Shopper {
    /// The shopper's cart; `None` for a guest who has none.
    pub fn cart(&self) -> Option<&CartId> {
        match self {
            Shopper::Guest(cart) => cart.as_ref(),
            Shopper::User { cart, .. } => Some(cart),
        }
    }

    /// Whose orders are the shopper's: the user's, or those of the guest's cart; `None`
    /// for a guest without a cart, who has none.
    pub fn owner(&self) -> Option<Owner> {
        match self {
            Shopper::Guest(cart) => cart.as_ref().map(|cart| Owner::guest(cart.as_str())),
            Shopper::User { identity, .. } => Some(Owner::user(&identity.user_id)),
        }
    }
}

impl FromRequest for Shopper {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self>>>>;

    /// Nothing is asked until the future is first polled: a handler's extractors before
    /// this one (the idempotency key, the body) refuse a bad request before any call.
    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move { identify(&request).await })
    }
}

impl Shopper {
    /// The shopper `request` comes from (what the extractor gives a route).
    pub async fn of(request: &HttpRequest) -> Result<Shopper> {
        identify(request).await
    }
}

async fn identify(request: &HttpRequest) -> Result<Shopper> {
    let state = request
        .app_data::<web::Data<State>>()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("cart-bff's state is not registered")))?;
    let guest_cart = cart_cookie::read(request);
    let Some(identity) = state.verifier.identify(request) else {
        return Ok(Shopper::Guest(guest_cart));
    };
    if !cart_service_api::is_valid_key(&identity.user_id) {
        // Signed by account-service, yet no id cart-service takes: never put it in a path.
        tracing::error!("an identity token names a user id that cannot be a cart key");
        return Ok(Shopper::Guest(guest_cart));
    }
    let cart = user_cart(state, &identity.user_id).await?;
    if let Some(guest_cart) = guest_cart {
        merge(state, request, &cart, &guest_cart, &identity.user_id).await;
    }
    Ok(Shopper::User { identity, cart })
}

/// The user's cart: remembered, or asked of cart-service (which makes it on first use).
async fn user_cart(state: &State, user_id: &str) -> Result<CartId> {
    if let Some(cart) = state.user_carts.get(user_id) {
        return Ok(cart);
    }
    let found: CartRef = state
        .cart
        .call(HttpMethod::PUT, &paths::user_cart(user_id))
        // One cart per user however often it is asked: safe to send again.
        .idempotency_key(user_id)
        .send()
        .await?;
    let cart = CartId::parse(&found.id).ok_or_else(|| {
        Error::Internal(anyhow::anyhow!(
            "cart-service gave a user a cart with an unusable id {:?}",
            found.id
        ))
    })?;
    state.user_carts.remember(user_id, &cart);
    Ok(cart)
}

/// Set on a request whose guest cart is merged: its answer forgets the cookie.
#[derive(Clone, Copy)]
struct GuestCartMerged;

/// Merges the guest cart into the user's cart, and marks the request so that its answer
/// forgets the guest cart's cookie — unless cart-service could not be asked, in which
/// case the cookie stays for the next request to try again.
async fn merge(state: &State, request: &HttpRequest, cart: &CartId, guest: &CartId, user_id: &str) {
    let body = MergeCarts {
        from: guest.as_str().to_owned(),
        owner: Owner::user(user_id),
    };
    let merged = match state
        .cart
        .call(HttpMethod::POST, &paths::merge(cart.as_str()))
        .json(&body)
    {
        // A guest cart merged once is gone, so a second merge adds nothing: safe to send
        // again.
        Ok(call) => call.idempotency_key(guest.as_str()).send::<Cart>().await,
        Err(error) => Err(error),
    };
    match merged {
        Ok(_) => {
            request.extensions_mut().insert(GuestCartMerged);
        }
        Err(Error::Upstream { status, .. }) if status == StatusCode::NOT_FOUND => {
            // The user's cart is not where it was remembered (its database was replaced):
            // ask again next time, and keep the guest cart until then.
            tracing::warn!("a user's remembered cart is unknown to cart-service");
            state.user_carts.forget(user_id);
        }
        Err(Error::Upstream { status, body }) if status.is_client_error() => {
            // Refused for good (the cookie names no guest cart): asking again would not
            // change that.
            tracing::warn!(code = %body.error.code, "cart-service refused to merge a guest cart; forgetting its cookie");
            request.extensions_mut().insert(GuestCartMerged);
        }
        Err(error) => {
            tracing::warn!(%error, "the guest cart could not be merged; the next request tries again");
        }
    }
}

/// Wraps the shopper's routes: the answer to a request whose guest cart was merged (see
/// [`Shopper`]) clears the `cart_id` cookie — whatever the route answered, an error too,
/// since the cart it named is gone either way.
pub async fn forget_merged_guest_cart(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let mut response = next.call(request).await?.map_into_boxed_body();
    let merged = response
        .request()
        .extensions()
        .get::<GuestCartMerged>()
        .is_some();
    if merged {
        let request = response.request().clone();
        cart_cookie::forget(response.response_mut(), &request);
    }
    Ok(response)
}

/// Users' cart ids, as cart-service gave them. A user's cart never changes (cart-service
/// makes one per user, however many replicas ask at once), so nothing expires; the least
/// used go when there are more than the capacity (each user then asks once more). Each
/// replica keeps its own: it is only a cache.
pub struct UserCarts {
    carts: moka::sync::Cache<String, CartId>,
}

impl Default for UserCarts {
    fn default() -> Self {
        Self::with_capacity(10_000)
    }
}

impl UserCarts {
    pub fn with_capacity(capacity: u64) -> Self {
        Self {
            carts: moka::sync::Cache::new(capacity),
        }
    }

    pub fn get(&self, user_id: &str) -> Option<CartId> {
        self.carts.get(user_id)
    }

    pub fn remember(&self, user_id: &str, cart: &CartId) {
        self.carts.insert(user_id.to_owned(), cart.clone());
    }

    pub fn forget(&self, user_id: &str) {
        self.carts.invalidate(user_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cart(id: &str) -> CartId {
        CartId::parse(id).unwrap()
    }

    #[test]
    fn remembered_carts_are_found_until_forgotten() {
        let carts = UserCarts::default();
        assert_eq!(carts.get("42"), None);
        carts.remember("42", &cart("c42"));
        assert_eq!(carts.get("42"), Some(cart("c42")));
        assert_eq!(carts.get("7"), None);
        carts.forget("42");
        assert_eq!(carts.get("42"), None);
    }

    #[test]
    fn the_memory_stays_within_its_capacity() {
        let carts = UserCarts::with_capacity(100);
        for user in 0..1_000 {
            carts.remember(&user.to_string(), &cart(&format!("c{user}")));
        }
        carts.carts.run_pending_tasks();
        assert!(
            carts.carts.entry_count() <= 100,
            "{}",
            carts.carts.entry_count()
        );
    }

    #[test]
    fn a_user_owns_their_orders_and_a_guest_those_of_their_cart() {
        let user = Shopper::User {
            identity: Identity {
                user_id: "42".into(),
                session: "s".into(),
                first_name: "Ada".into(),
                expires_at: 0,
            },
            cart: cart("c42"),
        };
        assert_eq!(user.owner(), Some(Owner::user("42")));
        assert_eq!(user.cart(), Some(&cart("c42")));
        let guest = Shopper::Guest(Some(cart("g1")));
        assert_eq!(guest.owner(), Some(Owner::guest("g1")));
        assert_eq!(Shopper::Guest(None).owner(), None);
        assert_eq!(Shopper::Guest(None).cart(), None);
    }
}
