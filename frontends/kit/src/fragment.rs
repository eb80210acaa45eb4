//! Which part of a micro-frontend a slot shows.

use std::fmt;

/// A part of an MFE the shell can put into a slot: the page of the main slot, a header
/// fragment (`data-fragment="badge"`), or a fragment nested in another slice's page
/// (`<div data-mfe="cart" data-fragment="orders">`). Each MFE provides some of them and
/// switches on this when it is mounted; see [`crate::mount`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fragment {
    /// The whole page of the main slot (`page`).
    Page,
    /// A small count in the header, e.g. the cart's item count (`badge`).
    Badge,
    /// A menu in the header, e.g. the account menu (`menu`).
    Menu,
    /// A list of past orders, shown inside another slice's page (`orders`).
    Orders,
    /// One past order, shown inside another slice's page (`order`; its host's
    /// `data-props` name it: `{"orderId": "..."}`).
    Order,
    /// A choice of saved addresses, shown inside another slice's page (`address-picker`).
    AddressPicker,
}

impl Fragment {
    /// Every fragment, in the order of the table above.
    pub const ALL: [Fragment; 6] = [
        Fragment::Page,
        Fragment::Badge,
        Fragment::Menu,
        Fragment::Orders,
        Fragment::Order,
        Fragment::AddressPicker,
    ];

    /// The fragment `name` spells (as in `data-fragment`), or `None` for a name no MFE knows.
    pub fn parse(name: &str) -> Option<Fragment> {
        Fragment::ALL
            .into_iter()
            .find(|fragment| fragment.name() == name)
    }

    /// How the shell spells it: `page`, `badge`, `menu`, `orders`, `order`, `address-picker`.
    pub fn name(self) -> &'static str {
        match self {
            Fragment::Page => "page",
            Fragment::Badge => "badge",
            Fragment::Menu => "menu",
            Fragment::Orders => "orders",
            Fragment::Order => "order",
            Fragment::AddressPicker => "address-picker",
        }
    }
}

impl fmt::Display for Fragment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fragment_reads_back_from_its_name() {
        for fragment in Fragment::ALL {
            assert_eq!(Fragment::parse(fragment.name()), Some(fragment));
        }
        assert_eq!(
            Fragment::parse("address-picker"),
            Some(Fragment::AddressPicker)
        );
    }

    #[test]
    fn names_are_exact() {
        for name in ["", "Page", "badge ", "wishlist", "address_picker"] {
            assert_eq!(Fragment::parse(name), None, "{name:?}");
        }
    }
}
