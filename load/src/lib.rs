//! What `storefront-load` measures and checks, for `cargo xtask load` and `chaos` (and the
//! chaos test) to read: a run's [`Summary`], and [`reconcile`], which checks that the
//! cart's and the catalog's databases agree after a run.

pub mod reconcile;
pub mod summary;

pub use reconcile::{reconcile, Reconciliation};
pub use summary::{Acknowledged, Endpoint, Summary};
