use crate::attempts::Attempts;
use crate::passwords::Passwords;
use crate::{configuration::Configuration, database, routes};
use actix_web::web;
use identity::{KeyPair, Signer};
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;
use std::path::{Path, PathBuf};

/// What the handlers share.
pub struct AppState {
    pub db: DatabaseConnection,
    pub passwords: Passwords,
    /// Sign-in and sign-up attempts, counted in the database (shared by every replica).
    pub attempts: Attempts,
    pub signer: Signer,
}

/// A running account-service: migrated, its key loaded, bound, not yet awaited.
pub struct Application {
    pub server: platform::server::Server,
    /// The database it uses (tests read and change it directly).
    pub db: DatabaseConnection,
    /// The public key that verifies its identity tokens (SPKI PEM), for the BFFs.
    pub public_key_file: PathBuf,
}

impl Application {
    /// Connects to (and migrates) the database, loads the signing key (making a pair when
    /// there is none), makes the dummy password hash, then binds the listener — so a
    /// caller that asked for port 0 can read the real one from the server.
    pub async fn build(configuration: Configuration) -> anyhow::Result<Self> {
        let db = database::connect_and_prepare(
            configuration.database_url.expose_secret(),
            configuration.pool,
        )
        .await?;
        let (signer, public_key_file) = signing_key(&configuration.signing_key_file)?;
        let state = web::Data::new(AppState {
            db: db.clone(),
            passwords: Passwords::new().await?,
            attempts: Attempts::new(db.clone(), configuration.limits),
            signer,
        });
        let server = platform::server::serve(
            platform::server::Exposure::Internal,
            &configuration.host,
            configuration.port,
            state,
            routes::configure,
        )?;
        Ok(Self {
            server,
            db,
            public_key_file,
        })
    }
}

/// The signer for the private key at `private`, and where its public key is; a new pair is
/// made there first when the private key file does not exist.
fn signing_key(private: &Path) -> anyhow::Result<(Signer, PathBuf)> {
    let public = if private.exists() {
        let mut public = private.as_os_str().to_owned();
        public.push(".pub");
        PathBuf::from(public)
    } else {
        let public = KeyPair::ensure_files(private)?;
        tracing::info!(
            private_key = %private.display(),
            public_key = %public.display(),
            "made a new identity signing key pair"
        );
        public
    };
    let signer = Signer::from_file(private)?;
    tracing::info!(public_key = %public.display(), "identity tokens are verified with this key");
    Ok((signer, public))
}
