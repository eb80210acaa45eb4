//! The shopper's orders (`/account/orders`) and one order (`/account/orders/<id>`). Orders
//! belong to the cart slice: this page draws the heading and the sub-navigation, and the
//! cart MFE's `orders` and `order` fragments draw the orders, nested inside (the shell
//! fills them, with their own loading state and fallback).

use crate::components::states::{panel, Panel, NOT_FOUND};
use crate::components::{account_frame, Section};
use crate::pages::{signed_in, use_me, For};
use account_api::ORDERS_PAGE;
use mfe_kit::{Fragment, Nested};
use yew::prelude::*;

/// The slice whose MFE draws the orders.
const ORDERS_MFE: &str = "cart";

#[derive(Properties, PartialEq)]
pub struct OrdersProps {
    /// The order to show (`/account/orders/<id>`), as the URL spells it; none for the list.
    #[prop_or_default]
    pub order: Option<AttrValue>,
}

/// Whether `id` can be an order's id (`[A-Za-z0-9_-]{1,64}`): anything else is not asked
/// for, and it goes into JSON text unescaped.
pub fn is_order_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

/// The list fragment's `data-props`: where it links each order (`{id}` is its id).
pub fn list_data() -> String {
    format!("{{\"orderPage\":\"{}\"}}", account_api::order_page("{id}"))
}

/// The order fragment's `data-props` for a valid order id.
pub fn order_data(id: &str) -> String {
    format!("{{\"orderId\":\"{id}\"}}")
}

#[function_component]
pub fn OrdersPage(props: &OrdersProps) -> Html {
    let (me, retry) = use_me(For::SignedIn);
    let order = props.order.clone();
    let valid = order.as_deref().is_none_or(is_order_id);
    let title = match (&order, valid) {
        (None, _) => "Your orders",
        (Some(_), true) => "Your order",
        (Some(_), false) => "Order not found",
    };

    if let Err(instead) = signed_in(&me, Section::Orders, title, "your orders", &retry) {
        return instead;
    }
    let body = match order {
        None => html! {
            <Nested
                mfe={ORDERS_MFE}
                fragment={Fragment::Orders}
                label="Your orders"
                data={Some(AttrValue::from(list_data()))}
            />
        },
        Some(id) if valid => html! {
            <>
                <a class="back-link" href={ORDERS_PAGE}>{ "All orders" }</a>
                <Nested
                    mfe={ORDERS_MFE}
                    fragment={Fragment::Order}
                    label="This order"
                    data={Some(AttrValue::from(order_data(&id)))}
                />
            </>
        },
        Some(_) => panel(Panel {
            kind: NOT_FOUND,
            icon: html! { "?" },
            whole_page: false,
            title: "There is no such order",
            text: "This address does not name one of your orders.",
            action: html! { <a class="button primary" href={ORDERS_PAGE}>{ "See all your orders" }</a> },
        }),
    };
    account_frame(Section::Orders, title, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_ids_have_the_contracts_shape() {
        for good in ["o-1", "A_b-9", &"x".repeat(64)] {
            assert!(is_order_id(good), "{good}");
        }
        for bad in ["", "a b", "a\"b", "a/b", "é", &"x".repeat(65), "%22"] {
            assert!(!is_order_id(bad), "{bad}");
        }
    }

    #[test]
    fn the_fragments_get_their_props_as_json_text() {
        assert_eq!(list_data(), r#"{"orderPage":"/account/orders/{id}"}"#);
        assert_eq!(order_data("o-1"), r#"{"orderId":"o-1"}"#);
    }
}
