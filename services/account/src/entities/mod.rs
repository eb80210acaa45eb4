//! The account database's tables, as sea-orm entities.

pub mod address;
pub mod session;
pub mod user;
