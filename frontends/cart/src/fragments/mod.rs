//! The cart's fragments for other slices' pages: the shell mounts them into the host
//! element a page renders with `mfe_kit::Nested`, and passes the host's `data-props` as
//! [`HostData`]. They never navigate inside the cart's router: their links load the page
//! they name, or the host page's own router takes them. `orders` is here; `order` is the
//! confirmation page drawn for the account (`pages::confirmation`).

pub mod orders;

/// What a host page tells the cart's fragments (its `data-props`; camelCase keys, read in
/// `crate::json`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostData {
    /// `orders`: where one order is shown, `{id}` standing for its id, e.g.
    /// `/account/orders/{id}`.
    pub order_page: Option<String>,
    /// `order`: the order to show.
    pub order_id: Option<String>,
}

/// The page of order `order_id`: the host's `order_page` with the id in place of `{id}`,
/// or, from a host that names none, the order's confirmation page.
pub fn order_href(order_page: Option<&str>, order_id: &str) -> String {
    match order_page {
        Some(page) => page.replace("{id}", order_id),
        None => cart_api::confirmation_page(order_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_links_to_the_page_the_host_names() {
        assert_eq!(
            order_href(Some("/account/orders/{id}"), "7f3a21c0-1"),
            "/account/orders/7f3a21c0-1"
        );
    }

    #[test]
    fn without_a_page_from_the_host_an_order_links_to_its_confirmation() {
        assert_eq!(
            order_href(None, "7f3a21c0-1"),
            "/checkout/confirmation/7f3a21c0-1"
        );
    }
}
