use sea_orm::entity::prelude::*;

/// One product in a cart, with what the catalog said about it when the line last changed
/// (or when the cart was last looked at with the catalog answering).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cart_line")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub cart_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub product_id: i64,
    pub quantity: i32,
    pub name: String,
    pub slug: String,
    pub unit_price_minor: i64,
    pub currency: String,
    /// Lines are shown in the order they were first added.
    pub added_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::cart::Entity",
        from = "Column::CartId",
        to = "super::cart::Column::Id"
    )]
    Cart,
}

impl Related<super::cart::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Cart.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
