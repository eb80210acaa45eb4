//! Schema migrations, applied in order at start-up.

use sea_orm_migration::prelude::*;

mod m20261205_000001_create_account;
mod m20261215_000001_create_attempts;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261205_000001_create_account::Migration),
            Box::new(m20261215_000001_create_attempts::Migration),
        ]
    }
}
