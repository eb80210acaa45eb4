//! Turns catalog-service records into what the catalog screens show: formatted prices,
//! stock badges, image URLs, paging.

use catalog_api as ui;
use catalog_service_api as service;
use platform::money::format_price;

/// The currency of every catalog price, and so of the amounts shoppers type into the
/// price filter.
pub const SHOP_CURRENCY: &str = "EUR";

/// At or below this many items the badge warns "Only N left".
pub const LOW_STOCK: i32 = 5;
/// The quantity picker never offers more than this, however much is in stock.
pub const MAX_QUANTITY_PER_ORDER: u32 = 10;

pub fn card(product: service::Product) -> ui::ProductCard {
    ui::ProductCard {
        id: product.id,
        price: format_price(product.price_minor, &product.currency),
        image: image(&product.slug, &product.name),
        stock: stock_badge(product.stock),
        slug: product.slug,
        name: product.name,
    }
}

pub fn detail(product: service::Product) -> ui::ProductDetail {
    let max_quantity = u32::try_from(product.stock.max(0))
        .unwrap_or_default()
        .min(MAX_QUANTITY_PER_ORDER);
    ui::ProductDetail {
        id: product.id,
        price: format_price(product.price_minor, &product.currency),
        image: image(&product.slug, &product.name),
        stock: stock_badge(product.stock),
        category: ui::CategoryRef {
            slug: product.category.slug,
            name: product.category.name,
        },
        max_quantity,
        slug: product.slug,
        name: product.name,
        description: product.description,
    }
}

pub fn facet(category: service::CategoryCount) -> ui::CategoryFacet {
    ui::CategoryFacet {
        slug: category.slug,
        name: category.name,
        product_count: category.product_count,
    }
}

pub fn paging(list: &service::ProductList) -> ui::Paging {
    let per_page = list.per_page.max(1);
    ui::Paging {
        page: list.page,
        per_page,
        total_items: list.total,
        total_pages: u32::try_from(list.total.div_ceil(u64::from(per_page))).unwrap_or(u32::MAX),
    }
}

/// The query's price filter, written as prices are.
pub fn price_range(min: Option<ui::Amount>, max: Option<ui::Amount>) -> ui::PriceRange {
    let format = |amount: ui::Amount| {
        format_price(
            i64::try_from(amount.hundredths()).unwrap_or(i64::MAX),
            SHOP_CURRENCY,
        )
    };
    ui::PriceRange {
        min: min.map(format),
        max: max.map(format),
    }
}

fn image(slug: &str, name: &str) -> ui::Image {
    ui::Image {
        url: ui::image_url(slug),
        alt: name.to_owned(),
    }
}

pub fn stock_badge(stock: i32) -> ui::StockBadge {
    let (level, label) = match stock {
        ..=0 => (ui::StockLevel::OutOfStock, "Out of stock".to_owned()),
        1..=LOW_STOCK => (ui::StockLevel::Low, format!("Only {stock} left")),
        _ => (ui::StockLevel::InStock, "In stock".to_owned()),
    };
    ui::StockBadge { level, label }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stock_badges_follow_the_count() {
        assert_eq!(stock_badge(0).level, ui::StockLevel::OutOfStock);
        assert_eq!(stock_badge(3).label, "Only 3 left");
        assert_eq!(stock_badge(LOW_STOCK + 1).label, "In stock");
    }

    #[test]
    fn total_pages_round_up() {
        let list = service::ProductList {
            items: vec![],
            page: 1,
            per_page: 24,
            total: 49,
        };
        assert_eq!(paging(&list).total_pages, 3);
    }
}
