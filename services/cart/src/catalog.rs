//! What cart-service asks catalog-service: offers (name, price, stock) while a cart is
//! filled or shown, and the stock reservation a checkout takes, commits or releases.
//!
//! Every reservation call is idempotent by the reservation's id (the order's id), so each
//! is sent with that id as its idempotency key and may be retried safely.

use catalog_service_api::{self as catalog, paths, Offer, OutOfStock, Reservation};
use platform::upstream::{HttpMethod, Rejection, Upstream, UpstreamConfig};
use platform::Error;
use std::collections::HashMap;
use std::time::Duration;

/// The `code` of every answer given while the catalog cannot be reached.
pub const UNAVAILABLE: &str = cart_service_api::codes::CATALOG_UNAVAILABLE;

/// catalog-service, as cart-service calls it.
pub struct Catalog {
    /// For changes to carts and for the checkout: the configured deadline.
    calls: Upstream,
    /// For showing a cart: a shorter deadline, since the cart can be shown without it.
    glances: Upstream,
    /// Offers lately asked for changes to carts.
    cache: OfferCache,
    /// The most one call for a checkout may take (less when its budget has less left).
    timeout: Duration,
}

/// Offers asked of the catalog, used again for a short while: an add to a cart then needs
/// no call to the catalog when its product was asked about a moment ago. Products the
/// catalog does not know are never kept, so they are asked about every time. Each replica
/// keeps its own: it is only a cache (the reservation at checkout is the authority).
struct OfferCache {
    /// `None` when the TTL is zero: nothing is kept.
    entries: Option<moka::sync::Cache<i64, Offer>>,
}

impl OfferCache {
    /// At most this many products are kept.
    const CAPACITY: u64 = 10_000;

    fn new(ttl: Duration) -> Self {
        Self {
            entries: (!ttl.is_zero()).then(|| {
                moka::sync::Cache::builder()
                    .max_capacity(Self::CAPACITY)
                    .time_to_live(ttl)
                    .build()
            }),
        }
    }

    /// The offers of all of `ids` if every one was asked within the TTL.
    fn fresh(&self, ids: &[i64]) -> Option<Offers> {
        let entries = self.entries.as_ref()?;
        ids.iter()
            .map(|id| entries.get(id).map(|offer| (*id, offer)))
            .collect()
    }

    fn remember(&self, offers: &Offers) {
        if let Some(entries) = &self.entries {
            for (id, offer) in offers {
                entries.insert(*id, offer.clone());
            }
        }
    }
}

/// The current offers of some products, by product id; unknown ids are missing.
pub type Offers = HashMap<i64, Offer>;

/// Why a reservation was not had.
#[derive(Debug)]
pub enum ReserveError {
    /// Some lines are short: nothing was reserved.
    OutOfStock(OutOfStock),
    /// The catalog refused it for another reason (a 4xx): nothing was reserved.
    Refused(Error),
    /// No clear answer (down, too slow, a 5xx): it may or may not have been reserved.
    Unavailable(Error),
}

/// Why a commit did not happen.
#[derive(Debug)]
pub enum CommitError {
    /// The catalog no longer holds the stock (the reservation expired or was released).
    Gone(Error),
    /// No clear answer: it may or may not have been committed.
    Unavailable(Error),
}

/// Why a release did not happen.
#[derive(Debug)]
pub enum ReleaseError {
    /// The reservation is committed: the stock is sold.
    Sold(Error),
    /// The catalog refused for another reason.
    Refused(Error),
    /// No clear answer.
    Unavailable(Error),
}

impl Catalog {
    pub fn new(base_url: &str, timeout: Duration, offer_cache: Duration) -> anyhow::Result<Self> {
        let upstream = |timeout| {
            Upstream::new(
                UpstreamConfig::new(base_url, timeout),
                UNAVAILABLE,
                "The catalog cannot be reached just now, so stock cannot be checked. \
                 Please try again in a moment.",
            )
        };
        Ok(Self {
            calls: upstream(timeout)?,
            glances: upstream(timeout.min(Duration::from_millis(800)))?,
            cache: OfferCache::new(offer_cache),
            timeout,
        })
    }

    /// The offers for `ids`, for a change to a cart: asked of the catalog unless all were
    /// asked within the offer cache's TTL; [`Error::Unavailable`] (503
    /// `catalog_unavailable`) when the catalog cannot be asked.
    #[tracing::instrument(skip(self))]
    pub async fn offers(&self, ids: &[i64]) -> Result<Offers, Error> {
        if let Some(offers) = self.cache.fresh(ids) {
            return Ok(offers);
        }
        let offers = Self::ask_offers(&self.calls, ids).await?;
        self.cache.remember(&offers);
        Ok(offers)
    }

    /// The offers for `ids` if the catalog answers quickly; `None` otherwise (the caller
    /// then shows what it remembers).
    #[tracing::instrument(skip(self))]
    pub async fn glance_at_offers(&self, ids: &[i64]) -> Option<Offers> {
        match Self::ask_offers(&self.glances, ids).await {
            Ok(offers) => Some(offers),
            Err(error) => {
                tracing::info!(%error, "showing remembered prices: the catalog did not answer");
                None
            }
        }
    }

