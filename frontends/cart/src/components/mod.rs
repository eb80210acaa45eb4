//! Pieces the cart's pages share.

pub mod states;
pub mod totals;
