use catalog_bff::{configuration::Configuration, startup::Application};
use std::process::ExitCode;

/// Serves; or, given `--health-check` (the container probe), asks the server this
/// configuration describes whether it is ready (`GET /api/catalog/readyz`) and exits 0 or 1.
fn main() -> anyhow::Result<ExitCode> {
    if std::env::args().nth(1).as_deref() == Some("--health-check") {
        let configuration = Configuration::from_env()?;
        return Ok(platform::health::check(
            configuration.port,
            "/api/catalog/readyz",
        ));
    }
    actix_web::rt::System::new().block_on(serve())?;
    Ok(ExitCode::SUCCESS)
}

async fn serve() -> anyhow::Result<()> {
    platform::telemetry::init();
    let configuration = Configuration::from_env()?;
    let application = Application::build(configuration)?;
    tracing::info!(port = application.server.port(), "catalog-bff listening");
    application.server.run_until_stopped().await?;
    Ok(())
}
