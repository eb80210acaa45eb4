use account_bff::{configuration::Configuration, startup::Application};

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    platform::telemetry::init();
    let configuration = Configuration::from_env()?;
    let application = Application::build(configuration)?;
    tracing::info!(port = application.server.port(), "account-bff listening");
    application.server.run_until_stopped().await?;
    Ok(())
}
