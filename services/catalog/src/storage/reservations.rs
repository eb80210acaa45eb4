//! Stock reservations and offers.
//!
//! A reservation takes its units out of `product.stock` when it is made, so `stock` is
//! always what shoppers can still buy; releasing or expiring it puts them back, committing
//! it makes that final. Every change of state is a conditional update (`... WHERE state =
//! 'held'`), so of two concurrent calls only one changes anything and stock moves once.

use crate::domain::{NewReservation, ReservationId, WantedLine};
use crate::entities::{product, reservation, reservation_line};
use catalog_service_api::{self as api, ReservationState};
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, SqlErr, TransactionTrait,
};
use std::collections::HashMap;

/// What became of a request for a new reservation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reserve {
    /// The units are held.
    Created(api::Reservation),
    /// A reservation with this id exists already: this is a retry, or a concurrent twin
    /// got there first. Nothing was changed.
    Exists,
    /// These product ids do not exist. Nothing was reserved.
    UnknownProducts(Vec<i64>),
    /// These lines are short. Nothing was reserved.
    Short(Vec<api::Shortage>),
}

/// The reservation with this id, with its lines.
#[tracing::instrument(skip(db))]
pub async fn reservation(
    db: &DatabaseConnection,
    id: &str,
) -> Result<Option<api::Reservation>, DbErr> {
    let Some(row) = reservation::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let lines = lines_of(db, id).await?;
    to_api(row, lines).map(Some)
}

