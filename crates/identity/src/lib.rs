//! Identity every BFF can trust, without asking account-service per request.
//!
//! account-service holds the only private key (Ed25519). When a shopper signs in, and
//! while their session lives, it signs a short **identity token** (a JWT, `alg: EdDSA`,
//! at most [`TOKEN_LIFETIME`] long) that account-bff puts in the HttpOnly cookie
//! [`IDENTITY`] (`identity`, or `__Host-identity` over HTTPS). Every other BFF reads that
//! cookie and verifies it locally with the public key ([`Verifier`]): a valid token names the user; a missing, forged, altered,
//! wrongly signed (another key, `alg: none`, HMAC) or expired token means "guest".
//!
//! Signing out revokes the session in account-service: account-bff, which checks the
//! session on each of its requests, knows at once; the other BFFs stop accepting the
//! token when it expires, at most [`TOKEN_LIFETIME`] later. The threat model is in the
//! README ("Identity").

#[cfg(feature = "sign")]
mod signer;

#[cfg(feature = "sign")]
pub use signer::{KeyPair, Signer};

use actix_web::HttpRequest;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use platform::cookie::ShopCookie;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;

/// The plain name of the cookie that carries the identity token.
pub const IDENTITY_COOKIE: &str = "identity";
/// The cookie that carries the identity token: HttpOnly, `SameSite=Lax`, `Path=/` — every
/// BFF reads it, and the page request's header fragments are rendered from it — so over
/// HTTPS it is `__Host-identity` ([`platform::cookie`]).
pub const IDENTITY: ShopCookie = ShopCookie::site_wide(IDENTITY_COOKIE);
/// The longest an identity token is valid: the longest a revoked session is still
/// recognised by BFFs other than account-bff.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(5 * 60);
/// `iss` of every token: who signed it.
pub const ISSUER: &str = "copperleaf-account";
/// `aud` of every token: who may accept it.
pub const AUDIENCE: &str = "copperleaf-bff";

/// What an identity token says (its JWT claims).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    /// The session's public handle (never the session's secret).
    pub sid: String,
    /// The user's first name, for greetings.
    pub name: String,
    pub iss: String,
    pub aud: String,
    /// Issued at, seconds since the Unix epoch.
    pub iat: i64,
    /// Expires at, seconds since the Unix epoch.
    pub exp: i64,
}

/// A signed-in shopper, as a verified token names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user_id: String,
    pub session: String,
    pub first_name: String,
    /// When the token stops being accepted, seconds since the Unix epoch.
    pub expires_at: i64,
}

impl From<Claims> for Identity {
    fn from(claims: Claims) -> Self {
        Identity {
            user_id: claims.sub,
            session: claims.sid,
            first_name: claims.name,
            expires_at: claims.exp,
        }
    }
}

/// Checks identity tokens with account-service's public key.
#[derive(Clone)]
pub struct Verifier {
    key: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Verifier(EdDSA)")
    }
}

impl Verifier {
    /// From the public key in SPKI PEM (`-----BEGIN PUBLIC KEY-----`).
    pub fn from_public_pem(pem: &str) -> anyhow::Result<Self> {
        let key = DecodingKey::from_ed_pem(pem.as_bytes())
            .map_err(|error| anyhow::anyhow!("not an Ed25519 public key in PEM: {error}"))?;
        // Only EdDSA: a token that says `none` or `HS256` is refused before any check.
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        // No grace after `exp`: a token lives at most TOKEN_LIFETIME.
        validation.leeway = 0;
        Ok(Self { key, validation })
    }

    /// From a file holding the public key in PEM.
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let pem = std::fs::read_to_string(path)
            .map_err(|error| anyhow::anyhow!("reading {}: {error}", path.display()))?;
        Self::from_public_pem(&pem)
    }

    /// The shopper `token` names, or `None` when it is not a valid, unexpired token
    /// signed by account-service.
    pub fn verify(&self, token: &str) -> Option<Identity> {
        match jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation) {
            Ok(data) => Some(data.claims.into()),
            Err(error) => {
                tracing::debug!(%error, "identity token refused; treated as a guest");
                None
            }
        }
    }

    /// The signed-in shopper of `request` (its [`IDENTITY`] cookie, under the name that
    /// fits the request's scheme), or `None` for a guest.
    pub fn identify(&self, request: &HttpRequest) -> Option<Identity> {
        IDENTITY.read(request).and_then(|token| self.verify(token))
    }
}

/// Seconds since the Unix epoch, now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}
