use sea_orm::entity::prelude::*;

/// A charge taken by the simulated payment provider (`crate::payment`). Only the card's
/// last four digits are kept.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// One charge per order: charging an order again answers the first charge.
    #[sea_orm(unique)]
    pub order_id: String,
    pub amount_minor: i64,
    pub currency: String,
    pub card_last4: String,
    /// `charged` or `refunded`.
    pub status: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
