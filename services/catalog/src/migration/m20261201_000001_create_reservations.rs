use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Reservation::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Reservation::Id)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Reservation::State).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Reservation::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Reservation::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Reservation::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        // The sweeper's question: which held reservations are due.
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_reservation_state_expires_at")
                    .table(Reservation::Table)
                    .col(Reservation::State)
                    .col(Reservation::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReservationLine::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(ReservationLine::ReservationId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ReservationLine::ProductId)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ReservationLine::Quantity)
                            .integer()
                            .not_null()
                            .check(Expr::col(ReservationLine::Quantity).gt(0)),
                    )
                    .col(
                        ColumnDef::new(ReservationLine::UnitPriceMinor)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ReservationLine::Currency)
                            .string_len(3)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ReservationLine::Name)
                            .string_len(200)
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(ReservationLine::ReservationId)
                            .col(ReservationLine::ProductId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_reservation_line_reservation")
                            .from(ReservationLine::Table, ReservationLine::ReservationId)
                            .to(Reservation::Table, Reservation::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_reservation_line_product")
                            .from(ReservationLine::Table, ReservationLine::ProductId)
                            .to(Product::Table, Product::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // PostgreSQL does not index a foreign key by itself; a product's lines are looked
        // up whenever that product would be deleted.
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_reservation_line_product")
                    .table(ReservationLine::Table)
                    .col(ReservationLine::ProductId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ReservationLine::Table.into_iden(),
            Reservation::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Reservation {
    Table,
    Id,
    State,
    ExpiresAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReservationLine {
    Table,
    ReservationId,
    ProductId,
    Quantity,
    UnitPriceMinor,
    Currency,
    Name,
}

#[derive(DeriveIden)]
enum Product {
    Table,
    Id,
}
