//! Where account-bff answers, and the account pages. The BFF mounts its routes on these
//! paths and the MFE requests them, so neither side spells a URL by hand.

/// `GET` [`crate::Me`]; also renews the identity cookie while the session lives.
pub const ME_PATH: &str = "/api/account/me";
/// `POST` a [`crate::SignUpForm`]: 201 [`crate::Me`], signed in.
pub const SIGN_UP_PATH: &str = "/api/account/sign-up";
/// `POST` a [`crate::SignInForm`]: 200 [`crate::Me`].
pub const SIGN_IN_PATH: &str = "/api/account/sign-in";
/// `POST` (no body): 200 [`crate::Me`] of a guest; the cookies are cleared.
pub const SIGN_OUT_PATH: &str = "/api/account/sign-out";
/// `POST` (no body): ends every session of the shopper, this one too.
pub const SIGN_OUT_EVERYWHERE_PATH: &str = "/api/account/sign-out-everywhere";
/// `GET` the [`crate::Profile`]; `PATCH` a [`crate::ProfileForm`].
pub const PROFILE_PATH: &str = "/api/account/profile";
/// `GET` [`crate::Addresses`]; `POST` an [`crate::AddressForm`] (201 [`crate::SavedAddress`]).
pub const ADDRESSES_PATH: &str = "/api/account/addresses";
/// Liveness of the BFF itself.
pub const HEALTH_PATH: &str = "/api/account/healthz";

/// `PUT` an [`crate::AddressForm`] (200 [`crate::SavedAddress`]); `DELETE` (200 [`crate::Addresses`]).
pub fn address_url(id: &str) -> String {
    format!("{ADDRESSES_PATH}/{id}")
}

/// `POST` (no body): makes it the default; 200 [`crate::Addresses`].
pub fn default_address_url(id: &str) -> String {
    format!("{ADDRESSES_PATH}/{id}/default")
}

/// Pages of the account MFE.
pub const ACCOUNT_PAGE: &str = "/account";
pub const SIGN_IN_PAGE: &str = "/account/sign-in";
pub const SIGN_UP_PAGE: &str = "/account/sign-up";
pub const ADDRESSES_PAGE: &str = "/account/addresses";
pub const ORDERS_PAGE: &str = "/account/orders";

/// The page of one order: [`ORDERS_PAGE`]`/<id>`.
pub fn order_page(order_id: &str) -> String {
    format!("{ORDERS_PAGE}/{order_id}")
}

/// The sign-in page that returns to `next` afterwards (see [`safe_next`]).
pub fn sign_in_page_returning_to(next: &str) -> String {
    match safe_next(next) {
        Some(next) if next != ACCOUNT_PAGE => format!("{SIGN_IN_PAGE}?next={}", encode(next)),
        _ => SIGN_IN_PAGE.to_owned(),
    }
}

/// `next` when it is a path of this shop (`/...`, not `//host` or `/\host`, no scheme),
/// so a link cannot send a shopper to another site after signing in.
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    ok.then_some(next)
}

/// Percent-encodes what a query value must not hold as is.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(safe_next("/account/orders"), Some("/account/orders"));
        assert_eq!(safe_next("/checkout?x=1"), Some("/checkout?x=1"));
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "evil",
            "",
            "/a\nb",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_sign_in_page_carries_where_to_return() {
        assert_eq!(
            sign_in_page_returning_to("/account/orders/o 1"),
            "/account/sign-in?next=/account/orders/o%201"
        );
        assert_eq!(sign_in_page_returning_to("/account"), "/account/sign-in");
        assert_eq!(sign_in_page_returning_to("//evil"), "/account/sign-in");
    }
}
