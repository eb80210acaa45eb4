//! Orders in the database: each step of the checkout saga is one guarded change of an
//! order's `status` (it only happens if the order is still where the step expects it), so
//! a checkout and the recovery of the same order can never both take a step.

use crate::carts;
use crate::entities::{cart_line, order, order_line};
use cart_service_api::{self as api, shipping_for, OrderStatus, Shortage};
use catalog_service_api::ReservedLine;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, SqlErr, TransactionTrait,
};
use std::collections::HashMap;

/// Most orders `GET /orders?owner=` lists.
pub const MAX_LISTED: u64 = 100;

/// What a checkout asks for, before anything is reserved.
pub struct NewOrder<'a> {
    pub id: String,
    pub owner: &'a api::Owner,
    pub cart_id: &'a str,
    pub idempotency_key: &'a str,
    pub fingerprint: String,
    pub address: &'a api::Address,
    pub card_last4: String,
    pub lines: &'a [cart_line::Model],
}

/// What became of recording a new order.
pub enum Recorded {
    Order(Box<order::Model>),
    /// Another checkout took this idempotency key meanwhile.
    KeyTaken,
    /// The cart has another checkout under way.
    CartBusy,
}

/// Why an order failed (or is being undone), as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: String,
    pub message: String,
    pub shortages: Vec<Shortage>,
}

/// Records a `pending` order with the cart's lines (their quantities and remembered
/// prices), holding the cart for this checkout.
#[tracing::instrument(skip_all, fields(order_id = %new.id))]
pub async fn record(db: &DatabaseConnection, new: NewOrder<'_>) -> Result<Recorded, DbErr> {
    let subtotal: i64 = new
        .lines
        .iter()
        .map(|line| line.unit_price_minor * i64::from(line.quantity))
        .sum();
    let now = Utc::now();
    let order = order::Model {
        id: new.id.clone(),
        owner: new.owner.0.clone(),
        cart_id: new.cart_id.to_owned(),
        active_cart_id: Some(new.cart_id.to_owned()),
        idempotency_key: new.idempotency_key.to_owned(),
        request_fingerprint: new.fingerprint,
        status: OrderStatus::Pending.as_str().to_owned(),
        failure_code: None,
        failure_message: None,
        shortages: None,
        subtotal_minor: subtotal,
        shipping_minor: shipping_for(subtotal),
        total_minor: subtotal + shipping_for(subtotal),
        currency: api::CURRENCY.to_owned(),
        ship_name: new.address.name.trim().to_owned(),
        ship_line1: new.address.line1.trim().to_owned(),
        ship_line2: new.address.line2.trim().to_owned(),
        ship_postal_code: new.address.postal_code.trim().to_owned(),
        ship_city: new.address.city.trim().to_owned(),
        ship_country: new.address.country.trim().to_owned(),
        card_last4: new.card_last4,
        payment_ref: None,
        created_at: now,
        updated_at: now,
        placed_at: None,
    };
    let lines: Vec<order_line::ActiveModel> = new
        .lines
        .iter()
        .zip(0..)
        .map(|(line, position)| order_line::ActiveModel {
            order_id: Set(order.id.clone()),
            product_id: Set(line.product_id),
            position: Set(position),
            quantity: Set(line.quantity),
            name: Set(line.name.clone()),
            slug: Set(line.slug.clone()),
            unit_price_minor: Set(line.unit_price_minor),
        })
        .collect();
    let tx = db.begin().await?;
    let inserted = order::Entity::insert(order::ActiveModel::from(order.clone()))
        .exec_without_returning(&tx)
        .await;
    match inserted {
        Ok(_) => {}
        Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            drop(tx);
            let key_taken = by_key(db, new.idempotency_key).await?.is_some();
            return Ok(if key_taken {
                Recorded::KeyTaken
            } else {
                Recorded::CartBusy
            });
        }
        Err(error) => return Err(error),
    }
    order_line::Entity::insert_many(lines)
        .exec_without_returning(&tx)
        .await?;
    tx.commit().await?;
    Ok(Recorded::Order(Box::new(order)))
}

#[tracing::instrument(skip(db))]
pub async fn by_id(db: &DatabaseConnection, id: &str) -> Result<Option<order::Model>, DbErr> {
    order::Entity::find_by_id(id).one(db).await
}

#[tracing::instrument(skip(db))]
pub async fn by_key(db: &DatabaseConnection, key: &str) -> Result<Option<order::Model>, DbErr> {
    order::Entity::find()
        .filter(order::Column::IdempotencyKey.eq(key))
        .one(db)
        .await
}

/// The order's lines, in cart order.
#[tracing::instrument(skip(db))]
pub async fn lines<C: ConnectionTrait>(
    db: &C,
    order_id: &str,
) -> Result<Vec<order_line::Model>, DbErr> {
    order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order_id))
        .order_by_asc(order_line::Column::Position)
        .all(db)
        .await
}

