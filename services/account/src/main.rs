use account_service::{configuration::Configuration, startup::Application};

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    platform::telemetry::init();
    let configuration = Configuration::from_env()?;
    let application = Application::build(configuration).await?;
    tracing::info!(
        port = application.server.port(),
        "account-service listening"
    );
    application.server.run_until_stopped().await?;
    Ok(())
}
