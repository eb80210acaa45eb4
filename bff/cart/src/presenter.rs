//! Turns cart-service records into what the cart screens show: formatted money, stock
//! warnings, product and image URLs, order numbers and printed addresses.

use cart_api as ui;
use cart_service_api as service;
use platform::money::format_price;

/// The mini-cart of a shopper without a cart.
pub fn empty_mini_cart() -> ui::MiniCart {
    ui::MiniCart {
        item_count: 0,
        subtotal: format_price(0, service::CURRENCY),
    }
}

/// The mini-cart of a cart with `item_count` items worth `subtotal_minor` (from the
/// service's summary, or from a cart it just changed).
pub fn mini_cart(item_count: i32, subtotal_minor: i64, currency: &str) -> ui::MiniCart {
    ui::MiniCart {
        item_count: count(item_count),
        subtotal: format_price(subtotal_minor, currency),
    }
}

/// The cart page of a shopper without a cart: nothing to check, nothing to buy.
pub fn empty_cart_view() -> ui::CartView {
    let zero = format_price(0, service::CURRENCY);
    ui::CartView {
        lines: Vec::new(),
        item_count: 0,
        subtotal: zero.clone(),
        shipping: zero.clone(),
        total: zero,
        shipping_note: None,
        checked: true,
        can_checkout: false,
    }
}

pub fn cart_view(cart: service::Cart) -> ui::CartView {
    let currency = cart.currency.as_str();
    let lines: Vec<ui::CartLineView> = cart
        .lines
        .iter()
        .map(|line| cart_line(line, currency))
        .collect();
    let has_lines = !lines.is_empty();
    let can_checkout = has_lines && cart.checked && lines.iter().all(|l| l.warning.is_none());
    ui::CartView {
        item_count: count(cart.item_count),
        subtotal: format_price(cart.subtotal_minor, currency),
        shipping: shipping(cart.shipping_minor, has_lines, currency),
        total: format_price(cart.total_minor, currency),
        shipping_note: shipping_note(cart.subtotal_minor, has_lines, currency),
        checked: cart.checked,
        can_checkout,
        lines,
    }
}

fn cart_line(line: &service::CartLine, currency: &str) -> ui::CartLineView {
    let quantity = count(line.quantity);
    let in_stock = line.available.map(count);
    ui::CartLineView {
        product_id: line.product_id,
        name: line.name.clone(),
        product_url: catalog_api::product_page(&line.slug),
        image_url: catalog_api::image_url(&line.slug),
        unit_price: format_price(line.unit_price_minor, currency),
        quantity,
        max_quantity: in_stock
            .map_or(ui::MAX_QUANTITY, |available| {
                available.min(ui::MAX_QUANTITY)
            })
            .max(quantity),
        line_total: format_price(line.line_total_minor, currency),
        warning: stock_warning(quantity, in_stock),
    }
}

/// What keeps a line from checkout, when stock is known.
pub fn stock_warning(quantity: u32, available: Option<u32>) -> Option<String> {
    match available? {
        0 => Some("Sold out — remove it to check out.".to_owned()),
        left if quantity > left => Some(format!(
            "Only {left} left — lower the quantity to check out."
        )),
        _ => None,
    }
}

/// `Free` once there is something to ship for free; otherwise the amount.
fn shipping(shipping_minor: i64, has_lines: bool, currency: &str) -> String {
    if shipping_minor == 0 && has_lines {
        "Free".to_owned()
    } else {
        format_price(shipping_minor, currency)
    }
}

/// How far the cart is from free shipping, while it is.
pub fn shipping_note(subtotal_minor: i64, has_lines: bool, currency: &str) -> Option<String> {
    let missing = service::FREE_SHIPPING_FROM_MINOR - subtotal_minor;
    (has_lines && missing > 0).then(|| {
        format!(
            "Add {} more for free shipping.",
            format_price(missing, currency)
        )
    })
}

pub fn order_view(order: service::Order) -> ui::OrderView {
    let state = order_state(order.status);
    let currency = order.currency.as_str();
    let lines: Vec<ui::OrderLineView> = order
        .lines
        .iter()
        .map(|line| ui::OrderLineView {
            product_id: line.product_id,
            name: line.name.clone(),
            product_url: catalog_api::product_page(&line.slug),
            image_url: catalog_api::image_url(&line.slug),
            quantity: count(line.quantity),
            unit_price: format_price(line.unit_price_minor, currency),
            line_total: format_price(line.line_total_minor, currency),
        })
        .collect();
    let failure = (state == ui::OrderState::Failed).then(|| {
        order.failure.as_ref().map_or_else(
            || "This order was not placed.".to_owned(),
            |failure| failure.message.clone(),
        )
    });
    ui::OrderView {
        number: order_number(&order.id),
        status_label: status_label(state, order.placed_at.as_deref()),
        state,
        failure,
        item_count: lines.iter().map(|line| line.quantity).sum(),
        subtotal: format_price(order.subtotal_minor, currency),
        shipping: shipping(order.shipping_minor, !lines.is_empty(), currency),
        total: format_price(order.total_minor, currency),
        shipping_address: printed_address(&order.shipping_address),
        payment: format!("Card ending {}", order.card_last4),
        lines,
        id: order.id,
    }
}