/// The owner's orders, newest first, with their lines.
#[tracing::instrument(skip(db))]
pub async fn of_owner(
    db: &DatabaseConnection,
    owner: &str,
) -> Result<Vec<(order::Model, Vec<order_line::Model>)>, DbErr> {
    let orders = order::Entity::find()
        .filter(order::Column::Owner.eq(owner))
        .order_by_desc(order::Column::CreatedAt)
        .order_by_desc(order::Column::Id)
        .limit(MAX_LISTED)
        .all(db)
        .await?;
    let ids: Vec<String> = orders.iter().map(|order| order.id.clone()).collect();
    let mut lines: HashMap<String, Vec<order_line::Model>> = HashMap::new();
    for line in order_line::Entity::find()
        .filter(order_line::Column::OrderId.is_in(ids))
        .order_by_asc(order_line::Column::Position)
        .all(db)
        .await?
    {
        lines.entry(line.order_id.clone()).or_default().push(line);
    }
    Ok(orders
        .into_iter()
        .map(|order| {
            let lines = lines.remove(&order.id).unwrap_or_default();
            (order, lines)
        })
        .collect())
}

/// Gives every order of `from` to `to` (a guest's orders to the user they signed in as),
/// in the caller's transaction.
pub async fn give_to<C: ConnectionTrait>(
    db: &C,
    from: &api::Owner,
    to: &api::Owner,
) -> Result<u64, DbErr> {
    let given = order::Entity::update_many()
        .col_expr(order::Column::Owner, Expr::value(to.0.clone()))
        .filter(order::Column::Owner.eq(from.0.as_str()))
        .exec(db)
        .await?;
    Ok(given.rows_affected)
}

/// Orders whose saga has not ended, oldest first; with `quiet_since`, only those not
/// changed since then.
#[tracing::instrument(skip(db))]
pub async fn unfinished(
    db: &DatabaseConnection,
    quiet_since: Option<DateTime<Utc>>,
) -> Result<Vec<order::Model>, DbErr> {
    let mut query = order::Entity::find().filter(order::Column::Status.is_in([
        OrderStatus::Pending.as_str(),
        OrderStatus::Reserved.as_str(),
        OrderStatus::Paid.as_str(),
        OrderStatus::Compensating.as_str(),
    ]));
    if let Some(since) = quiet_since {
        query = query.filter(order::Column::UpdatedAt.lt(since));
    }
    query.order_by_asc(order::Column::CreatedAt).all(db).await
}

/// `pending` → `reserved`: the catalog holds the stock, at the prices (and under the
/// names) in `reserved`, which become the order's prices and totals. `None` if the order was no longer pending.
#[tracing::instrument(skip(db, reserved))]
pub async fn mark_reserved(
    db: &DatabaseConnection,
    order_id: &str,
    reserved: &[ReservedLine],
) -> Result<Option<order::Model>, DbErr> {
    let tx = db.begin().await?;
    for line in reserved {
        order_line::Entity::update_many()
            .col_expr(
                order_line::Column::UnitPriceMinor,
                Expr::value(line.unit_price_minor),
            )
            .col_expr(order_line::Column::Name, Expr::value(line.name.clone()))
            .filter(order_line::Column::OrderId.eq(order_id))
            .filter(order_line::Column::ProductId.eq(line.product_id))
            .exec(&tx)
            .await?;
    }
    let subtotal: i64 = lines(&tx, order_id)
        .await?
        .iter()
        .map(|line| line.unit_price_minor * i64::from(line.quantity))
        .sum();
    let shipping = shipping_for(subtotal);
    let moved = step(order_id, &[OrderStatus::Pending], OrderStatus::Reserved)
        .col_expr(order::Column::SubtotalMinor, Expr::value(subtotal))
        .col_expr(order::Column::ShippingMinor, Expr::value(shipping))
        .col_expr(order::Column::TotalMinor, Expr::value(subtotal + shipping))
        .exec(&tx)
        .await?;
    if moved.rows_affected == 0 {
        return Ok(None);
    }
    tx.commit().await?;
    by_id(db, order_id).await
}

/// `reserved` → `paid`, with the provider's reference. `false` if it was no longer
/// reserved.
#[tracing::instrument(skip(db))]
pub async fn mark_paid(
    db: &DatabaseConnection,
    order_id: &str,
    payment_ref: &str,
) -> Result<bool, DbErr> {
    let moved = step(order_id, &[OrderStatus::Reserved], OrderStatus::Paid)
        .col_expr(order::Column::PaymentRef, Expr::value(payment_ref))
        .exec(db)
        .await?;
    Ok(moved.rows_affected > 0)
}

