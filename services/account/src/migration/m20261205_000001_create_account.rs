use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn timestamp(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn id(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).string_len(64).not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .if_not_exists()
                    .col(id(Users::Id).primary_key())
                    // Normalised (trimmed, lower case): unique, so two sign-ups with one
                    // address cannot both succeed, whatever the case they typed it in.
                    .col(
                        ColumnDef::new(Users::Email)
                            .string_len(254)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Users::Name).string_len(100).not_null())
                    // argon2id in the PHC string format (it names its own parameters).
                    .col(
                        ColumnDef::new(Users::PasswordHash)
                            .string_len(255)
                            .not_null(),
                    )
                    .col(timestamp(Users::CreatedAt))
                    .col(timestamp(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .if_not_exists()
                    .col(id(Sessions::Handle).primary_key())
                    // SHA-256 of the secret, 64 hex digits: the secret itself is never kept.
                    .col(
                        ColumnDef::new(Sessions::SecretHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(id(Sessions::UserId))
                    .col(timestamp(Sessions::CreatedAt))
                    .col(timestamp(Sessions::LastSeenAt))
                    .col(timestamp(Sessions::ExpiresAt))
                    .col(
                        ColumnDef::new(Sessions::RevokedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sessions_user")
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sessions_user")
                    .table(Sessions::Table)
                    .col(Sessions::UserId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Addresses::Table)
                    .if_not_exists()
                    .col(id(Addresses::Id).primary_key())
                    .col(id(Addresses::UserId))
                    .col(ColumnDef::new(Addresses::Name).string_len(100).not_null())
                    .col(
                        ColumnDef::new(Addresses::AddressLine1)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Addresses::AddressLine2)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Addresses::PostalCode)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Addresses::City).string_len(100).not_null())
                    .col(ColumnDef::new(Addresses::Country).string_len(2).not_null())
                    .col(ColumnDef::new(Addresses::IsDefault).boolean().not_null())
                    .col(timestamp(Addresses::CreatedAt))
                    .col(timestamp(Addresses::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_addresses_user")
                            .from(Addresses::Table, Addresses::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_addresses_user")
                    .table(Addresses::Table)
                    .col(Addresses::UserId)
                    .col(Addresses::CreatedAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // At most one default address per user, whatever the code does.
        manager
            .create_index(
                Index::create()
                    .name("idx_addresses_one_default")
                    .table(Addresses::Table)
                    .col(Addresses::UserId)
                    .unique()
                    .and_where(Expr::col(Addresses::IsDefault).eq(true))
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Addresses::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// `users`, not `user`: that is an SQL keyword in PostgreSQL.
#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    Name,
    PasswordHash,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Handle,
    SecretHash,
    UserId,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Addresses {
    Table,
    Id,
    UserId,
    Name,
    AddressLine1,
    AddressLine2,
    PostalCode,
    City,
    Country,
    IsDefault,
    CreatedAt,
    UpdatedAt,
}
