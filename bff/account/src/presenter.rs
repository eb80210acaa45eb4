//! account-service's records, shaped for the account pages (`account-api`).

use account_api::{Addresses, Profile, SavedAddress};
use account_service_api::{Address, AddressList, User};
use chrono::DateTime;

/// The shopper as the profile page and the header show them.
pub fn profile(user: User) -> Profile {
    Profile {
        first_name: account_api::first_name(&user.name),
        member_since: member_since(&user.created_at),
        name: user.name,
        email: user.email,
    }
}

/// `March 2026` for an RFC 3339 time in March 2026; empty when the service sent something
/// else (a contract bug, logged, not worth failing the page for).
pub fn member_since(created_at: &str) -> String {
    match DateTime::parse_from_rfc3339(created_at) {
        Ok(time) => time.format("%B %Y").to_string(),
        Err(error) => {
            tracing::warn!(%error, created_at, "account-service sent an unreadable created_at");
            String::new()
        }
    }
}

/// One saved address, with its country's name.
pub fn saved_address(address: Address) -> SavedAddress {
    let country_name = account_api::country_name(&address.address.country)
        .map_or_else(|| address.address.country.clone(), str::to_owned);
    SavedAddress {
        id: address.id,
        country_name,
        is_default: address.is_default,
        address: address.address,
    }
}

/// The shopper's addresses, the default first (then in the service's order).
pub fn addresses(list: AddressList) -> Addresses {
    let mut items: Vec<SavedAddress> = list.items.into_iter().map(saved_address).collect();
    items.sort_by_key(|address| !address.is_default);
    Addresses { items }
}

#[cfg(test)]
mod tests {
    use super::*;
    use account_api::PostalAddress;

    fn address(id: &str, country: &str, is_default: bool) -> Address {
        Address {
            id: id.into(),
            address: PostalAddress {
                name: "Ada Lovelace".into(),
                address_line1: "Hauptstraße 1".into(),
                address_line2: String::new(),
                postal_code: "10115".into(),
                city: "Berlin".into(),
                country: country.into(),
            },
            is_default,
        }
    }

    #[test]
    fn a_profile_greets_by_first_name_and_says_since_when() {
        let profile = profile(User {
            id: "u1".into(),
            email: "ada@example.com".into(),
            name: "Ada King Lovelace".into(),
            created_at: "2026-03-14T09:26:53+00:00".into(),
            updated_at: "2026-03-14T09:26:53+00:00".into(),
        });
        assert_eq!(profile.first_name, "Ada");
        assert_eq!(profile.member_since, "March 2026");
        assert_eq!(profile.name, "Ada King Lovelace");
        assert_eq!(profile.email, "ada@example.com");
        assert_eq!(member_since("yesterday"), "");
    }

    #[test]
    fn the_default_address_comes_first_with_its_country_named() {
        let list = AddressList {
            items: vec![
                address("a1", "FR", false),
                address("a2", "DE", true),
                address("a3", "XX", false),
            ],
        };
        let shown = addresses(list);
        let ids: Vec<&str> = shown.items.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["a2", "a1", "a3"]);
        assert_eq!(shown.items[0].country_name, "Germany");
        assert_eq!(shown.items[1].country_name, "France");
        assert_eq!(shown.items[2].country_name, "XX");
    }
}
