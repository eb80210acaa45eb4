//! What account-service answers. The service is internal: only account-bff calls it.
//!
//! A session is known by its **secret** (256 random bits, base64url), which only the
//! shopper's HttpOnly cookie and this API ever carry — in the [`SESSION_HEADER`] header,
//! never in a path or a query, so it never reaches a log line. The service keeps only its
//! SHA-256. Each session also has a public **handle** (the identity token's `sid`).
//!
//! Passwords, session secrets and identity tokens are [`SecretString`]s here: they are
//! sent and read as plain JSON strings, but no `Debug`, log line or panic shows them.
//!
//! | route | answers |
//! |---|---|
//! | `POST /users` [`NewUser`] (+ [`CLIENT_HEADER`]) | 201 [`SignedIn`] (the new user signed in — or, when the email has an account and the password is its password, that user signed in, the same answer); 409 `sign_up_refused` (the email cannot be used: nothing says why); 422 fields; 429 `too_many_attempts` + `Retry-After` |
//! | `POST /sessions` [`Credentials`] (+ [`CLIENT_HEADER`]) | 201 [`SignedIn`]; 401 `invalid_credentials`; 429 `too_many_attempts` + `Retry-After` |
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

use serde::{Deserialize, Serialize, Serializer};

pub use error_body::{ErrorBody, ErrorDetail, FieldError};
pub use postal_address::PostalAddress;
pub use secrecy::{ExposeSecret, SecretString};

/// The header that carries a session's secret to the service.
pub const SESSION_HEADER: &str = "Session-Secret";
/// The header account-bff passes the shopper's address in (the hop nginx added), for the
/// per-client limits on sign-in and sign-up.
pub const CLIENT_HEADER: &str = "Client-Address";

// The limits' defaults; account-service's configuration may set others
// (`ACCOUNT_SERVICE__…`, see its `Configuration`).

/// Most failed sign-ins at one account from one client within [`ATTEMPT_WINDOW_SECONDS`]:
/// what locks an attacker's client out of an account without locking its owner out.
pub const MAX_FAILED_PER_ACCOUNT_AND_CLIENT: u32 = 10;
/// Most failed sign-ins from one client, at any accounts (one address may be a whole
/// office behind one NAT).
pub const MAX_FAILED_PER_CLIENT: u32 = 50;
/// Most failed sign-ins at one account from all clients together: bounds guessing spread
/// over many addresses (it takes at least ten of them to reach it). Reaching it locks the
/// owner out too, for at most a window.
pub const MAX_FAILED_PER_ACCOUNT_FROM_ALL_CLIENTS: u32 = 100;
pub const ATTEMPT_WINDOW_SECONDS: u64 = 60;
/// Most sign-ups one client may try within [`SIGN_UP_WINDOW_SECONDS`]: each one may tell
/// it whether an email has an account.
pub const MAX_SIGN_UPS_PER_CLIENT: u32 = 5;
pub const SIGN_UP_WINDOW_SECONDS: u64 = 600;

/// Error codes (`error.code`).
pub mod codes {
    pub const SIGNED_OUT: &str = "signed_out";
    pub const INVALID_CREDENTIALS: &str = "invalid_credentials";
    /// 409: a sign-up with an email that cannot be used (it has an account, and the
    /// password given is not its password). The answer says no more than that.
    pub const SIGN_UP_REFUSED: &str = "sign_up_refused";
    pub const TOO_MANY_ATTEMPTS: &str = "too_many_attempts";
    pub const TOO_MANY_ADDRESSES: &str = "too_many_addresses";
}

/// Writes a secret as the plain string it is (only JSON on the wire ever shows it).
fn expose<S: Serializer>(secret: &SecretString, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.expose_secret())
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
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    #[serde(serialize_with = "expose")]
    pub password: SecretString,
}

/// `POST /sessions`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Credentials {
    pub email: String,
    #[serde(serialize_with = "expose")]
    pub password: SecretString,
}

/// A session just made: its secret (for the cookie) and a first identity token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedIn {
    pub user: User,
    #[serde(serialize_with = "expose")]
    pub session_secret: SecretString,
    /// Seconds since the Unix epoch; the session cookie lives as long.
    pub session_expires_at: i64,
    pub identity: IdentityToken,
}

/// A signed identity token (see the `identity` crate) and when it expires.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdentityToken {
    /// A bearer credential for its lifetime: a secret like the others.
    #[serde(serialize_with = "expose")]
    pub token: SecretString,
    /// Seconds since the Unix epoch.
    pub expires_at: i64,
}

/// `GET /session`: the session is alive; who it belongs to, and a fresh identity token.
#[derive(Debug, Clone, Serialize, Deserialize)]
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

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "correct horse battery staple";

    fn user() -> User {
        User {
            id: "u1".into(),
            email: "ada@example.org".into(),
            name: "Ada".into(),
            created_at: "2026-03-01T10:00:00Z".into(),
            updated_at: "2026-03-01T10:00:00Z".into(),
        }
    }

    fn token() -> IdentityToken {
        IdentityToken {
            token: SECRET.into(),
            expires_at: 1,
        }
    }

    #[test]
    fn no_debug_shows_a_password_a_session_secret_or_a_token() {
        let shown = [
            format!(
                "{:?}",
                NewUser {
                    email: "ada@example.org".into(),
                    name: "Ada".into(),
                    password: SECRET.into(),
                }
            ),
            format!(
                "{:?}",
                Credentials {
                    email: "ada@example.org".into(),
                    password: SECRET.into(),
                }
            ),
            format!(
                "{:?}",
                SignedIn {
                    user: user(),
                    session_secret: SECRET.into(),
                    session_expires_at: 1,
                    identity: token(),
                }
            ),
            format!(
                "{:?}",
                SessionState {
                    user: user(),
                    handle: "h".into(),
                    session_expires_at: 1,
                    identity: token(),
                }
            ),
            format!("{:?}", token()),
        ];
        for shown in shown {
            assert!(!shown.contains(SECRET), "{shown}");
            assert!(!shown.contains("horse"), "{shown}");
        }
    }

    #[test]
    fn secrets_travel_as_plain_json_strings() {
        let credentials = Credentials {
            email: "ada@example.org".into(),
            password: SECRET.into(),
        };
        let json = serde_json::to_value(&credentials).unwrap();
        assert_eq!(
            json,
            serde_json::json!({ "email": "ada@example.org", "password": SECRET })
        );
        let read: Credentials = serde_json::from_value(json).unwrap();
        assert_eq!(read.password.expose_secret(), SECRET);
        let signed_in: SignedIn = serde_json::from_value(serde_json::json!({
            "user": user(),
            "session_secret": SECRET,
            "session_expires_at": 1,
            "identity": { "token": "a.b.c", "expires_at": 2 },
        }))
        .unwrap();
        assert_eq!(signed_in.session_secret.expose_secret(), SECRET);
        assert_eq!(signed_in.identity.token.expose_secret(), "a.b.c");
    }
}
