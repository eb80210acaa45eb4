//! Places where a checkout can be stopped on purpose, so tests can crash or pause it
//! between any two steps. Built only with the `failpoints` feature (the `fail` crate):
//! cart-service's own tests enable it; release builds, `cargo xtask up` and the images
//! never do, and without it [`reached`] is an empty function.
//!
//! Each failpoint takes the `fail` crate's actions; `return(<what>)` does what the saga
//! cannot do by itself from inside an async step:
//!
//! | action | what happens at the failpoint |
//! |---|---|
//! | `return(exit)` | the process exits there (status 137, as if killed) |
//! | `return(pause)` | the checkout waits there until the failpoint is changed |
//! | `return(abandon)` | the saga stops there as a crash would, the process lives on |
//!
//! They are set with `FAILPOINTS="checkout::after_reserve=return(exit);…"` at start, and
//! changed while the process runs with `PUT /failpoints/{name}` (body: the actions) and
//! `DELETE /failpoints/{name}` — routes that exist only in a build with the feature.

use crate::saga::SagaError;

/// The order is recorded (`pending`); nothing reserved yet.
pub const AFTER_RECORD: &str = "checkout::after_record";
/// The stock is reserved (`reserved`); the order is not `charging` yet.
pub const AFTER_RESERVE: &str = "checkout::after_reserve";
/// The order says `charging`; the provider has not been asked yet.
pub const BEFORE_CHARGE: &str = "checkout::before_charge";
/// The provider charged; the order still says `charging`.
pub const AFTER_CHARGE: &str = "checkout::after_charge";
/// The order says `paid`; the reservation is not committed yet.
pub const AFTER_PAYMENT: &str = "checkout::after_payment";
/// The catalog committed the reservation; the order still says `paid`.
pub const AFTER_COMMIT: &str = "checkout::after_commit";
/// The order says `compensating`; nothing is undone yet.
pub const BEFORE_UNDO: &str = "checkout::before_undo";

/// Every failpoint, in saga order.
pub const ALL: [&str; 7] = [
    AFTER_RECORD,
    AFTER_RESERVE,
    BEFORE_CHARGE,
    AFTER_CHARGE,
    AFTER_PAYMENT,
    AFTER_COMMIT,
    BEFORE_UNDO,
];

/// Does what failpoint `name` is set to, if anything.
#[cfg(feature = "failpoints")]
pub async fn reached(name: &'static str) -> Result<(), SagaError> {
    loop {
        match action(name).as_deref() {
            None => return Ok(()),
            Some("exit") => {
                tracing::warn!(failpoint = name, "failpoint: exiting");
                std::process::exit(137);
            }
            Some("pause") => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            Some("abandon") => {
                tracing::warn!(failpoint = name, "failpoint: abandoning the checkout");
                return Err(SagaError::Abandoned(name));
            }
            Some(other) => {
                tracing::warn!(failpoint = name, action = other, "unknown failpoint action");
                return Ok(());
            }
        }
    }
}

/// The `return(...)` argument failpoint `name` is set to now (`""` for a bare `return`);
/// the fail crate's other actions (`sleep`, `panic`, ...) happen in here.
#[cfg(feature = "failpoints")]
fn action(name: &str) -> Option<String> {
    fail::fail_point!(name, |argument| Some(argument.unwrap_or_default()));
    None
}

#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub async fn reached(_name: &'static str) -> Result<(), SagaError> {
    Ok(())
}

/// Sets the failpoints `FAILPOINTS` names (`name=actions;name=actions`), as the fail
/// crate's own scenario would.
#[cfg(feature = "failpoints")]
pub fn configure_from_env() -> anyhow::Result<()> {
    let Ok(spec) = std::env::var("FAILPOINTS") else {
        return Ok(());
    };
    for entry in spec.split(';').filter(|entry| !entry.trim().is_empty()) {
        let (name, actions) = entry
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("FAILPOINTS entry {entry:?} is not name=actions"))?;
        fail::cfg(name.trim(), actions.trim())
            .map_err(|error| anyhow::anyhow!("{name}: {error}"))?;
        tracing::warn!(
            failpoint = name.trim(),
            actions = actions.trim(),
            "failpoint set"
        );
    }
    Ok(())
}

/// The routes that set failpoints while the process runs.
#[cfg(feature = "failpoints")]
pub mod routes {
    use actix_web::{web, HttpResponse};

    /// `PUT /failpoints/{name}` with the actions as the body.
    pub async fn set(name: web::Path<String>, actions: String) -> HttpResponse {
        match fail::cfg(name.as_str(), actions.trim()) {
            Ok(()) => HttpResponse::NoContent().finish(),
            Err(error) => HttpResponse::BadRequest()
                .json(cart_service_api::ErrorBody::new("invalid_parameter", error)),
        }
    }

    /// `DELETE /failpoints/{name}`
    pub async fn remove(name: web::Path<String>) -> HttpResponse {
        fail::remove(name.as_str());
        HttpResponse::NoContent().finish()
    }

    pub fn configure(config: &mut web::ServiceConfig) {
        config.route("/failpoints/{name}", web::put().to(set));
        config.route("/failpoints/{name}", web::delete().to(remove));
    }
}
