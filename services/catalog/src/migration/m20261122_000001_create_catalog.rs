use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Category::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Category::Id)
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Category::Slug)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Category::Name).string_len(120).not_null())
                    .col(ColumnDef::new(Category::Description).text().not_null())
                    .col(
                        ColumnDef::new(Category::Position)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Product::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Product::Id)
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Product::Slug)
                            .string_len(120)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Product::Name).string_len(200).not_null())
                    .col(ColumnDef::new(Product::Description).text().not_null())
                    .col(
                        ColumnDef::new(Product::PriceMinor)
                            .big_integer()
                            .not_null()
                            .check(Expr::col(Product::PriceMinor).gte(0)),
                    )
                    .col(ColumnDef::new(Product::Currency).string_len(3).not_null())
                    .col(
                        ColumnDef::new(Product::Stock)
                            .integer()
                            .not_null()
                            .check(Expr::col(Product::Stock).gte(0)),
                    )
                    .col(ColumnDef::new(Product::CategoryId).integer().not_null())
                    .col(
                        ColumnDef::new(Product::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_product_category")
                            .from(Product::Table, Product::CategoryId)
                            .to(Category::Table, Category::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_product_category", Product::CategoryId),
            ("idx_product_price", Product::PriceMinor),
            ("idx_product_created_at", Product::CreatedAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .if_not_exists()
                        .name(name)
                        .table(Product::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ProductImage::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(ProductImage::ProductId)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ProductImage::ContentType)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ProductImage::Data).binary().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_product_image_product")
                            .from(ProductImage::Table, ProductImage::ProductId)
                            .to(Product::Table, Product::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ProductImage::Table.into_iden(),
            Product::Table.into_iden(),
            Category::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Category {
    Table,
    Id,
    Slug,
    Name,
    Description,
    Position,
}

#[derive(DeriveIden)]
enum Product {
    Table,
    Id,
    Slug,
    Name,
    Description,
    PriceMinor,
    Currency,
    Stock,
    CategoryId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ProductImage {
    Table,
    ProductId,
    ContentType,
    Data,
}
