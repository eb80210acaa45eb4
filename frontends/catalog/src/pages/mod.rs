//! One module per screen.

pub mod listing;
pub mod not_found;
pub mod product;
