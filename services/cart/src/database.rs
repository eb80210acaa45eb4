//! Connecting to the cart database and bringing it up to date.

use crate::migration::Migrator;
use sea_orm::DatabaseConnection;

/// Connects and runs pending migrations.
pub async fn connect_and_prepare(
    url: &str,
    pool: platform::database::Pool,
) -> anyhow::Result<DatabaseConnection> {
    platform::database::connect_and_migrate::<Migrator>(url, pool).await
}
