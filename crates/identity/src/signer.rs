//! Signing identity tokens and making keys (feature `sign`): account-service only.

use crate::{Claims, AUDIENCE, ISSUER, TOKEN_LIFETIME};
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::spki::EncodePublicKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use ed25519_dalek::SigningKey;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use std::path::{Path, PathBuf};

/// An Ed25519 key pair in PEM: PKCS#8 private key, SPKI public key.
#[derive(Clone)]
pub struct KeyPair {
    pub private_pem: String,
    pub public_pem: String,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("public_pem", &self.public_pem)
            .finish_non_exhaustive()
    }
}

impl KeyPair {
    /// A new random key pair.
    pub fn generate() -> anyhow::Result<Self> {
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed)
            .map_err(|error| anyhow::anyhow!("no randomness for a key: {error}"))?;
        let key = SigningKey::from_bytes(&seed);
        let private_pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|error| anyhow::anyhow!("encoding the private key: {error}"))?
            .to_string();
        let public_pem = key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .map_err(|error| anyhow::anyhow!("encoding the public key: {error}"))?;
        Ok(Self {
            private_pem,
            public_pem,
        })
    }

    /// The key pair in `private` and `private` + `.pub`, made (private file mode 0600)
    /// when `private` does not exist yet. Returns the public key's path.
    pub fn ensure_files(private: &Path) -> anyhow::Result<PathBuf> {
        let public = public_key_path(private);
        if private.exists() && public.exists() {
            return Ok(public);
        }
        if let Some(dir) = private.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let pair = Self::generate()?;
        write_private(private, &pair.private_pem)?;
        std::fs::write(&public, &pair.public_pem)?;
        Ok(public)
    }
}

