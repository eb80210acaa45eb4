use cart_service_api::OrderStatus;
use sea_orm::entity::prelude::*;

/// An order and where its checkout saga is.
///
/// One worker at a time moves an order (a request's checkout, or a recovery pass of any
/// replica): it holds the order's lease (`lease_token`, until `lease_until`), renews it at
/// every step, and every step is one `UPDATE … WHERE state = <the state it saw> AND
/// lease_token = <its token>` (`crate::orders`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    /// Random, made by the service; also the id of its stock reservation in the catalog
    /// and the idempotency key of its charge at the payment provider.
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
    #[sea_orm(column_name = "status")]
    pub state: OrderState,
    /// The worker that holds the order: a random token per claim. `None` once the order is
    /// final (and in rows an earlier version wrote).
    pub lease_token: Option<String>,
    /// Until when that worker holds it; after that any worker may claim it.
    pub lease_until: Option<DateTimeUtc>,
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

/// Where an order's checkout saga is, stored as its name.
///
/// ```text
/// pending ──reserve──► reserved ──► charging ──charge──► paid ──commit──► placed
///    │                    │            │                   │
///    └────────────────────┴────────────┴───────────────────┴──► compensating ──► failed
///                              (release the reservation, refund a charge)
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum OrderState {
    /// Recorded with the cart's lines; nothing reserved yet.
    #[sea_orm(string_value = "pending")]
    Pending,
    /// Stock reserved in the catalog; the provider has not been asked to charge.
    #[sea_orm(string_value = "reserved")]
    Reserved,
    /// About to ask, or asking, the provider to charge: whether it charged is known only
    /// by asking it (by the order's id).
    #[sea_orm(string_value = "charging")]
    Charging,
    /// Charged; the reservation is not committed yet.
    #[sea_orm(string_value = "paid")]
    Paid,
    /// Final: stock sold, card charged once, the ordered quantities out of the cart.
    #[sea_orm(string_value = "placed")]
    Placed,
    /// Will not be placed: the reservation is being released and any charge refunded.
    #[sea_orm(string_value = "compensating")]
    Compensating,
    /// Final: nothing reserved, nothing charged (or refunded); `failure_code` says why.
    #[sea_orm(string_value = "failed")]
    Failed,
}

impl OrderState {
    /// The states a worker still has to move on.
    pub const UNFINISHED: [OrderState; 5] = [
        OrderState::Pending,
        OrderState::Reserved,
        OrderState::Charging,
        OrderState::Paid,
        OrderState::Compensating,
    ];

    pub fn is_final(self) -> bool {
        matches!(self, OrderState::Placed | OrderState::Failed)
    }

    /// The state as the API names it.
    pub fn status(self) -> OrderStatus {
        match self {
            OrderState::Pending => OrderStatus::Pending,
            OrderState::Reserved => OrderStatus::Reserved,
            OrderState::Charging => OrderStatus::Charging,
            OrderState::Paid => OrderStatus::Paid,
            OrderState::Placed => OrderStatus::Placed,
            OrderState::Compensating => OrderStatus::Compensating,
            OrderState::Failed => OrderStatus::Failed,
        }
    }
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
