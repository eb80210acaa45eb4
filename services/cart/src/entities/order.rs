use sea_orm::entity::prelude::*;

/// An order and where its checkout saga is (`status`, one of
/// `cart_service_api::OrderStatus`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    /// Random, made by the service; also the id of its stock reservation in the catalog.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub owner: String,
    pub cart_id: String,
    /// `Some(cart_id)` while the checkout may still place the order; unique, so a cart
    /// has at most one such checkout at a time.
    pub active_cart_id: Option<String>,
    #[sea_orm(unique)]
    pub idempotency_key: String,
    /// What the request asked for (cart, address, card), hashed: a retry with the same key
    /// must ask for the same.
    pub request_fingerprint: String,
    pub status: String,
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
    /// JSON list of `cart_service_api::Shortage`, for an `out_of_stock` failure.
    #[sea_orm(column_type = "Text", nullable)]
    pub shortages: Option<String>,
    pub subtotal_minor: i64,
    pub shipping_minor: i64,
    pub total_minor: i64,
    pub currency: String,
    pub ship_name: String,
    pub ship_line1: String,
    pub ship_line2: String,
    pub ship_postal_code: String,
    pub ship_city: String,
    pub ship_country: String,
    pub card_last4: String,
    /// The payment provider's reference, once paid.
    pub payment_ref: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub placed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::order_line::Entity")]
    Line,
}

impl Related<super::order_line::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Line.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
