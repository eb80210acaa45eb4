//! Orders in the database, and who may move them.
//!
//! One worker at a time holds an order: the checkout request that recorded it, or later a
//! recovery pass of any replica that [`claim`]ed it once the holder's lease ran out. Each
//! step of the saga is one conditional change — `WHERE id = ? AND status = <the state the
//! worker saw> AND lease_token = <its token>` — that also renews the lease; a worker that
//! lost its order learns it from the row count and stops, never overwriting.

use crate::carts;
use crate::entities::order::OrderState;
use crate::entities::{cart_line, order, order_line};
use crate::ids::new_id;
use cart_service_api::{self as api, shipping_for, Shortage};
use catalog_service_api::ReservedLine;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, SqlErr, TransactionTrait,
};
use std::collections::HashMap;
use std::time::Duration;

/// A worker's hold on one order: the token its steps carry, and for how long each step
/// extends it. The length must exceed the longest a live worker can spend on one step, so
/// that an order is only claimed from a worker that is gone.
#[derive(Debug, Clone)]
pub struct Lease {
    token: String,
    length: chrono::Duration,
}

impl Lease {
    /// A new claim, held for `length` from each step.
    pub fn new(length: Duration) -> Self {
        Self {
            token: new_id(),
            length: chrono::Duration::from_std(length).unwrap_or(chrono::Duration::MAX),
        }
    }

    fn until(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + self.length
    }

    /// Whether an order is free to be claimed at `now`: its lease ran out, or it has none
    /// (rows an earlier version wrote) and has been quiet for a lease's length.
    fn expired(&self, now: DateTime<Utc>) -> Condition {
        Condition::any().add(order::Column::LeaseUntil.lt(now)).add(
            Condition::all()
                .add(order::Column::LeaseUntil.is_null())
                .add(order::Column::UpdatedAt.lt(now - self.length)),
        )
    }
}

/// Most orders `GET /orders?owner=` lists.
pub const MAX_LISTED: u64 = 100;

