//! Connecting to the account database and bringing it up to date.

use crate::migration::Migrator;
use sea_orm::DatabaseConnection;

/// Connects and runs pending migrations.
pub async fn connect_and_prepare(
    url: &str,
    max_connections: u32,
) -> anyhow::Result<DatabaseConnection> {
    platform::database::connect_and_migrate::<Migrator>(url, max_connections).await
}