/// Takes every line of `wanted` out of stock for `id`, all or nothing, in one transaction.
#[tracing::instrument(skip(db, wanted))]
pub async fn reserve(
    db: &DatabaseConnection,
    id: &ReservationId,
    wanted: &NewReservation,
    now: DateTime<Utc>,
) -> Result<Reserve, DbErr> {
    // Whole milliseconds, so what is answered now is what PostgreSQL (microseconds) or
    // SQLite (text) gives back later, to the digit.
    let now = now.trunc_subsecs(3);
    let expires_at = now + wanted.ttl();
    // A fast "no", before any lock is taken: when stock is already short (the usual answer
    // to a crowd after the last units went), say so without queueing for the write lock
    // behind the checkouts that can still succeed. The locked path below stays the
    // authority for every "yes". A retry of a reservation that exists is answered by it.
    if reservation::Entity::find_by_id(id.as_str())
        .one(db)
        .await?
        .is_some()
    {
        return Ok(Reserve::Exists);
    }
    let products = products_by_id(db, wanted.lines().iter().map(|l| l.product_id)).await?;
    if let Some(refusal) = refusal(wanted, &products) {
        return Ok(refusal);
    }
    let txn = db.begin().await?;
    // The insert comes first: on SQLite it takes the write lock (waiting for it if need
    // be) before anything is read. A transaction that read first would fail outright with
    // SQLITE_BUSY when it then tried to write after another writer.
    let inserted = reservation::Entity::insert(reservation::ActiveModel {
        id: Set(id.to_string()),
        state: Set(ReservationState::Held.as_str().to_owned()),
        expires_at: Set(expires_at),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(&txn)
    .await;
    match inserted {
        Ok(_) => {}
        Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            txn.rollback().await?;
            return Ok(Reserve::Exists);
        }
        Err(error) => return Err(error),
    }

    // In product id order, so two reservations lock rows in the same order.
    let mut short = Vec::new();
    for line in wanted.lines() {
        let taken = match i32::try_from(line.product_id) {
            Ok(product_id) => take_stock(&txn, product_id, line.quantity).await?,
            Err(_) => false,
        };
        if !taken {
            short.push(*line);
        }
    }
    let products = products_by_id(&txn, wanted.lines().iter().map(|l| l.product_id)).await?;
    if let Some(refusal) = unknown(wanted, &products).or_else(|| shortages(&short, &products)) {
        txn.rollback().await?;
        return Ok(refusal);
    }

    let lines: Vec<reservation_line::Model> = wanted
        .lines()
        .iter()
        .filter_map(|line| {
            let product = products.get(&line.product_id)?;
            Some(reservation_line::Model {
                reservation_id: id.to_string(),
                product_id: product.id,
                quantity: line.quantity,
                unit_price_minor: product.price_minor,
                currency: product.currency.clone(),
                name: product.name.clone(),
            })
        })
        .collect();
    reservation_line::Entity::insert_many(
        lines
            .iter()
            .cloned()
            .map(reservation_line::ActiveModel::from),
    )
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(Reserve::Created(api::Reservation {
        id: id.to_string(),
        state: ReservationState::Held,
        lines: lines.into_iter().map(to_api_line).collect(),
        expires_at: expires_at.to_rfc3339(),
    }))
}

/// What refuses `wanted` given `products` as they are (unknown ids, or lines short of
/// stock), if anything does.
fn refusal(wanted: &NewReservation, products: &HashMap<i64, product::Model>) -> Option<Reserve> {
    let short: Vec<_> = wanted
        .lines()
        .iter()
        .filter(|line| {
            products
                .get(&line.product_id)
                .is_some_and(|product| product.stock < line.quantity)
        })
        .copied()
        .collect();
    unknown(wanted, products).or_else(|| shortages(&short, products))
}

/// The product ids of `wanted` that `products` does not have, if any.
fn unknown(wanted: &NewReservation, products: &HashMap<i64, product::Model>) -> Option<Reserve> {
    let unknown: Vec<i64> = wanted
        .lines()
        .iter()
        .map(|line| line.product_id)
        .filter(|id| !products.contains_key(id))
        .collect();
    (!unknown.is_empty()).then_some(Reserve::UnknownProducts(unknown))
}

/// The shortages of the `short` lines, with what `products` has left, if any.
fn shortages(short: &[WantedLine], products: &HashMap<i64, product::Model>) -> Option<Reserve> {
    let shortages: Vec<api::Shortage> = short
        .iter()
        .filter_map(|line| {
            let product = products.get(&line.product_id)?;
            Some(api::Shortage {
                product_id: line.product_id,
                name: product.name.clone(),
                requested: line.quantity,
                available: product.stock,
            })
        })
        .collect();
    (!shortages.is_empty()).then_some(Reserve::Short(shortages))
}

/// Makes a held, unexpired reservation final. `false` when it is unknown, not held, or
/// past its expiry at `now`; then nothing changed.
#[tracing::instrument(skip(db))]
pub async fn commit(db: &DatabaseConnection, id: &str, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let result = reservation::Entity::update_many()
        .col_expr(
            reservation::Column::State,
            Expr::value(ReservationState::Committed.as_str()),
        )
        .col_expr(reservation::Column::UpdatedAt, Expr::value(now))
        .filter(reservation::Column::Id.eq(id))
        .filter(reservation::Column::State.eq(ReservationState::Held.as_str()))
        .filter(reservation::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Releases a held reservation and puts its units back. `false` when it is unknown or
/// not held; then nothing changed.
#[tracing::instrument(skip(db))]
pub async fn release(db: &DatabaseConnection, id: &str, now: DateTime<Utc>) -> Result<bool, DbErr> {
    end_and_restock(db, id, ReservationState::Released, None, now).await
}

/// Expires a held reservation that is due at `now` and puts its units back. `false` when
/// it is unknown, not held or not due; then nothing changed.
#[tracing::instrument(skip(db))]
pub async fn expire(db: &DatabaseConnection, id: &str, now: DateTime<Utc>) -> Result<bool, DbErr> {
    end_and_restock(db, id, ReservationState::Expired, Some(now), now).await
}

/// How many due reservations one query of [`expire_due`] picks up.
const EXPIRY_BATCH: u64 = 100;

/// Expires every held reservation whose `expires_at` is `now` or earlier, each in its own
/// transaction, and answers how many it expired. One that cannot be expired is logged and
/// skipped (the next sweep tries it again); only failing to find them is an error.
#[tracing::instrument(skip(db))]
pub async fn expire_due(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let mut expired = 0;
    let mut after = String::new();
    loop {
        // Keyset paging by id, so a reservation that failed to expire is not picked again.
        let due: Vec<String> = reservation::Entity::find()
            .select_only()
            .column(reservation::Column::Id)
            .filter(reservation::Column::State.eq(ReservationState::Held.as_str()))
            .filter(reservation::Column::ExpiresAt.lte(now))
            .filter(reservation::Column::Id.gt(after.as_str()))
            .order_by_asc(reservation::Column::Id)
            .limit(EXPIRY_BATCH)
            .into_tuple()
            .all(db)
            .await?;
        for id in &due {
            match expire(db, id, now).await {
                Ok(true) => expired += 1,
                // Committed or released meanwhile, or a concurrent sweep was first.
                Ok(false) => {}
                Err(error) => {
                    tracing::error!(%error, reservation = %id, "could not expire a reservation")
                }
            }
        }
        match due.last() {
            Some(last) if due.len() as u64 == EXPIRY_BATCH => after = last.clone(),
            _ => return Ok(expired),
        }
    }
}

/// The current offer for each of `ids` that exists, in the order asked.
#[tracing::instrument(skip(db))]
pub async fn offers(db: &DatabaseConnection, ids: &[i64]) -> Result<Vec<api::Offer>, DbErr> {
    let mut products = products_by_id(db, ids.iter().copied()).await?;
    Ok(ids
        .iter()
        .filter_map(|id| products.remove(id))
        .map(|product| api::Offer {
            product_id: i64::from(product.id),
            slug: product.slug,
            name: product.name,
            price_minor: product.price_minor,
            currency: product.currency,
            available: product.stock,
        })
        .collect())
}

/// `UPDATE product SET stock = stock - quantity WHERE id = ? AND stock >= quantity`:
/// whether the units were there. Stock cannot go below zero however many run at once —
/// SQLite runs one writer at a time, and PostgreSQL re-checks the condition on the row
/// it locked, after any concurrent update of it committed.
async fn take_stock(
    db: &impl ConnectionTrait,
    product_id: i32,
    quantity: i32,
) -> Result<bool, DbErr> {
    let result = product::Entity::update_many()
        .col_expr(
            product::Column::Stock,
            Expr::col(product::Column::Stock).sub(quantity),
        )
        .filter(product::Column::Id.eq(product_id))
        .filter(product::Column::Stock.gte(quantity))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Moves a held reservation to `state` (only if due by `due_by`, when given) and puts its
/// units back, in one transaction. The state update comes first: it is the write that
/// takes SQLite's lock, and the condition that lets only one of two concurrent calls on
/// PostgreSQL (the other waits for the row, then finds it no longer held) restock.
async fn end_and_restock(
    db: &DatabaseConnection,
    id: &str,
    state: ReservationState,
    due_by: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let txn = db.begin().await?;
    let mut update = reservation::Entity::update_many()
        .col_expr(reservation::Column::State, Expr::value(state.as_str()))
        .col_expr(reservation::Column::UpdatedAt, Expr::value(now))
        .filter(reservation::Column::Id.eq(id))
        .filter(reservation::Column::State.eq(ReservationState::Held.as_str()));
    if let Some(due_by) = due_by {
        update = update.filter(reservation::Column::ExpiresAt.lte(due_by));
    }
    if update.exec(&txn).await?.rows_affected == 0 {
        txn.rollback().await?;
        return Ok(false);
    }
    // In product id order, as reserving locks them.
    for line in lines_of(&txn, id).await? {
        product::Entity::update_many()
            .col_expr(
                product::Column::Stock,
                Expr::col(product::Column::Stock).add(line.quantity),
            )
            .filter(product::Column::Id.eq(line.product_id))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(true)
}

async fn lines_of(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<Vec<reservation_line::Model>, DbErr> {
    reservation_line::Entity::find()
        .filter(reservation_line::Column::ReservationId.eq(id))
        .order_by_asc(reservation_line::Column::ProductId)
        .all(db)
        .await
}

/// The products among `ids` that exist, by id (ids too large for the table are simply
/// not found).
async fn products_by_id(
    db: &impl ConnectionTrait,
    ids: impl Iterator<Item = i64>,
) -> Result<HashMap<i64, product::Model>, DbErr> {
    let ids: Vec<i32> = ids.filter_map(|id| i32::try_from(id).ok()).collect();
    Ok(product::Entity::find()
        .filter(product::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|product| (i64::from(product.id), product))
        .collect())
}

fn to_api(
    row: reservation::Model,
    lines: Vec<reservation_line::Model>,
) -> Result<api::Reservation, DbErr> {
    let state = ReservationState::parse(&row.state).ok_or_else(|| {
        DbErr::Custom(format!(
            "reservation {} has an unknown state {:?}",
            row.id, row.state
        ))
    })?;
    Ok(api::Reservation {
        id: row.id,
        state,
        lines: lines.into_iter().map(to_api_line).collect(),
        expires_at: row.expires_at.to_rfc3339(),
    })
}

fn to_api_line(line: reservation_line::Model) -> api::ReservedLine {
    api::ReservedLine {
        product_id: i64::from(line.product_id),
        name: line.name,
        quantity: line.quantity,
        unit_price_minor: line.unit_price_minor,
        currency: line.currency,
    }
}
