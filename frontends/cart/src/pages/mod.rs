//! One file per screen.

pub mod cart;
pub mod checkout;
pub mod confirmation;
pub mod not_found;
