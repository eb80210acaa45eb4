//! Schema migrations, applied in order at start-up.

use sea_orm_migration::prelude::*;

mod m20261201_000001_create_cart;
mod m20261215_000002_user_cart;
mod m20261220_000003_order_leases;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261201_000001_create_cart::Migration),
            Box::new(m20261215_000002_user_cart::Migration),
            Box::new(m20261220_000003_order_leases::Migration),
        ]
    }
}
