//! Identity keys for tests: a key pair of the kind account-service signs identity tokens
//! with, made for one test in a folder of its own (deleted when dropped).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

/// The private key (what account-service signs with, `ACCOUNT_SERVICE__SIGNING_KEY_FILE`),
/// the public key (what every BFF verifies with, `<SLICE>_BFF__IDENTITY_PUBLIC_KEY_FILE`),
/// and a signer, so a test can mint the tokens of signed-in shoppers — or expired and odd
/// ones.
pub struct IdentityKeys {
    pub private_key_file: PathBuf,
    pub public_key_file: PathBuf,
    pub signer: identity::Signer,
    folder: PathBuf,
}

impl IdentityKeys {
    /// A new key pair, written to a new temporary folder.
    pub fn generate() -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let folder = std::env::temp_dir().join(format!(
            "storefront-identity-keys-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&folder).expect("making a folder for identity keys");
        let private_key_file = folder.join("identity.pem");
        let public_key_file =
            identity::KeyPair::ensure_files(&private_key_file).expect("making identity keys");
        let signer = identity::Signer::from_file(&private_key_file).expect("reading the key");
        Self {
            private_key_file,
            public_key_file,
            signer,
            folder,
        }
    }

    /// A valid identity token for `user_id`, as account-bff would set it.
    pub fn token(&self, user_id: &str) -> String {
        self.signer
            .sign(user_id, "test-session", "Ada", identity::now())
            .expect("signing an identity token")
    }
}

impl Drop for IdentityKeys {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}
