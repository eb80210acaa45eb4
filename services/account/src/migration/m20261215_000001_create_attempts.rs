//! Sign-in and sign-up attempts, counted in the database so that every replica of the
//! service counts the same ones (see `crate::attempts`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Attempts::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Attempts::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    // `sign_in` or `sign_up`.
                    .col(ColumnDef::new(Attempts::Kind).string_len(16).not_null())
                    // SHA-256 of the normalised email (hex), `""` for a sign-up.
                    .col(ColumnDef::new(Attempts::Account).string_len(64).not_null())
                    // The client's address as account-bff saw it, `""` when not given.
                    .col(ColumnDef::new(Attempts::Client).string_len(64).not_null())
                    // Milliseconds since the Unix epoch: compared and subtracted alike on
                    // both databases.
                    .col(ColumnDef::new(Attempts::AtMs).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "idx_attempts_account",
                vec![Attempts::Kind, Attempts::Account, Attempts::AtMs],
            ),
            (
                "idx_attempts_client",
                vec![Attempts::Kind, Attempts::Client, Attempts::AtMs],
            ),
            ("idx_attempts_at", vec![Attempts::AtMs]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Attempts::Table).if_not_exists();
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(AttemptLocks::Table)
                    .if_not_exists()
                    // e.g. `sign_in/client/203.0.113.7`: what an admission locks while it
                    // counts and adds, so that concurrent ones take turns.
                    .col(
                        ColumnDef::new(AttemptLocks::Key)
                            .string_len(128)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AttemptLocks::TouchedMs)
                            .big_integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_attempt_locks_touched")
                    .table(AttemptLocks::Table)
                    .col(AttemptLocks::TouchedMs)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [AttemptLocks::Table.into_iden(), Attempts::Table.into_iden()] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Attempts {
    Table,
    Id,
    Kind,
    Account,
    Client,
    AtMs,
}

#[derive(DeriveIden)]
enum AttemptLocks {
    Table,
    Key,
    TouchedMs,
}