/// The shopper's orders: those placed or being finished. A checkout that failed (a
/// declined card, say) bought nothing, so it is no order to list; its own page still
/// shows what happened.
pub fn order_history(list: service::OrderList) -> ui::OrderHistory {
    ui::OrderHistory {
        orders: list
            .items
            .into_iter()
            .map(order_view)
            .filter(|order| order.state != ui::OrderState::Failed)
            .collect(),
    }
}

/// How the shopper sees the saga: placed, still being finished (it needs nothing more
/// from them), or not placed — including while a failed one is being unwound.
pub fn order_state(status: service::OrderStatus) -> ui::OrderState {
    use service::OrderStatus::*;
    match status {
        Placed => ui::OrderState::Placed,
        // A status a newer cart-service added is not final either.
        Pending | Reserved | Charging | Paid | Unknown => ui::OrderState::Processing,
        Compensating | Failed => ui::OrderState::Failed,
    }
}

/// Short, for people to quote: the id's first 8 characters, upper case.
pub fn order_number(id: &str) -> String {
    id.chars().take(8).collect::<String>().to_uppercase()
}

fn status_label(state: ui::OrderState, placed_at: Option<&str>) -> String {
    match state {
        ui::OrderState::Placed => placed_at
            .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
            .map_or_else(
                || "Placed".to_owned(),
                |at| format!("Placed on {}", at.format("%-d %B %Y")),
            ),
        ui::OrderState::Processing => "Being finished".to_owned(),
        ui::OrderState::Failed => "Not placed".to_owned(),
    }
}

/// The address as printed on a parcel: one entry per line.
pub fn printed_address(address: &service::Address) -> Vec<String> {
    let country = ui::COUNTRIES
        .iter()
        .find(|(code, _)| *code == address.country)
        .map_or(address.country.as_str(), |(_, name)| name);
    let mut lines = vec![address.name.clone(), address.line1.clone()];
    if !address.line2.trim().is_empty() {
        lines.push(address.line2.clone());
    }
    lines.push(format!("{} {}", address.postal_code, address.city));
    lines.push(country.to_owned());
    lines
}

