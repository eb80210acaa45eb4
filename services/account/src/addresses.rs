//! Saved addresses in the database. Every query is scoped by the user's id, so another
//! user's address is simply not found.
//!
//! Each change first touches the user's row inside its transaction: that locks the user
//! (a row lock on PostgreSQL, the write lock on SQLite), so one user's address changes
//! happen one after the other, and the count limit and the one-default rule hold exactly.

use crate::entities::{address, user};
use crate::ids::new_id;
use account_service_api as api;
use chrono::Utc;
use postal_address::PostalAddress;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};

/// Most addresses one user keeps.
pub const MAX_ADDRESSES: u64 = 20;

/// What became of a change.
#[derive(Debug)]
pub enum Change<T> {
    Done(T),
    NoSuchUser,
    /// No such address among the user's.
    NoSuchAddress,
    /// The user has [`MAX_ADDRESSES`] already.
    TooMany,
}

/// Locks the user for the rest of the transaction (a write that changes nothing: `name`,
/// not a key column, so sessions can still be made meanwhile); `false` when there is no
/// such user.
async fn lock_user<C: ConnectionTrait>(db: &C, user_id: &str) -> Result<bool, DbErr> {
    let locked = user::Entity::update_many()
        .col_expr(user::Column::Name, Expr::col(user::Column::Name).into())
        .filter(user::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(locked.rows_affected > 0)
}

async fn user_exists<C: ConnectionTrait>(db: &C, user_id: &str) -> Result<bool, DbErr> {
    Ok(user::Entity::find_by_id(user_id).count(db).await? > 0)
}

/// The user's addresses: the default first, then oldest first.
async fn all<C: ConnectionTrait>(db: &C, user_id: &str) -> Result<Vec<address::Model>, DbErr> {
    address::Entity::find()
        .filter(address::Column::UserId.eq(user_id))
        .order_by_desc(address::Column::IsDefault)
        .order_by_asc(address::Column::CreatedAt)
        .order_by_asc(address::Column::Id)
        .all(db)
        .await
}

async fn one<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
    address_id: &str,
) -> Result<Option<address::Model>, DbErr> {
    address::Entity::find_by_id(address_id)
        .filter(address::Column::UserId.eq(user_id))
        .one(db)
        .await
}

async fn clear_default<C: ConnectionTrait>(db: &C, user_id: &str) -> Result<(), DbErr> {
    address::Entity::update_many()
        .col_expr(address::Column::IsDefault, Expr::value(false))
        .filter(address::Column::UserId.eq(user_id))
        .filter(address::Column::IsDefault.eq(true))
        .exec(db)
        .await?;
    Ok(())
}