/// `paid` → `placed`: the order is done and its cart emptied, in one transaction. `None`
/// if it was no longer paid.
#[tracing::instrument(skip(db, order), fields(order_id = %order.id))]
pub async fn place(
    db: &DatabaseConnection,
    order: &order::Model,
) -> Result<Option<order::Model>, DbErr> {
    let tx = db.begin().await?;
    let moved = step(&order.id, &[OrderStatus::Paid], OrderStatus::Placed)
        .col_expr(order::Column::PlacedAt, Expr::value(Utc::now()))
        .col_expr(
            order::Column::ActiveCartId,
            Expr::value(Option::<String>::None),
        )
        .exec(&tx)
        .await?;
    if moved.rows_affected == 0 {
        return Ok(None);
    }
    carts::empty_lines(&tx, &order.cart_id).await?;
    tx.commit().await?;
    by_id(db, &order.id).await
}

/// Any of `pending`, `reserved`, `paid` → `compensating`, recording why. The cart is free
/// for another checkout from here on: this one will not place an order. `false` if the
/// order had moved on already.
#[tracing::instrument(skip(db))]
pub async fn start_compensating(
    db: &DatabaseConnection,
    order_id: &str,
    failure: &Failure,
) -> Result<bool, DbErr> {
    let shortages = if failure.shortages.is_empty() {
        None
    } else {
        serde_json::to_string(&failure.shortages).ok()
    };
    let moved = step(
        order_id,
        &[
            OrderStatus::Pending,
            OrderStatus::Reserved,
            OrderStatus::Paid,
        ],
        OrderStatus::Compensating,
    )
    .col_expr(
        order::Column::FailureCode,
        Expr::value(failure.code.clone()),
    )
    .col_expr(
        order::Column::FailureMessage,
        Expr::value(failure.message.clone()),
    )
    .col_expr(order::Column::Shortages, Expr::value(shortages))
    .col_expr(
        order::Column::ActiveCartId,
        Expr::value(Option::<String>::None),
    )
    .exec(db)
    .await?;
    Ok(moved.rows_affected > 0)
}

/// `compensating` → `failed`: the stock is back and the payment refunded.
#[tracing::instrument(skip(db))]
pub async fn mark_failed(db: &DatabaseConnection, order_id: &str) -> Result<bool, DbErr> {
    let moved = step(order_id, &[OrderStatus::Compensating], OrderStatus::Failed)
        .exec(db)
        .await?;
    Ok(moved.rows_affected > 0)
}

/// The update that moves the order from one of `from` to `to`, and only then.
fn step(
    order_id: &str,
    from: &[OrderStatus],
    to: OrderStatus,
) -> sea_orm::UpdateMany<order::Entity> {
    order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(to.as_str()))
        .col_expr(order::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(order::Column::Id.eq(order_id))
        .filter(order::Column::Status.is_in(from.iter().map(|status| status.as_str())))
}

/// The order's status (an unknown one, which only a newer version could have written,
/// reads as `pending`: not final, so nobody treats it as done).
pub fn status_of(order: &order::Model) -> OrderStatus {
    OrderStatus::parse(&order.status).unwrap_or(OrderStatus::Pending)
}

/// Why it failed, or is being undone; `None` while it can still succeed.
pub fn failure_of(order: &order::Model) -> Option<Failure> {
    let code = order.failure_code.clone()?;
    Some(Failure {
        code,
        message: order.failure_message.clone().unwrap_or_default(),
        shortages: order
            .shortages
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default(),
    })
}

/// The order as the API shows it.
pub fn to_api(order: order::Model, lines: Vec<order_line::Model>) -> api::Order {
    let status = status_of(&order);
    let failure = failure_of(&order).map(|failure| api::OrderFailure {
        code: failure.code,
        message: failure.message,
    });
    api::Order {
        id: order.id,
        owner: api::Owner(order.owner),
        status,
        failure,
        lines: lines
            .into_iter()
            .map(|line| api::OrderLine {
                product_id: line.product_id,
                slug: line.slug,
                name: line.name,
                quantity: line.quantity,
                unit_price_minor: line.unit_price_minor,
                line_total_minor: line.unit_price_minor * i64::from(line.quantity),
            })
            .collect(),
        subtotal_minor: order.subtotal_minor,
        shipping_minor: order.shipping_minor,
        total_minor: order.total_minor,
        currency: order.currency,
        shipping_address: api::Address {
            name: order.ship_name,
            line1: order.ship_line1,
            line2: order.ship_line2,
            postal_code: order.ship_postal_code,
            city: order.ship_city,
            country: order.ship_country,
        },
        card_last4: order.card_last4,
        created_at: order.created_at.to_rfc3339(),
        placed_at: order.placed_at.map(|at| at.to_rfc3339()),
    }
}
