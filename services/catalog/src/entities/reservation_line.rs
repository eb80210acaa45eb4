use sea_orm::entity::prelude::*;

/// Units of one product in a reservation, with the name and price they were reserved at
/// (what the order charges, whatever the catalog says later).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reservation_line")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub reservation_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub product_id: i32,
    pub quantity: i32,
    /// In the currency's minor unit (cents).
    pub unit_price_minor: i64,
    /// ISO 4217.
    pub currency: String,
    pub name: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::reservation::Entity",
        from = "Column::ReservationId",
        to = "super::reservation::Column::Id"
    )]
    Reservation,
    #[sea_orm(
        belongs_to = "super::product::Entity",
        from = "Column::ProductId",
        to = "super::product::Column::Id"
    )]
    Product,
}

impl Related<super::reservation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Reservation.def()
    }
}

impl Related<super::product::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Product.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
