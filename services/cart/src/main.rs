use cart_service::{configuration::Configuration, startup::Application};
use std::process::ExitCode;

/// Serves; or, given `--health-check` (the container probe), asks the server this
/// configuration describes whether it is ready (`GET /readyz`) and exits 0 or 1.
fn main() -> anyhow::Result<ExitCode> {
    platform::health::serve_or_check("/readyz", || Ok(Configuration::from_env()?.port), serve)
}

async fn serve() -> anyhow::Result<()> {
    platform::telemetry::init();
    #[cfg(feature = "failpoints")]
    cart_service::failpoints::configure_from_env()?;
    let configuration = Configuration::from_env()?;
    let application = Application::build(configuration).await?;
    tracing::info!(port = application.server.port(), "cart-service listening");
    application.server.run_until_stopped().await?;
    Ok(())
}
