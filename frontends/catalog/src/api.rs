//! The catalog BFF, as typed calls. Components never build URLs: `catalog_api` spells them,
//! and `mfe_kit::http` picks up a request the shell may already have started.

use catalog_api::{ListingPage, ListingQuery, ProductDetail};
use mfe_kit::http::{get_json, take_ready, ApiError};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// One screen of the product listing.
pub async fn listing(query: &ListingQuery) -> Result<ListingPage, ApiError> {
    get_json(&catalog_api::listing_url(query)).await
}

/// Everything the product page shows.
pub async fn product(slug: &str) -> Result<ProductDetail, ApiError> {
    get_json(&catalog_api::product_url(slug)).await
}

/// The listing for `query` if it is already here (the shell asked for it while the page
/// loaded), so the first render can draw the cards at once.
pub fn ready_listing(query: &ListingQuery) -> Option<Result<ListingPage, ApiError>> {
    take_ready(&catalog_api::listing_url(query))
}

/// The product if it is already here (see [`ready_listing`]).
pub fn ready_product(slug: &str) -> Option<Result<ProductDetail, ApiError>> {
    take_ready(&catalog_api::product_url(slug))
}

/// For a page that fetches on mount: the answer that was already here when it was first
/// drawn (taken with `ready`, e.g. [`ready_listing`]) — `Some` on that first render only —
/// and a flag that is true until the page's fetch effect first runs, which then has nothing
/// to fetch: `if skip_first_fetch.replace(false) { return; }`.
#[hook]
pub fn use_first_answer<T: 'static>(
    ready: impl FnOnce() -> Option<Result<T, ApiError>>,
) -> (Option<Result<T, ApiError>>, Rc<RefCell<bool>>) {
    let answer = use_mut_ref(ready);
    let skip_first_fetch = use_mut_ref(|| answer.borrow().is_some());
    let first = answer.borrow_mut().take();
    (first, skip_first_fetch)
}

/// How the UI should answer a failed call: the shopper sees a sentence and a way forward,
/// never a status code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The catalog is down, slow or unreachable: worth trying again.
    Unavailable,
    /// The request itself was refused (a bad filter, an unknown category); the message
    /// says why, and trying again would not help.
    Rejected(String),
    /// There is no such thing (a product page for an unknown slug).
    Missing,
}

impl Failure {
    pub fn of(error: &ApiError) -> Self {
        if error.code() == Some("catalog_unavailable") {
            return Failure::Unavailable;
        }
        match error.status() {
            Some(404) => Failure::Missing,
            Some(status @ 400..=499) if status != 408 && status != 429 => {
                Failure::Rejected(error.message())
            }
            _ => Failure::Unavailable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use error_body::ErrorDetail;

    fn status(status: u16, code: &str, message: &str) -> ApiError {
        ApiError::Status {
            status,
            error: Some(ErrorDetail {
                code: code.into(),
                message: message.into(),
                field: None,
            }),
        }
    }

    #[test]
    fn an_unavailable_catalog_can_be_retried_whatever_its_status() {
        assert_eq!(
            Failure::of(&status(503, "catalog_unavailable", "down")),
            Failure::Unavailable
        );
        assert_eq!(
            Failure::of(&status(400, "catalog_unavailable", "down")),
            Failure::Unavailable
        );
        assert_eq!(Failure::of(&ApiError::Network), Failure::Unavailable);
        assert_eq!(Failure::of(&ApiError::Decode), Failure::Unavailable);
        assert_eq!(
            Failure::of(&ApiError::Status {
                status: 502,
                error: None
            }),
            Failure::Unavailable
        );
    }

    #[test]
    fn a_refused_query_shows_the_servers_message() {
        assert_eq!(
            Failure::of(&status(400, "invalid_parameter", "unknown category \"x\"")),
            Failure::Rejected("unknown category \"x\"".into())
        );
    }

    #[test]
    fn an_unknown_product_is_missing() {
        assert_eq!(
            Failure::of(&status(404, "not_found", "no such product")),
            Failure::Missing
        );
    }
}
