//! Connecting to the catalog database and bringing it up to date.

use crate::{migration::Migrator, seed};
use anyhow::Context;
use sea_orm::DatabaseConnection;

/// Connects, runs pending migrations and seeds an empty catalog.
pub async fn connect_and_prepare(
    url: &str,
    pool: platform::database::Pool,
) -> anyhow::Result<DatabaseConnection> {
    let db = platform::database::connect_and_migrate::<Migrator>(url, pool).await?;
    seed::seed_if_empty(&db)
        .await
        .context("seeding the catalog")?;
    Ok(db)
}
