use sea_orm::entity::prelude::*;

/// Units taken out of stock for a caller (cart-service, for an order) until it commits
/// or releases them, or `expires_at` passes.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reservation")]
pub struct Model {
    /// Chosen by the caller, so a retried call finds the reservation it already made.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// A `catalog_service_api::ReservationState` name: `held`, `committed`, `released`,
    /// `expired`.
    pub state: String,
    pub expires_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::reservation_line::Entity")]
    Line,
}

impl Related<super::reservation_line::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Line.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
