//! The catalog's tables, as sea-orm entities.

pub mod category;
pub mod product;
pub mod product_image;
pub mod reservation;
pub mod reservation_line;
