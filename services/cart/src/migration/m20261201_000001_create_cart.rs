use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Cart::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Cart::Id)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Cart::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Cart::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CartLine::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(CartLine::CartId).string_len(64).not_null())
                    .col(ColumnDef::new(CartLine::ProductId).big_integer().not_null())
                    .col(
                        ColumnDef::new(CartLine::Quantity)
                            .integer()
                            .not_null()
                            .check(Expr::col(CartLine::Quantity).gt(0)),
                    )
                    .col(ColumnDef::new(CartLine::Name).string_len(200).not_null())
                    .col(ColumnDef::new(CartLine::Slug).string_len(120).not_null())
                    .col(
                        ColumnDef::new(CartLine::UnitPriceMinor)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(CartLine::Currency).string_len(3).not_null())
                    .col(
                        ColumnDef::new(CartLine::AddedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(CartLine::CartId)
                            .col(CartLine::ProductId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_cart_line_cart")
                            .from(CartLine::Table, CartLine::CartId)
                            .to(Cart::Table, Cart::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Orders::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Orders::Id)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Orders::Owner).string_len(80).not_null())
                    .col(ColumnDef::new(Orders::CartId).string_len(64).not_null())
                    // The cart while this order is under way, NULL once it is placed, failed
                    // or compensating: unique, so one cart has one checkout at a time.
                    .col(
                        ColumnDef::new(Orders::ActiveCartId)
                            .string_len(64)
                            .null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(Orders::IdempotencyKey)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(Orders::RequestFingerprint)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Orders::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Orders::FailureCode).string_len(64).null())
                    .col(ColumnDef::new(Orders::FailureMessage).text().null())
                    .col(ColumnDef::new(Orders::Shortages).text().null())
                    .col(
                        ColumnDef::new(Orders::SubtotalMinor)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Orders::ShippingMinor)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Orders::TotalMinor).big_integer().not_null())
                    .col(ColumnDef::new(Orders::Currency).string_len(3).not_null())
                    .col(ColumnDef::new(Orders::ShipName).string_len(200).not_null())
                    .col(ColumnDef::new(Orders::ShipLine1).string_len(200).not_null())
                    .col(ColumnDef::new(Orders::ShipLine2).string_len(200).not_null())
                    .col(
                        ColumnDef::new(Orders::ShipPostalCode)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Orders::ShipCity).string_len(200).not_null())
                    .col(ColumnDef::new(Orders::ShipCountry).string_len(2).not_null())
                    .col(ColumnDef::new(Orders::CardLast4).string_len(4).not_null())
                    .col(ColumnDef::new(Orders::PaymentRef).string_len(64).null())
                    .col(
                        ColumnDef::new(Orders::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Orders::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Orders::PlacedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("idx_orders_owner", [Orders::Owner, Orders::CreatedAt]),
            ("idx_orders_status", [Orders::Status, Orders::UpdatedAt]),
        ] {
            let mut index = Index::create();
            index.if_not_exists().name(name).table(Orders::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(OrderLine::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(OrderLine::OrderId).string_len(64).not_null())
                    .col(
                        ColumnDef::new(OrderLine::ProductId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(OrderLine::Position).integer().not_null())
                    .col(ColumnDef::new(OrderLine::Quantity).integer().not_null())
                    .col(ColumnDef::new(OrderLine::Name).string_len(200).not_null())
                    .col(ColumnDef::new(OrderLine::Slug).string_len(120).not_null())
                    .col(
                        ColumnDef::new(OrderLine::UnitPriceMinor)
                            .big_integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(OrderLine::OrderId)
                            .col(OrderLine::ProductId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_order_line_order")
                            .from(OrderLine::Table, OrderLine::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Payment::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Payment::Id)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Payment::OrderId)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(Payment::AmountMinor)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Payment::Currency).string_len(3).not_null())
                    .col(ColumnDef::new(Payment::CardLast4).string_len(4).not_null())
                    .col(ColumnDef::new(Payment::Status).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Payment::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Payment::Table.into_iden(),
            OrderLine::Table.into_iden(),
            Orders::Table.into_iden(),
            CartLine::Table.into_iden(),
            Cart::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Cart {
    Table,
    Id,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CartLine {
    Table,
    CartId,
    ProductId,
    Quantity,
    Name,
    Slug,
    UnitPriceMinor,
    Currency,
    AddedAt,
}

/// `orders`, not `order`: that is an SQL keyword, which every hand-written query would
/// have to quote.
#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    Owner,
    CartId,
    ActiveCartId,
    IdempotencyKey,
    RequestFingerprint,
    Status,
    FailureCode,
    FailureMessage,
    Shortages,
    SubtotalMinor,
    ShippingMinor,
    TotalMinor,
    Currency,
    ShipName,
    ShipLine1,
    ShipLine2,
    ShipPostalCode,
    ShipCity,
    ShipCountry,
    CardLast4,
    PaymentRef,
    CreatedAt,
    UpdatedAt,
    PlacedAt,
}

#[derive(DeriveIden)]
enum OrderLine {
    Table,
    OrderId,
    ProductId,
    Position,
    Quantity,
    Name,
    Slug,
    UnitPriceMinor,
}

#[derive(DeriveIden)]
enum Payment {
    Table,
    Id,
    OrderId,
    AmountMinor,
    Currency,
    CardLast4,
    Status,
    CreatedAt,
}