/// Where [`KeyPair::ensure_files`] keeps the public key of the private key at `private`.
pub fn public_key_path(private: &Path) -> PathBuf {
    let mut name = private.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

#[cfg(unix)]
fn write_private(path: &Path, pem: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(pem.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, pem: &str) -> std::io::Result<()> {
    std::fs::write(path, pem)
}

/// Signs identity tokens with the private key.
#[derive(Clone)]
pub struct Signer {
    key: EncodingKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(EdDSA)")
    }
}

impl Signer {
    /// From the private key in PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_private_pem(pem: &str) -> anyhow::Result<Self> {
        let key = EncodingKey::from_ed_pem(pem.as_bytes())
            .map_err(|error| anyhow::anyhow!("not an Ed25519 private key in PEM: {error}"))?;
        Ok(Self { key })
    }

    /// From a file holding the private key in PEM.
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let pem = std::fs::read_to_string(path)
            .map_err(|error| anyhow::anyhow!("reading {}: {error}", path.display()))?;
        Self::from_private_pem(&pem)
    }

    /// A token for `user_id` in session `session`, valid from `now` for [`TOKEN_LIFETIME`].
    pub fn sign(
        &self,
        user_id: &str,
        session: &str,
        first_name: &str,
        now: i64,
    ) -> anyhow::Result<String> {
        let lifetime = i64::try_from(TOKEN_LIFETIME.as_secs()).unwrap_or(300);
        self.sign_claims(&Claims {
            sub: user_id.to_owned(),
            sid: session.to_owned(),
            name: first_name.to_owned(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat: now,
            exp: now + lifetime,
        })
    }

    /// A token with exactly these claims (tests use it for expired or odd tokens).
    pub fn sign_claims(&self, claims: &Claims) -> anyhow::Result<String> {
        jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), claims, &self.key)
            .map_err(|error| anyhow::anyhow!("signing an identity token: {error}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{now, Verifier};

    fn pair() -> (Signer, Verifier) {
        let pair = KeyPair::generate().unwrap();
        (
            Signer::from_private_pem(&pair.private_pem).unwrap(),
            Verifier::from_public_pem(&pair.public_pem).unwrap(),
        )
    }

    fn b64(bytes: &[u8]) -> String {
        // base64url without padding, enough for the tests' hand-made tokens
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..=chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }

    #[test]
    fn a_signed_token_names_its_user() {
        let (signer, verifier) = pair();
        let token = signer.sign("42", "s1", "Ada", now()).unwrap();
        let identity = verifier.verify(&token).unwrap();
        assert_eq!(identity.user_id, "42");
        assert_eq!(identity.session, "s1");
        assert_eq!(identity.first_name, "Ada");
    }

    #[test]
    fn a_flipped_byte_another_key_or_an_old_token_is_a_guest() {
        let (signer, verifier) = pair();
        let token = signer.sign("42", "s1", "Ada", now()).unwrap();
        for position in [5, token.len() / 2, token.len() - 3] {
            let mut bytes = token.clone().into_bytes();
            bytes[position] = if bytes[position] == b'A' { b'B' } else { b'A' };
            let altered = String::from_utf8(bytes).unwrap();
            assert_eq!(verifier.verify(&altered), None, "byte {position}");
        }
        let (other, _) = pair();
        assert_eq!(
            verifier.verify(&other.sign("42", "s1", "Ada", now()).unwrap()),
            None
        );
        let expired = signer.sign("42", "s1", "Ada", now() - 301).unwrap();
        assert_eq!(verifier.verify(&expired), None);
        assert_eq!(verifier.verify(""), None);
        assert_eq!(verifier.verify("a.b.c"), None);
    }

    #[test]
    fn alg_none_and_foreign_audiences_are_refused() {
        let (signer, verifier) = pair();
        let claims = format!(
            r#"{{"sub":"42","sid":"s","name":"A","iss":"{ISSUER}","aud":"{AUDIENCE}","iat":{0},"exp":{1}}}"#,
            now(),
            now() + 60
        );
        let unsigned = format!(
            "{}.{}.",
            b64(br#"{"alg":"none","typ":"JWT"}"#),
            b64(claims.as_bytes())
        );
        assert_eq!(verifier.verify(&unsigned), None);
        let mut foreign = Claims {
            sub: "42".into(),
            sid: "s".into(),
            name: "A".into(),
            iss: ISSUER.into(),
            aud: "someone-else".into(),
            iat: now(),
            exp: now() + 60,
        };
        assert_eq!(
            verifier.verify(&signer.sign_claims(&foreign).unwrap()),
            None
        );
        foreign.aud = AUDIENCE.into();
        foreign.iss = "mallory".into();
        assert_eq!(
            verifier.verify(&signer.sign_claims(&foreign).unwrap()),
            None
        );
    }

    #[test]
    fn the_cookie_is_read_under_the_name_that_fits_the_scheme() {
        use actix_web::test::TestRequest;
        let (signer, verifier) = pair();
        let token = signer.sign("42", "s1", "Ada", now()).unwrap();
        let request = |cookie: String, https: bool| {
            let mut request = TestRequest::default().insert_header(("cookie", cookie));
            if https {
                request = request.insert_header(("x-forwarded-proto", "https"));
            }
            request.to_http_request()
        };
        let signed_in = |request| verifier.identify(&request).map(|found| found.user_id);
        assert_eq!(crate::IDENTITY.name(true), "__Host-identity");
        assert_eq!(crate::IDENTITY.name(false), "identity");
        assert_eq!(
            signed_in(request(format!("identity={token}"), false)),
            Some("42".into())
        );
        assert_eq!(
            signed_in(request(format!("__Host-identity={token}"), true)),
            Some("42".into())
        );
        // A plain-named token over HTTPS may have been planted (by a sibling subdomain, or
        // an answer over plain HTTP): a guest. The prefixed name over HTTP is no cookie of ours.
        assert_eq!(signed_in(request(format!("identity={token}"), true)), None);
        assert_eq!(
            signed_in(request(format!("__Host-identity={token}"), false)),
            None
        );
    }

    #[test]
    fn key_files_are_made_once() {
        let dir = std::env::temp_dir().join(format!("identity-keys-{}", std::process::id()));
        let private = dir.join("identity.pem");
        let public = KeyPair::ensure_files(&private).unwrap();
        let first = std::fs::read_to_string(&public).unwrap();
        KeyPair::ensure_files(&private).unwrap();
        assert_eq!(std::fs::read_to_string(&public).unwrap(), first);
        let signer = Signer::from_file(&private).unwrap();
        let verifier = Verifier::from_file(&public).unwrap();
        assert!(verifier
            .verify(&signer.sign("1", "s", "A", now()).unwrap())
            .is_some());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
