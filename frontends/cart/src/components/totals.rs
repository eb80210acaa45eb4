//! Money at the foot of the cart, the checkout summary and the confirmation. The BFF
//! writes every amount; nothing is added up here.

use yew::prelude::*;

/// Subtotal, shipping and total, as a description list.
pub fn totals(subtotal: &str, shipping: &str, total: &str) -> Html {
    html! {
        <dl class="totals">
            <div><dt>{ "Subtotal" }</dt><dd>{ subtotal }</dd></div>
            <div><dt>{ "Shipping" }</dt><dd>{ shipping }</dd></div>
            <div class="grand-total"><dt>{ "Total" }</dt><dd>{ total }</dd></div>
        </dl>
    }
}

/// `1 item`, `3 items`.
pub fn items(count: u32) -> String {
    if count == 1 {
        "1 item".to_owned()
    } else {
        format!("{count} items")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_item_is_singular() {
        assert_eq!(items(1), "1 item");
        assert_eq!(items(0), "0 items");
        assert_eq!(items(12), "12 items");
    }
}