    async fn ask_offers(upstream: &Upstream, ids: &[i64]) -> Result<Offers, Error> {
        if ids.is_empty() {
            return Ok(Offers::new());
        }
        let mut offers = Offers::new();
        for chunk in ids.chunks(catalog::MAX_OFFER_IDS) {
            let answer: Vec<Offer> = upstream.get_json(&paths::offers(chunk)).await?;
            offers.extend(answer.into_iter().map(|offer| (offer.product_id, offer)));
        }
        Ok(offers)
    }

    /// Reserves `request` under `id` (again, if it already is: the same answer), waiting
    /// at most `within` for the answer.
    #[tracing::instrument(skip(self, request))]
    pub async fn reserve(
        &self,
        id: &str,
        request: &catalog::ReservationRequest,
        within: Duration,
    ) -> Result<Reservation, ReserveError> {
        let answer = self
            .calls
            .call(HttpMethod::PUT, &paths::reservation(id))
            .timeout(within.min(self.timeout))
            .json(request)
            .map_err(ReserveError::Unavailable)?
            .idempotency_key(id)
            .send_or_rejection::<Reservation>()
            .await;
        match answer {
            Ok(Ok(reservation)) => Ok(reservation),
            Ok(Err(rejection)) => Err(match out_of_stock(&rejection) {
                Some(short) => ReserveError::OutOfStock(short),
                None => ReserveError::Refused(rejection.into_error()),
            }),
            Err(error) => Err(ReserveError::Unavailable(error)),
        }
    }

    /// Makes the reservation `id` permanent — its units are sold — waiting at most
    /// `within` for the answer.
    #[tracing::instrument(skip(self))]
    pub async fn commit(&self, id: &str, within: Duration) -> Result<(), CommitError> {
        let answer = self
            .calls
            .call(HttpMethod::POST, &paths::commit_reservation(id))
            .timeout(within.min(self.timeout))
            .idempotency_key(id)
            .send_or_rejection::<Reservation>()
            .await;
        match answer {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(rejection)) => Err(CommitError::Gone(rejection.into_error())),
            Err(error) => Err(CommitError::Unavailable(error)),
        }
    }

    /// Gives the units of reservation `id` back to stock. A reservation the catalog does
    /// not know (it was never made) has nothing to give back: that is a success too.
    #[tracing::instrument(skip(self))]
    pub async fn release(&self, id: &str) -> Result<(), ReleaseError> {
        let answer = self
            .calls
            .call(HttpMethod::POST, &paths::release_reservation(id))
            .idempotency_key(id)
            .send_or_rejection::<Reservation>()
            .await;
        match answer {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(rejection)) if rejection.status.as_u16() == 404 => Ok(()),
            Ok(Err(rejection)) if rejection.status.as_u16() == 409 => {
                Err(ReleaseError::Sold(rejection.into_error()))
            }
            Ok(Err(rejection)) => Err(ReleaseError::Refused(rejection.into_error())),
            Err(error) => Err(ReleaseError::Unavailable(error)),
        }
    }
}

/// The shortages of a `409 out_of_stock` answer.
fn out_of_stock(rejection: &Rejection) -> Option<OutOfStock> {
    if rejection.status.as_u16() != 409 {
        return None;
    }
    rejection
        .json::<OutOfStock>()
        .filter(|body| body.error.code == catalog::OUT_OF_STOCK)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(id: i64, available: i32) -> Offer {
        Offer {
            product_id: id,
            slug: format!("p{id}"),
            name: format!("Product {id}"),
            price_minor: 100,
            currency: "EUR".into(),
            available,
        }
    }

    fn offers(list: &[Offer]) -> Offers {
        list.iter().map(|o| (o.product_id, o.clone())).collect()
    }

    #[test]
    fn kept_offers_answer_within_the_ttl_only() {
        let cache = OfferCache::new(Duration::from_secs(60));
        cache.remember(&offers(&[offer(1, 5), offer(2, 3)]));
        assert_eq!(cache.fresh(&[1, 2]).map(|o| o[&1].available), Some(5));
        let short = OfferCache::new(Duration::from_millis(20));
        short.remember(&offers(&[offer(1, 5)]));
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(short.fresh(&[1]), None, "past its TTL");
    }

    #[test]
    fn one_unknown_id_means_asking_again() {
        let cache = OfferCache::new(Duration::from_secs(60));
        cache.remember(&offers(&[offer(1, 5)]));
        // 2 was never kept: the catalog may not know it, and must say so itself.
        assert_eq!(cache.fresh(&[1, 2]), None);
        cache.remember(&offers(&[offer(2, 1)]));
        assert!(cache.fresh(&[1, 2]).is_some());
    }

    #[test]
    fn a_zero_ttl_keeps_nothing() {
        let cache = OfferCache::new(Duration::ZERO);
        cache.remember(&offers(&[offer(1, 5)]));
        assert_eq!(cache.fresh(&[1]), None);
    }
}
