//! What account-service answers. The service is internal: only account-bff calls it.
//!
//! A session is known by its **secret** (256 random bits, base64url), which only the
//! shopper's HttpOnly cookie and this API ever carry — in the [`SESSION_HEADER`] header,
//! never in a path or a query, so it never reaches a log line. The service keeps only its
//! SHA-256. Each session also has a public **handle** (the identity token's `sid`).
//!
//! | route | answers |
//! |---|---|
//! | `POST /users` [`NewUser`] | 201 [`SignedIn`] (the new user, signed in); 409 `email_taken` at `email`; 422 fields |
//! | `POST /sessions` [`Credentials`] | 201 [`SignedIn`]; 401 `invalid_credentials`; 429 `too_many_attempts` + `Retry-After` |
//! | `GET /session` (header) | 200 [`SessionState`] with a fresh identity token; 401 `signed_out` (unknown, expired, revoked) |
//! | `DELETE /session` (header) | 204; revokes it (done already = 204) |
//! | `DELETE /sessions` (header) | 204; revokes every session of its user |
//! | `GET /users/{id}` | 200 [`User`]; 404 |
//! | `PATCH /users/{id}` [`UserUpdate`] | 200 [`User`]; 422 `name`; 404 |
//! | `GET /users/{id}/addresses` | 200 [`AddressList`], the default first, then oldest first |
//! | `POST /users/{id}/addresses` [`AddressInput`] | 201 [`Address`]; 422 fields / `too_many_addresses` |
//! | `PUT /users/{id}/addresses/{address_id}` [`AddressInput`] | 200 [`Address`]; 404 (also another user's); 422 |
//! | `DELETE /users/{id}/addresses/{address_id}` | 204; 404 (another user's); deleting the default makes the oldest left the default |
//! | `POST /users/{id}/addresses/{address_id}/default` | 200 [`AddressList`]; 404 |

use serde::{Deserialize, Serialize};

pub use error_body::{ErrorBody, ErrorDetail, FieldError};
pub use postal_address::PostalAddress;

/// The header that carries a session's secret to the service.
pub const SESSION_HEADER: &str = "Session-Secret";
/// The header account-bff passes the shopper's address in, for per-client sign-in limits.
pub const CLIENT_HEADER: &str = "Client-Address";
/// Most wrong sign-ins per account, and per client, within [`ATTEMPT_WINDOW_SECONDS`].
pub const MAX_FAILED_PER_ACCOUNT: u32 = 10;
/// Per client (one address may be a whole office behind one NAT).
pub const MAX_FAILED_PER_CLIENT: u32 = 50;
pub const ATTEMPT_WINDOW_SECONDS: u64 = 60;

/// Error codes (`error.code`).
pub mod codes {
    pub const SIGNED_OUT: &str = "signed_out";
    pub const INVALID_CREDENTIALS: &str = "invalid_credentials";
    pub const EMAIL_TAKEN: &str = "email_taken";
    pub const TOO_MANY_ATTEMPTS: &str = "too_many_attempts";
    pub const TOO_MANY_ADDRESSES: &str = "too_many_addresses";
}

/// A user as the service keeps them (never the password or its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    /// Normalised: trimmed, lower case.
    pub email: String,
    pub name: String,
    /// RFC 3339.
    pub created_at: String,
    pub updated_at: String,
}

/// `POST /users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub password: String,
}

/// `POST /sessions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

/// A session just made: its secret (for the cookie) and a first identity token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub user: User,
    pub session_secret: String,
    /// Seconds since the Unix epoch; the session cookie lives as long.
    pub session_expires_at: i64,
    pub identity: IdentityToken,
}

/// A signed identity token (see the `identity` crate) and when it expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityToken {
    pub token: String,
    /// Seconds since the Unix epoch.
    pub expires_at: i64,
}

/// `GET /session`: the session is alive; who it belongs to, and a fresh identity token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionState {
    pub user: User,
    /// The session's public handle (the token's `sid`).
    pub handle: String,
    pub session_expires_at: i64,
    pub identity: IdentityToken,
}

/// `PATCH /users/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserUpdate {
    pub name: String,
}

/// `POST`/`PUT` an address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressInput {
    #[serde(flatten)]
    pub address: PostalAddress,
    #[serde(default)]
    pub make_default: bool,
}

/// A saved address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub id: String,
    #[serde(flatten)]
    pub address: PostalAddress,
    pub is_default: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressList {
    pub items: Vec<Address>,
}

/// Paths of the service, so that neither side spells one by hand.
pub mod paths {
    pub const USERS: &str = "/users";
    pub const SESSIONS: &str = "/sessions";
    pub const SESSION: &str = "/session";

    pub fn user(id: &str) -> String {
        format!("/users/{id}")
    }
    pub fn addresses(user_id: &str) -> String {
        format!("/users/{user_id}/addresses")
    }
    pub fn address(user_id: &str, address_id: &str) -> String {
        format!("/users/{user_id}/addresses/{address_id}")
    }
    pub fn default_address(user_id: &str, address_id: &str) -> String {
        format!("/users/{user_id}/addresses/{address_id}/default")
    }
}

/// Whether `id` can be a user, session handle or address id (1 to 64 of `[A-Za-z0-9_-]`),
/// so it is safe in a path.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