/// A count from the service; never negative.
fn count(value: i32) -> u32 {
    u32::try_from(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(quantity: i32, available: Option<i32>) -> service::CartLine {
        service::CartLine {
            product_id: 7,
            slug: "oak-desk".into(),
            name: "Oak desk".into(),
            quantity,
            unit_price_minor: 1_250,
            line_total_minor: 1_250 * i64::from(quantity),
            available,
        }
    }

    fn cart(lines: Vec<service::CartLine>, checked: bool) -> service::Cart {
        let subtotal: i64 = lines.iter().map(|l| l.line_total_minor).sum();
        let shipping = service::shipping_for(subtotal);
        service::Cart {
            id: "c1".into(),
            item_count: lines.iter().map(|l| l.quantity).sum(),
            lines,
            subtotal_minor: subtotal,
            shipping_minor: shipping,
            total_minor: subtotal + shipping,
            currency: "EUR".into(),
            checked,
        }
    }

    #[test]
    fn a_line_links_its_product_and_picture_and_offers_what_is_in_stock() {
        let view = cart_line(&line(2, Some(40)), "EUR");
        assert_eq!(view.product_url, "/products/oak-desk");
        assert_eq!(view.image_url, "/api/catalog/images/oak-desk.svg");
        assert_eq!(view.unit_price, "€12.50");
        assert_eq!(view.line_total, "€25.00");
        assert_eq!(view.max_quantity, 40);
        assert_eq!(cart_line(&line(2, Some(400)), "EUR").max_quantity, 99);
        assert_eq!(cart_line(&line(2, None), "EUR").max_quantity, 99);
        assert_eq!(cart_line(&line(5, Some(3)), "EUR").max_quantity, 5);
    }

    #[test]
    fn lines_beyond_stock_are_warned_about_and_block_checkout() {
        assert_eq!(stock_warning(2, Some(2)), None);
        assert_eq!(stock_warning(2, None), None);
        assert_eq!(
            stock_warning(3, Some(2)).unwrap(),
            "Only 2 left — lower the quantity to check out."
        );
        assert_eq!(
            stock_warning(1, Some(0)).unwrap(),
            "Sold out — remove it to check out."
        );
        assert!(cart_view(cart(vec![line(1, Some(5))], true)).can_checkout);
        assert!(!cart_view(cart(vec![line(3, Some(2))], true)).can_checkout);
        assert!(
            !cart_view(cart(vec![line(1, None)], false)).can_checkout,
            "unchecked"
        );
        assert!(!cart_view(cart(vec![], true)).can_checkout, "empty");
    }

    #[test]
    fn shipping_is_free_from_fifty_euros_and_the_note_says_how_far() {
        let small = cart_view(cart(vec![line(2, Some(9))], true));
        assert_eq!(small.shipping, "€4.90");
        assert_eq!(small.total, "€29.90");
        assert_eq!(
            small.shipping_note.as_deref(),
            Some("Add €25.00 more for free shipping.")
        );
        let big = cart_view(cart(vec![line(4, Some(9))], true));
        assert_eq!(big.shipping, "Free");
        assert_eq!(big.shipping_note, None);
        let empty = cart_view(cart(vec![], true));
        assert_eq!(empty.shipping, "€0.00");
        assert_eq!(empty.shipping_note, None);
    }

    fn order(status: service::OrderStatus) -> service::Order {
        service::Order {
            id: "7f3a21c0-aaaa-bbbb".into(),
            owner: service::Owner::guest("c1"),
            status,
            failure: None,
            lines: vec![service::OrderLine {
                product_id: 7,
                slug: "oak-desk".into(),
                name: "Oak desk".into(),
                quantity: 3,
                unit_price_minor: 1_250,
                line_total_minor: 3_750,
            }],
            subtotal_minor: 3_750,
            shipping_minor: 490,
            total_minor: 4_240,
            currency: "EUR".into(),
            shipping_address: service::Address {
                name: "Ada Lovelace".into(),
                line1: "Hauptstraße 1".into(),
                line2: String::new(),
                postal_code: "10115".into(),
                city: "Berlin".into(),
                country: "DE".into(),
            },
            card_last4: "4242".into(),
            created_at: "2026-11-30T10:00:00Z".into(),
            placed_at: Some("2026-11-30T10:00:02Z".into()),
        }
    }

    #[test]
    fn a_placed_order_reads_as_a_confirmation() {
        let view = order_view(order(service::OrderStatus::Placed));
        assert_eq!(view.number, "7F3A21C0");
        assert_eq!(view.state, ui::OrderState::Placed);
        assert_eq!(view.status_label, "Placed on 30 November 2026");
        assert_eq!(view.failure, None);
        assert_eq!(view.item_count, 3);
        assert_eq!(view.total, "€42.40");
        assert_eq!(view.shipping, "€4.90");
        assert_eq!(view.payment, "Card ending 4242");
        assert_eq!(
            view.shipping_address,
            ["Ada Lovelace", "Hauptstraße 1", "10115 Berlin", "Germany"]
        );
        assert_eq!(view.lines[0].product_url, "/products/oak-desk");
    }

    #[test]
    fn unfinished_and_failed_orders_say_so() {
        for status in [
            service::OrderStatus::Pending,
            service::OrderStatus::Reserved,
            service::OrderStatus::Charging,
            service::OrderStatus::Paid,
            service::OrderStatus::Unknown,
        ] {
            let view = order_view(order(status));
            assert_eq!(view.state, ui::OrderState::Processing);
            assert_eq!(view.status_label, "Being finished");
        }
        let mut failed = order(service::OrderStatus::Failed);
        failed.failure = Some(service::OrderFailure {
            code: "payment_declined".into(),
            message: "Your card was declined.".into(),
        });
        let view = order_view(failed);
        assert_eq!(view.state, ui::OrderState::Failed);
        assert_eq!(view.status_label, "Not placed");
        assert_eq!(view.failure.as_deref(), Some("Your card was declined."));
    }

    #[test]
    fn the_history_lists_no_failed_checkouts() {
        let list = service::OrderList {
            items: vec![
                order(service::OrderStatus::Failed),
                order(service::OrderStatus::Paid),
                order(service::OrderStatus::Compensating),
                order(service::OrderStatus::Placed),
            ],
        };
        let states: Vec<ui::OrderState> = order_history(list)
            .orders
            .iter()
            .map(|order| order.state)
            .collect();
        assert_eq!(states, [ui::OrderState::Processing, ui::OrderState::Placed]);
    }

    #[test]
    fn a_second_address_line_is_printed_when_there_is_one() {
        let mut address = order(service::OrderStatus::Placed).shipping_address;
        address.line2 = "3rd floor".into();
        address.country = "NL".into();
        assert_eq!(printed_address(&address)[2], "3rd floor");
        assert_eq!(printed_address(&address)[4], "Netherlands");
    }
}
