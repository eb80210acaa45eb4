//! Shared plumbing for the storefront's servers (services and BFFs).
//!
//! Each server crate keeps its own `Application` and its own routes; this crate holds what
//! would otherwise be copied into every one of them: the HTTP server set-up ([`server`]),
//! the JSON error type ([`Error`]), request ids ([`request_id`]), configuration from the
//! environment, logging, the `--health-check` probe of container images ([`health`]),
//! and — behind features — the database connection of a service (`database`) and the
//! guarded client a BFF calls its service with (`upstream`).

pub mod config;
pub mod cookie;
pub mod csrf;
#[cfg(feature = "database")]
pub mod database;
pub mod error;
pub mod fragment;
pub mod health;
pub mod live_build;
pub mod money;
pub mod request_id;
pub mod server;
pub mod telemetry;
#[cfg(feature = "upstream")]
pub mod upstream;

pub use error::{Error, Result};