async fn set_default<C: ConnectionTrait>(db: &C, address_id: &str) -> Result<(), DbErr> {
    address::Entity::update_many()
        .col_expr(address::Column::IsDefault, Expr::value(true))
        .filter(address::Column::Id.eq(address_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The user's addresses, default first; `None` when there is no such user.
#[tracing::instrument(skip(db))]
pub async fn list(
    db: &DatabaseConnection,
    user_id: &str,
) -> Result<Option<Vec<address::Model>>, DbErr> {
    if !user_exists(db, user_id).await? {
        return Ok(None);
    }
    Ok(Some(all(db, user_id).await?))
}

/// Saves `postal` (trimmed and checked) as a new address; it becomes the default when
/// asked to, or when it is the user's first.
#[tracing::instrument(skip(db, postal))]
pub async fn add(
    db: &DatabaseConnection,
    user_id: &str,
    postal: PostalAddress,
    make_default: bool,
) -> anyhow::Result<Change<address::Model>> {
    let tx = db.begin().await?;
    if !lock_user(&tx, user_id).await? {
        return Ok(Change::NoSuchUser);
    }
    let count = address::Entity::find()
        .filter(address::Column::UserId.eq(user_id))
        .count(&tx)
        .await?;
    if count >= MAX_ADDRESSES {
        return Ok(Change::TooMany);
    }
    let is_default = make_default || count == 0;
    if is_default {
        clear_default(&tx, user_id).await?;
    }
    let now = Utc::now();
    let address = address::Model {
        id: new_id()?,
        user_id: user_id.to_owned(),
        name: postal.name,
        address_line1: postal.address_line1,
        address_line2: postal.address_line2,
        postal_code: postal.postal_code,
        city: postal.city,
        country: postal.country,
        is_default,
        created_at: now,
        updated_at: now,
    };
    address::Entity::insert(address::ActiveModel::from(address.clone()))
        .exec_without_returning(&tx)
        .await?;
    tx.commit().await?;
    Ok(Change::Done(address))
}

/// Replaces the address's fields with `postal` (trimmed and checked); makes it the default
/// when asked to (asking for less never leaves the user without one).
#[tracing::instrument(skip(db, postal))]
pub async fn replace(
    db: &DatabaseConnection,
    user_id: &str,
    address_id: &str,
    postal: PostalAddress,
    make_default: bool,
) -> Result<Change<address::Model>, DbErr> {
    let tx = db.begin().await?;
    if !lock_user(&tx, user_id).await? {
        return Ok(Change::NoSuchUser);
    }
    let Some(address) = one(&tx, user_id, address_id).await? else {
        return Ok(Change::NoSuchAddress);
    };
    let becomes_default = make_default && !address.is_default;
    if becomes_default {
        clear_default(&tx, user_id).await?;
    }
    let mut changed: address::ActiveModel = address.into();
    changed.name = Set(postal.name);
    changed.address_line1 = Set(postal.address_line1);
    changed.address_line2 = Set(postal.address_line2);
    changed.postal_code = Set(postal.postal_code);
    changed.city = Set(postal.city);
    changed.country = Set(postal.country);
    if becomes_default {
        changed.is_default = Set(true);
    }
    changed.updated_at = Set(Utc::now());
    let address = changed.update(&tx).await?;
    tx.commit().await?;
    Ok(Change::Done(address))
}

/// Deletes the address; when it was the default, the oldest one left becomes the default.
#[tracing::instrument(skip(db))]
pub async fn remove(
    db: &DatabaseConnection,
    user_id: &str,
    address_id: &str,
) -> Result<Change<()>, DbErr> {
    let tx = db.begin().await?;
    if !lock_user(&tx, user_id).await? {
        return Ok(Change::NoSuchUser);
    }
    let Some(address) = one(&tx, user_id, address_id).await? else {
        return Ok(Change::NoSuchAddress);
    };
    address::Entity::delete_by_id(&address.id).exec(&tx).await?;
    if address.is_default {
        if let Some(oldest) = all(&tx, user_id).await?.first() {
            set_default(&tx, &oldest.id).await?;
        }
    }
    tx.commit().await?;
    Ok(Change::Done(()))
}

/// Makes the address the user's default; all their addresses after.
#[tracing::instrument(skip(db))]
pub async fn make_default(
    db: &DatabaseConnection,
    user_id: &str,
    address_id: &str,
) -> Result<Change<Vec<address::Model>>, DbErr> {
    let tx = db.begin().await?;
    if !lock_user(&tx, user_id).await? {
        return Ok(Change::NoSuchUser);
    }
    let Some(address) = one(&tx, user_id, address_id).await? else {
        return Ok(Change::NoSuchAddress);
    };
    if !address.is_default {
        clear_default(&tx, user_id).await?;
        set_default(&tx, &address.id).await?;
    }
    let addresses = all(&tx, user_id).await?;
    tx.commit().await?;
    Ok(Change::Done(addresses))
}

/// An address as the API shows it.
pub fn view(address: &address::Model) -> api::Address {
    api::Address {
        id: address.id.clone(),
        address: PostalAddress {
            name: address.name.clone(),
            address_line1: address.address_line1.clone(),
            address_line2: address.address_line2.clone(),
            postal_code: address.postal_code.clone(),
            city: address.city.clone(),
            country: address.country.clone(),
        },
        is_default: address.is_default,
    }
}

pub fn view_list(addresses: &[address::Model]) -> api::AddressList {
    api::AddressList {
        items: addresses.iter().map(view).collect(),
    }
}
