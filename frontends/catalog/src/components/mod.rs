//! Pieces the catalog pages are built from.

pub mod category_nav;
pub mod filters;
pub mod pager;
pub mod product_card;
pub mod search_box;
pub mod sort_menu;
pub mod states;