/// What a checkout asks for, before anything is reserved.
pub struct NewOrder<'a> {
    pub id: String,
    pub owner: &'a api::Owner,
    pub cart_id: &'a str,
    pub idempotency_key: &'a str,
    pub fingerprint: String,
    pub address: &'a postal_address::PostalAddress,
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
/// prices), holding the cart for this checkout, and the order for `lease`'s worker.
#[tracing::instrument(skip_all, fields(order_id = %new.id))]
pub async fn record(
    db: &DatabaseConnection,
    new: NewOrder<'_>,
    lease: &Lease,
) -> Result<Recorded, DbErr> {
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
        state: OrderState::Pending,
        lease_token: Some(lease.token.clone()),
        lease_until: Some(lease.until(now)),
        failure_code: None,
        failure_message: None,
        shortages: None,
        subtotal_minor: subtotal,
        shipping_minor: shipping_for(subtotal),
        total_minor: subtotal + shipping_for(subtotal),
        currency: api::CURRENCY.to_owned(),
        ship_name: new.address.name.clone(),
        ship_line1: new.address.address_line1.clone(),
        ship_line2: new.address.address_line2.clone(),
        ship_postal_code: new.address.postal_code.clone(),
        ship_city: new.address.city.clone(),
        ship_country: new.address.country.clone(),
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
pub async fn by_id<C: ConnectionTrait>(db: &C, id: &str) -> Result<Option<order::Model>, DbErr> {
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

/// Orders whose saga has not ended and whose worker is gone (see [`Lease::expired`]),
/// oldest first, at most `limit`: what a recovery pass may claim.
#[tracing::instrument(skip(db, lease))]
pub async fn claimable(
    db: &DatabaseConnection,
    lease: &Lease,
    limit: u64,
) -> Result<Vec<order::Model>, DbErr> {
    order::Entity::find()
        .filter(order::Column::State.is_in(OrderState::UNFINISHED))
        .filter(lease.expired(Utc::now()))
        .order_by_asc(order::Column::CreatedAt)
        .limit(limit)
        .all(db)
        .await
}

/// Whether `order`'s worker is gone, as [`claimable`] judges it (leases of `length`).
pub fn is_claimable(order: &order::Model, length: Duration) -> bool {
    let now = Utc::now();
    let length = chrono::Duration::from_std(length).unwrap_or(chrono::Duration::MAX);
    !order.state.is_final()
        && match order.lease_until {
            Some(until) => until < now,
            None => order.updated_at < now - length,
        }
}

/// Takes `order` over for `lease`'s worker if it is still in the state it was seen in
/// and its worker is still gone. `false`: another worker has it.
#[tracing::instrument(skip_all, fields(order_id = %order.id))]
pub async fn claim(
    db: &DatabaseConnection,
    order: &order::Model,
    lease: &Lease,
) -> Result<bool, DbErr> {
    let now = Utc::now();
    let claimed = order::Entity::update_many()
        .col_expr(order::Column::LeaseToken, Expr::value(lease.token.clone()))
        .col_expr(order::Column::LeaseUntil, Expr::value(lease.until(now)))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(order.id.as_str()))
        .filter(order::Column::State.eq(order.state))
        .filter(lease.expired(now))
        .exec(db)
        .await?;
    Ok(claimed.rows_affected == 1)
}

/// Lets go of an order that is not final, so that the next recovery pass of any replica
/// may claim it at once (a checkout that ran out of its budget, a step that must wait).
#[tracing::instrument(skip(db, lease))]
pub async fn let_go(db: &DatabaseConnection, order_id: &str, lease: &Lease) -> Result<(), DbErr> {
    order::Entity::update_many()
        .col_expr(order::Column::LeaseUntil, Expr::value(Utc::now()))
        .filter(order::Column::Id.eq(order_id))
        .filter(order::Column::LeaseToken.eq(lease.token.as_str()))
        .exec(db)
        .await
        .map(drop)
}

/// `pending` → `reserved`: the catalog holds the stock, at the prices (and under the
/// names) in `reserved`, which become the order's prices and totals. `None` if the order
/// was no longer pending, or no longer this worker's.
#[tracing::instrument(skip(db, lease, reserved))]
pub async fn mark_reserved(
    db: &DatabaseConnection,
    order_id: &str,
    lease: &Lease,
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
    let moved = step(order_id, OrderState::Pending, OrderState::Reserved, lease)
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

/// `reserved` → `charging`, written before the provider is asked: from here on, whether
/// the order was charged is a question for the provider. `false` if it was no longer
/// reserved, or no longer this worker's.
#[tracing::instrument(skip(db, lease))]
pub async fn mark_charging(
    db: &DatabaseConnection,
    order_id: &str,
    lease: &Lease,
) -> Result<bool, DbErr> {
    moved(
        step(order_id, OrderState::Reserved, OrderState::Charging, lease)
            .exec(db)
            .await?,
    )
}

/// `charging` → `paid`, with the provider's reference. `false` if it was no longer
/// charging, or no longer this worker's.
#[tracing::instrument(skip(db, lease))]
pub async fn mark_paid(
    db: &DatabaseConnection,
    order_id: &str,
    lease: &Lease,
    payment_ref: &str,
) -> Result<bool, DbErr> {
    moved(
        step(order_id, OrderState::Charging, OrderState::Paid, lease)
            .col_expr(order::Column::PaymentRef, Expr::value(payment_ref))
            .exec(db)
            .await?,
    )
}

/// `from` (`paid`, or `compensating` when the catalog says the stock was sold after all)
/// → `placed`: the order is done, and exactly the ordered quantities leave its cart —
/// lines added or raised while the checkout ran stay for the next one. One transaction.
/// `None` if it was no longer in `from`, or no longer this worker's.
#[tracing::instrument(skip(db, lease))]
pub async fn place(
    db: &DatabaseConnection,
    order_id: &str,
    from: OrderState,
    lease: &Lease,
) -> Result<Option<order::Model>, DbErr> {
    // The write comes first: on SQLite it takes the write lock before anything is read
    // (a transaction that read first could not write after another writer committed).
    let tx = db.begin().await?;
    let moved = step(order_id, from, OrderState::Placed, lease)
        .col_expr(order::Column::PlacedAt, Expr::value(Utc::now()))
        .col_expr(
            order::Column::FailureCode,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            order::Column::FailureMessage,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            order::Column::Shortages,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            order::Column::ActiveCartId,
            Expr::value(Option::<String>::None),
        )
        .exec(&tx)
        .await?;
    if moved.rows_affected == 0 {
        return Ok(None);
    }
    let Some(order) = by_id(&tx, order_id).await? else {
        return Ok(None);
    };
    let ordered = lines(&tx, order_id).await?;
    carts::take_ordered(&tx, &order.cart_id, &ordered).await?;
    tx.commit().await?;
    by_id(db, order_id).await
}

/// `from` (any state before `paid`, or `paid` when the catalog no longer holds the stock)
/// → `compensating`, recording why. The cart is free for another checkout from here on:
/// this one will not place an order. `false` if the order had moved on, or is no longer
/// this worker's.
#[tracing::instrument(skip(db, lease))]
pub async fn start_compensating(
    db: &DatabaseConnection,
    order_id: &str,
    from: OrderState,
    lease: &Lease,
    failure: &Failure,
) -> Result<bool, DbErr> {
    let shortages = if failure.shortages.is_empty() {
        None
    } else {
        serde_json::to_string(&failure.shortages).ok()
    };
    moved(
        step(order_id, from, OrderState::Compensating, lease)
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
            .await?,
    )
}

/// `compensating` → `failed`: the stock is back and any charge refunded.
#[tracing::instrument(skip(db, lease))]
pub async fn mark_failed(
    db: &DatabaseConnection,
    order_id: &str,
    lease: &Lease,
) -> Result<bool, DbErr> {
    moved(
        step(
            order_id,
            OrderState::Compensating,
            OrderState::Failed,
            lease,
        )
        .exec(db)
        .await?,
    )
}

fn moved(result: sea_orm::UpdateResult) -> Result<bool, DbErr> {
    Ok(result.rows_affected == 1)
}

/// The update that moves the order from `from` to `to` — only if it is still in `from`
/// and still held by `lease` — and renews the lease, or ends it when `to` is final.
fn step(
    order_id: &str,
    from: OrderState,
    to: OrderState,
    lease: &Lease,
) -> sea_orm::UpdateMany<order::Entity> {
    let now = Utc::now();
    let (token, until) = if to.is_final() {
        (None, None)
    } else {
        (Some(lease.token.clone()), Some(lease.until(now)))
    };
    order::Entity::update_many()
        .col_expr(order::Column::State, Expr::value(to))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .col_expr(order::Column::LeaseToken, Expr::value(token))
        .col_expr(order::Column::LeaseUntil, Expr::value(until))
        .filter(order::Column::Id.eq(order_id))
        .filter(order::Column::State.eq(from))
        .filter(order::Column::LeaseToken.eq(lease.token.as_str()))
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
    let status = order.state.status();
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
