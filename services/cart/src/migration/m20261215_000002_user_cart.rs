//! A cart may belong to a signed-in user: `cart.user_id`, unique, so a user has one cart
//! however many devices ask for it at once. Guest carts keep `NULL` (a unique index allows
//! any number of those on SQLite and PostgreSQL).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "idx_cart_user_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Cart::Table)
                    .add_column(ColumnDef::new(Cart::UserId).string_len(64).null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name(INDEX)
                    .table(Cart::Table)
                    .col(Cart::UserId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Cart::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Cart::Table)
                    .drop_column(Cart::UserId)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Cart {
    Table,
    UserId,
}
