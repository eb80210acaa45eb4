//! Random values the service makes: ids of users and addresses (and, in [`crate::sessions`],
//! session handles and secrets). All from the operating system's generator.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// `N` random bytes.
pub fn random_bytes<const N: usize>() -> anyhow::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes)
        .map_err(|error| anyhow::anyhow!("the system gave no randomness: {error}"))?;
    Ok(bytes)
}

/// 96 random bits as 24 lowercase hex digits: not guessable, valid as an id in a path
/// (`account_service_api::is_valid_id`) and as a cart owner key.
pub fn new_id() -> anyhow::Result<String> {
    Ok(random_bytes::<12>()?
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect())
}

/// `N` random bytes in base64url without padding (`[A-Za-z0-9_-]`).
pub fn random_token<const N: usize>() -> anyhow::Result<String> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes::<N>()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use account_service_api::is_valid_id;

    #[test]
    fn ids_are_24_hex_digits_and_differ() {
        let (a, b) = (new_id().unwrap(), new_id().unwrap());
        assert_eq!(a.len(), 24);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert!(is_valid_id(&a));
        assert_ne!(a, b);
    }

    #[test]
    fn tokens_are_base64url_without_padding() {
        let token = random_token::<32>().unwrap();
        assert_eq!(token.len(), 43);
        assert!(is_valid_id(&token), "{token}");
        assert_ne!(token, random_token::<32>().unwrap());
    }
}
