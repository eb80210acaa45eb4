//! The contract between the account micro-frontend and account-bff.
//!
//! Both sides compile this crate (the MFE for wasm32, the BFF natively). The forms' rules
//! live here once, so a form points at a bad field before sending and the BFF names the
//! same field, with the same words, after. Sessions and identity travel only in HttpOnly
//! cookies: no answer here ever carries a token.

mod forms;
mod paths;

pub use error_body::{ErrorBody, ErrorDetail, FieldError};
pub use forms::*;
pub use paths::*;
pub use postal_address::{country_name, PostalAddress, COUNTRIES};

use serde::{Deserialize, Serialize};

/// Error codes the account BFF answers with (`error.code`).
pub mod codes {
    /// 401: the request needs a signed-in shopper, and there is none (or the session ended).
    pub const SIGNED_OUT: &str = "signed_out";
    /// 401: sign-in with an unknown email or a wrong password (the same answer for both).
    pub const INVALID_CREDENTIALS: &str = "invalid_credentials";
    /// 409: sign-up with an email that cannot be used — it has an account, and the password
    /// is not that account's (with its password, sign-up signs its owner in). The answer
    /// names no field and gives no reason: the form offers to sign in instead.
    pub const SIGN_UP_REFUSED: &str = "sign_up_refused";
    /// 429 (with `Retry-After`): too many sign-in attempts for this account or client, or
    /// too many sign-ups from this client.
    pub const TOO_MANY_ATTEMPTS: &str = "too_many_attempts";
    /// 404: no such address (or another shopper's).
    pub const NOT_FOUND: &str = "not_found";
    /// 422: the shopper has as many addresses as allowed.
    pub const TOO_MANY_ADDRESSES: &str = "too_many_addresses";
}

/// Most saved addresses per shopper.
pub const MAX_ADDRESSES: usize = 20;

/// Who is signed in (`GET /api/account/me`; also the answer to sign-up, sign-in and sign-out).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// `None` for a guest.
    pub user: Option<Profile>,
    /// This answer (re)issued the identity cookie that the other BFFs read — at sign-in,
    /// or because the one the browser had was missing or about to expire. Until now they
    /// may have seen a guest, so the MFE sends `account:signed-in` and they re-read.
    #[serde(default)]
    pub renewed: bool,
}

impl Me {
    pub fn signed_in(&self) -> bool {
        self.user.is_some()
    }
}

/// The signed-in shopper, as the account pages show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Full name as given.
    pub name: String,
    /// What the header greets them with: the first word of the name.
    pub first_name: String,
    pub email: String,
    /// e.g. `March 2026`.
    pub member_since: String,
}

/// A saved address, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedAddress {
    pub id: String,
    pub address: PostalAddress,
    /// The country's name, e.g. `Germany`.
    pub country_name: String,
    pub is_default: bool,
}

/// The shopper's saved addresses, the default first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addresses {
    pub items: Vec<SavedAddress>,
}

/// `PATCH /api/account/profile`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileForm {
    pub name: String,
}

/// `POST /api/account/addresses` and `PUT /api/account/addresses/{id}`: the address's
/// fields side by side (as the checkout form has them), so that a wrongly typed one is
/// named in the 400 like any other field — serde reads a flattened struct only as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressForm {
    pub name: String,
    pub address_line1: String,
    #[serde(default)]
    pub address_line2: String,
    pub postal_code: String,
    pub city: String,
    /// A code from [`COUNTRIES`].
    pub country: String,
    /// Make it the default address (the first address always is).
    #[serde(default)]
    pub make_default: bool,
}

impl AddressForm {
    pub fn new(address: PostalAddress, make_default: bool) -> Self {
        let PostalAddress {
            name,
            address_line1,
            address_line2,
            postal_code,
            city,
            country,
        } = address;
        AddressForm {
            name,
            address_line1,
            address_line2,
            postal_code,
            city,
            country,
            make_default,
        }
    }

    /// The address part of the form.
    pub fn address(&self) -> PostalAddress {
        PostalAddress {
            name: self.name.clone(),
            address_line1: self.address_line1.clone(),
            address_line2: self.address_line2.clone(),
            postal_code: self.postal_code.clone(),
            city: self.city.clone(),
            country: self.country.clone(),
        }
    }
}
