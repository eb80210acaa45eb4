//! Ids the service makes: carts, orders (and their reservations), payments.

/// 128 random bits as 32 lowercase hex digits: not guessable, so a cart id can serve as
/// the guest's claim to the cart, and valid as a key (`cart_service_api::is_valid_key`)
/// and as a reservation id in the catalog.
pub fn new_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_32_hex_digits_and_differ() {
        let (a, b) = (new_id(), new_id());
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert!(cart_service_api::is_valid_key(&a));
        assert!(catalog_service_api::is_valid_reservation_id(&a));
        assert_ne!(a, b);
    }
}
