//! Shared plumbing for the storefront's servers (services and BFFs).
//!
//! Each server crate keeps its own `Application` (build, port, run) and its own routes;
//! this crate only holds what would otherwise be copied into every one of them.

pub mod config;
pub mod error;
pub mod server;
pub mod telemetry;
#[cfg(feature = "upstream")]
pub mod upstream;

pub use error::{Error, Result};
