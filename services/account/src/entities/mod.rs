//! The account database's tables, as sea-orm entities.

pub mod address;
pub mod attempt;
pub mod attempt_lock;
pub mod session;
pub mod user;
