//! account-bff, started for tests (account-service itself is in [`crate::account`]).

use crate::RunningServer;
use std::path::Path;
use std::time::Duration;

/// The BFF's deadline for account-service in tests. Generous: a sign-in or sign-up hashes
/// with argon2id (19 MiB, 2 passes), which an unoptimised test build does in about a second
/// alone and in many more with other tests and builds sharing the machine — a slow answer
/// is not what these tests judge. Tests of the deadline itself set their own.
pub const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(20);

/// How tests run account-bff: any free port, calling account-service at `service_url`,
/// judging identity tokens with the public key in `public_key_file`.
pub fn bff_configuration(
    service_url: &str,
    public_key_file: &Path,
) -> account_bff::configuration::Configuration {
    account_bff::configuration::Configuration {
        host: "127.0.0.1".into(),
        port: 0,
        account_service_url: service_url.to_owned(),
        upstream_timeout: UPSTREAM_TIMEOUT,
        identity_public_key_file: public_key_file.to_owned(),
        mfe_manifest: None,
    }
}

/// account-bff in this process, calling account-service at `service_url`.
pub fn spawn_bff(service_url: &str, public_key_file: &Path) -> RunningServer {
    let application =
        account_bff::startup::Application::build(bff_configuration(service_url, public_key_file))
            .expect("starting account-bff");
    RunningServer::spawn(application.server)
}
