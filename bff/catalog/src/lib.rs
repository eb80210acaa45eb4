//! catalog-bff: the catalog micro-frontend's own backend.
//!
//! It answers `/api/catalog/...` in the shapes of `catalog-api` — product cards with
//! formatted prices and stock badges, category facets, paging — by calling catalog-service
//! through a guarded client. When the service is down or slow it answers
//! 503 `catalog_unavailable` within its deadline instead of hanging.

pub mod configuration;
pub mod presenter;
pub mod routes;
pub mod startup;
