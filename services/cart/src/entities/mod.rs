//! The cart database's tables, as sea-orm entities.

pub mod cart;
pub mod cart_line;
pub mod order;
pub mod order_line;
pub mod payment;
