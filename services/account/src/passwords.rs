//! Password hashing: argon2id with OWASP's parameters (19 MiB of memory, 2 passes, one
//! lane), on tokio's blocking threads — a hash takes tens of milliseconds of CPU and
//! 19 MiB, which must never stall an HTTP worker.
//!
//! Checking the password of an email nobody signed up with does the same work as checking
//! a wrong one, against a dummy hash made at start-up with the same parameters, so the time
//! of an answer does not tell whether an account exists.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Memory in KiB, passes, lanes: OWASP's first recommendation for argon2id.
pub const MEMORY_KIB: u32 = 19 * 1024;
pub const PASSES: u32 = 2;
pub const LANES: u32 = 1;

/// Hashes new passwords and checks given ones, one per core at a time: each takes 19 MiB,
/// so a burst of sign-ins waits its turn instead of filling the memory (more at once would
/// not finish sooner).
pub struct Passwords {
    /// A hash of a random password nobody knows, checked when the email is unknown.
    dummy_hash: String,
    turns: Arc<Semaphore>,
}

fn argon2() -> anyhow::Result<Argon2<'static>> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None)
        .map_err(|error| anyhow::anyhow!("argon2 parameters: {error}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_now(password: &[u8]) -> anyhow::Result<String> {
    let salt = SaltString::encode_b64(&crate::ids::random_bytes::<16>()?)
        .map_err(|error| anyhow::anyhow!("encoding a salt: {error}"))?;
    Ok(argon2()?
        .hash_password(password, &salt)
        .map_err(|error| anyhow::anyhow!("hashing a password: {error}"))?
        .to_string())
}

/// Whether `password` is the one `hash` was made of. A hash that cannot be read is an error.
fn verify_now(password: &[u8], hash: &str) -> anyhow::Result<bool> {
    let hash = PasswordHash::new(hash)
        .map_err(|error| anyhow::anyhow!("reading a stored hash: {error}"))?;
    match argon2()?.verify_password(password, &hash) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(error) => Err(anyhow::anyhow!("checking a password: {error}")),
    }
}

impl Passwords {
    /// Makes the dummy hash (one hash's work, at start-up).
    pub async fn new() -> anyhow::Result<Self> {
        let cores = std::thread::available_parallelism().map_or(1, |cores| cores.get());
        let mut passwords = Self {
            dummy_hash: String::new(),
            turns: Arc::new(Semaphore::new(cores)),
        };
        let unknowable = crate::ids::random_bytes::<32>()?;
        passwords.dummy_hash = passwords.blocking(move || hash_now(&unknowable)).await?;
        Ok(passwords)
    }

    /// Runs `work` on a blocking thread once a core is free for it.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let turn = self.turns.clone().acquire_owned().await?;
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            work()
        })
        .await
        .map_err(|error| anyhow::anyhow!("a password task failed: {error}"))?
    }

    /// The argon2id hash of `password` (PHC string format, with a random salt).
    pub async fn hash(&self, password: SecretString) -> anyhow::Result<String> {
        self.blocking(move || hash_now(password.expose_secret().as_bytes()))
            .await
    }

    /// Whether `password` matches `hash`; with no hash (an unknown email) it checks the
    /// dummy hash instead — the same work — and says no.
    pub async fn verify(
        &self,
        password: SecretString,
        hash: Option<String>,
    ) -> anyhow::Result<bool> {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.clone());
        let matches = self
            .blocking(move || verify_now(password.expose_secret().as_bytes(), &hash))
            .await?;
        Ok(known && matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_is_argon2id_with_owasp_parameters_and_checks_only_its_password() {
        let passwords = Passwords::new().await.unwrap();
        let started = std::time::Instant::now();
        let hash = passwords
            .hash("correct horse battery".into())
            .await
            .unwrap();
        eprintln!("one argon2id hash took {:?}", started.elapsed());
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(!hash.contains("correct horse"));
        assert!(passwords
            .verify("correct horse battery".into(), Some(hash.clone()))
            .await
            .unwrap());
        assert!(!passwords
            .verify("correct horse battery!".into(), Some(hash.clone()))
            .await
            .unwrap());
        assert_ne!(
            hash,
            passwords
                .hash("correct horse battery".into())
                .await
                .unwrap(),
            "salted"
        );
    }

    #[tokio::test]
    async fn an_unknown_account_checks_the_dummy_hash_and_says_no() {
        let passwords = Passwords::new().await.unwrap();
        assert!(passwords
            .dummy_hash
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(!passwords
            .verify("anything at all".into(), None)
            .await
            .unwrap());
    }
}
