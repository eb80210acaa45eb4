//! Carts and their lines in the database, and a cart as the API shows it.
//!
//! Every change to a cart first touches the cart's row (`updated_at`) inside a
//! transaction: that locks the cart (a row lock on PostgreSQL, the write lock on SQLite),
//! so changes to one cart happen one after the other and the line limit holds exactly.
//! The quantity itself is guarded by the statement that changes it (the upsert in
//! [`add_line`] only adds while the result stays within the limit), so no interleaving
//! can push a line over its limit or lose an addition.
//!
//! A cart is a guest's (named only by the guest's cookie) or a user's (`user_id`, one per
//! user: [`of_user`]). At sign-in the guest cart is [`merge`]d into the user's: both carts
//! are locked the same way, in the order of their ids, so merges and adds never wait for
//! each other in a circle, and the guest cart is gone once its lines are in — which is
//! what makes a second merge of it (a retry, a second tab) a no-op.

use crate::entities::{cart, cart_line};
use crate::ids::new_id;
use crate::orders;
use cart_service_api::{self as api, shipping_for, Owner, MAX_LINES};
use catalog_service_api::Offer;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set, TransactionTrait,
};
use std::collections::HashMap;

/// A new, empty cart.
#[tracing::instrument(skip(db))]
pub async fn create(db: &DatabaseConnection) -> Result<cart::Model, DbErr> {
    let now = chrono::Utc::now();
    let cart = cart::Model {
        id: new_id(),
        user_id: None,
        created_at: now,
        updated_at: now,
    };
    cart::Entity::insert(cart::ActiveModel::from(cart.clone()))
        .exec_without_returning(db)
        .await?;
    Ok(cart)
}

/// The user's cart, made on first use. Concurrent first uses make one: the unique index
/// on `user_id` lets one insert through, the others insert nothing and read that one.
#[tracing::instrument(skip(db))]
pub async fn of_user(db: &DatabaseConnection, user_id: &str) -> Result<cart::Model, DbErr> {
    if let Some(cart) = by_user(db, user_id).await? {
        return Ok(cart);
    }
    let now = chrono::Utc::now();
    let cart = cart::Model {
        id: new_id(),
        user_id: Some(user_id.to_owned()),
        created_at: now,
        updated_at: now,
    };
    let inserted = cart::Entity::insert(cart::ActiveModel::from(cart))
        .on_conflict(
            OnConflict::column(cart::Column::UserId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await;
    // The cart that exists now is the answer, whoever made it. SQLite refuses an insert
    // whose snapshot another writer overtook (SQLITE_BUSY_SNAPSHOT, without waiting): that
    // writer was a concurrent first use, and its cart is read here like any other.
    match by_user(db, user_id).await? {
        Some(cart) => Ok(cart),
        None => {
            inserted?;
            Err(DbErr::RecordNotFound(format!("the cart of user {user_id}")))
        }
    }
}

async fn by_user(db: &DatabaseConnection, user_id: &str) -> Result<Option<cart::Model>, DbErr> {
    cart::Entity::find()
        .filter(cart::Column::UserId.eq(user_id))
        .one(db)
        .await
}

/// The cart, if it exists.
#[tracing::instrument(skip(db))]
pub async fn find(db: &DatabaseConnection, cart_id: &str) -> Result<Option<cart::Model>, DbErr> {
    cart::Entity::find_by_id(cart_id).one(db).await
}

/// Whether the cart exists.
#[tracing::instrument(skip(db))]
pub async fn exists(db: &DatabaseConnection, cart_id: &str) -> Result<bool, DbErr> {
    Ok(cart::Entity::find_by_id(cart_id).count(db).await? > 0)
}

/// The cart's lines, in the order they were first added.
#[tracing::instrument(skip(db))]
pub async fn lines<C: ConnectionTrait>(
    db: &C,
    cart_id: &str,
) -> Result<Vec<cart_line::Model>, DbErr> {
    cart_line::Entity::find()
        .filter(cart_line::Column::CartId.eq(cart_id))
        .order_by_asc(cart_line::Column::AddedAt)
        .order_by_asc(cart_line::Column::ProductId)
        .all(db)
        .await
}

/// Marks the cart changed, which also locks it until the transaction ends; `false` when
/// there is no such cart.
async fn touch<C: ConnectionTrait>(db: &C, cart_id: &str) -> Result<bool, DbErr> {
    let touched = cart::Entity::update_many()
        .col_expr(cart::Column::UpdatedAt, Expr::value(chrono::Utc::now()))
        .filter(cart::Column::Id.eq(cart_id))
        .exec(db)
        .await?;
    Ok(touched.rows_affected > 0)
}

/// What became of a change to a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineChange {
    Done,
    NoSuchCart,
    /// The line is not in the cart (setting a quantity).
    NoSuchLine,
    /// The cart holds [`MAX_LINES`] other products already.
    TooManyLines,
    /// The quantity would pass the limit; the line holds `in_cart` (0: not in the cart).
    OverLimit {
        in_cart: i32,
    },
}

/// Adds `quantity` units of `offer`'s product, as long as the line stays within `limit`
/// units; the line's name and price become the offer's.
#[tracing::instrument(skip(db, offer), fields(product_id = offer.product_id))]
pub async fn add_line(
    db: &DatabaseConnection,
    cart_id: &str,
    offer: &Offer,
    quantity: i32,
    limit: i32,
    was_in_cart: bool,
) -> Result<LineChange, DbErr> {
    let tx = db.begin().await?;
    if !touch(&tx, cart_id).await? {
        return Ok(LineChange::NoSuchCart);
    }
    // A line the cart held when it was read still counts as one (it may have been removed
    // meanwhile; then the upsert adds it back, and the count is what it was): only a new
    // product needs the count, read under the cart's lock so the limit is exact.
    let in_cart = if was_in_cart {
        Some(0)
    } else {
        quantity_in_cart(&tx, cart_id, offer.product_id).await?
    };
    if in_cart.is_none() && line_count(&tx, cart_id).await? >= MAX_LINES as u64 {
        return Ok(LineChange::TooManyLines);
    }
    if in_cart.is_none() && quantity > limit {
        return Ok(LineChange::OverLimit { in_cart: 0 });
    }
    let sum = || {
        Expr::col((cart_line::Entity, cart_line::Column::Quantity)).add(Expr::col((
            Alias::new("excluded"),
            cart_line::Column::Quantity,
        )))
    };
    // One statement adds to the line or creates it, and adds only while the sum stays
    // within the limit: the database decides, so concurrent adds cannot overshoot.
    let upsert = OnConflict::columns([cart_line::Column::CartId, cart_line::Column::ProductId])
        .value(cart_line::Column::Quantity, sum())
        .update_columns([
            cart_line::Column::Name,
            cart_line::Column::Slug,
            cart_line::Column::UnitPriceMinor,
            cart_line::Column::Currency,
        ])
        .action_and_where(sum().lte(limit))
        .to_owned();
    let changed = cart_line::Entity::insert(line_of(cart_id, offer, quantity))
        .on_conflict(upsert)
        .exec_without_returning(&tx)
        .await?;
    if changed == 0 {
        let in_cart = quantity_in_cart(&tx, cart_id, offer.product_id).await?;
        return Ok(LineChange::OverLimit {
            in_cart: in_cart.unwrap_or_default(),
        });
    }
    tx.commit().await?;
    Ok(LineChange::Done)
}

/// What became of a merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    /// The guest cart's lines are in the user's cart; the guest cart is gone.
    Done,
    /// The guest cart is not there (merged already, or never was): nothing changed.
    NoGuestCart,
    /// The user's cart is not there.
    NoSuchCart,
}

/// Merges the guest cart `from` into the user's cart `into`, in one transaction: each of
/// its lines, oldest first, is added to `into` — the quantities summed, but no higher than
/// `limit(product_id)` (a line the user's cart holds already is never lowered), and a
/// product `into` does not hold only while it holds fewer than [`MAX_LINES`]; then the
/// orders of `guest:<from>` become `owner`'s, and `from` is deleted.
#[tracing::instrument(skip(db, limit))]
pub async fn merge(
    db: &DatabaseConnection,
    into: &str,
    from: &str,
    owner: &Owner,
    limit: impl Fn(i64) -> i32,
) -> Result<Merge, DbErr> {
    let tx = db.begin().await?;
    // Lock both, always in the same order (by id): a merge and another merge or an add
    // that lock the same carts take them one after the other, never each holding one.
    let mut locking = [into, from];
    locking.sort_unstable();
    for cart_id in locking {
        if !touch(&tx, cart_id).await? {
            return Ok(if cart_id == into {
                Merge::NoSuchCart
            } else {
                Merge::NoGuestCart
            });
        }
    }
    // The orders first: a checkout being placed holds its order and then empties its
    // cart's lines; taking them in the same order means neither waits for the other.
    orders::give_to(&tx, &Owner::guest(from), owner).await?;
    let mut held = lines(&tx, into).await?;
    for line in lines(&tx, from).await? {
        let limit = limit(line.product_id);
        match held.iter().find(|held| held.product_id == line.product_id) {
            Some(held) => {
                let quantity = held.quantity.saturating_add(line.quantity).min(limit);
                if quantity > held.quantity {
                    cart_line::Entity::update_many()
                        .col_expr(cart_line::Column::Quantity, Expr::value(quantity))
                        .filter(cart_line::Column::CartId.eq(into))
                        .filter(cart_line::Column::ProductId.eq(line.product_id))
                        .exec(&tx)
                        .await?;
                }
            }
            None => {
                let quantity = line.quantity.min(limit);
                if quantity <= 0 || held.len() >= MAX_LINES {
                    continue;
                }
                // It keeps the time it was first added, so the lines stay in the order
                // the shopper put them in the cart, whichever cart that was.
                let moved = cart_line::Model {
                    cart_id: into.to_owned(),
                    quantity,
                    ..line
                };
                cart_line::Entity::insert(cart_line::ActiveModel::from(moved.clone()))
                    .exec_without_returning(&tx)
                    .await?;
                held.push(moved);
            }
        }
    }
    empty_lines(&tx, from).await?;
    cart::Entity::delete_by_id(from).exec(&tx).await?;
    tx.commit().await?;
    Ok(Merge::Done)
}

/// Sets the line of `offer`'s product to `quantity` (1 or more). More than `available`
/// is refused unless it is no more than the line holds already (lowering is always fine).
#[tracing::instrument(skip(db, offer), fields(product_id = offer.product_id))]
pub async fn set_quantity(
    db: &DatabaseConnection,
    cart_id: &str,
    offer: &Offer,
    quantity: i32,
) -> Result<LineChange, DbErr> {
    let tx = db.begin().await?;
    if !touch(&tx, cart_id).await? {
        return Ok(LineChange::NoSuchCart);
    }
    let allowed = if quantity <= offer.available {
        Expr::value(true)
    } else {
        Expr::col(cart_line::Column::Quantity).gte(quantity)
    };
    let changed = cart_line::Entity::update_many()
        .col_expr(cart_line::Column::Quantity, Expr::value(quantity))
        .col_expr(cart_line::Column::Name, Expr::value(offer.name.clone()))
        .col_expr(cart_line::Column::Slug, Expr::value(offer.slug.clone()))
        .col_expr(
            cart_line::Column::UnitPriceMinor,
            Expr::value(offer.price_minor),
        )
        .col_expr(
            cart_line::Column::Currency,
            Expr::value(offer.currency.clone()),
        )
        .filter(cart_line::Column::CartId.eq(cart_id))
        .filter(cart_line::Column::ProductId.eq(offer.product_id))
        .filter(allowed)
        .exec(&tx)
        .await?;
    if changed.rows_affected == 0 {
        return Ok(
            match quantity_in_cart(&tx, cart_id, offer.product_id).await? {
                None => LineChange::NoSuchLine,
                Some(in_cart) => LineChange::OverLimit { in_cart },
            },
        );
    }
    tx.commit().await?;
    Ok(LineChange::Done)
}

/// Takes a product out of the cart (nothing happens when it is not in it).
#[tracing::instrument(skip(db))]
pub async fn remove_line(
    db: &DatabaseConnection,
    cart_id: &str,
    product_id: i64,
) -> Result<LineChange, DbErr> {
    let tx = db.begin().await?;
    if !touch(&tx, cart_id).await? {
        return Ok(LineChange::NoSuchCart);
    }
    cart_line::Entity::delete_many()
        .filter(cart_line::Column::CartId.eq(cart_id))
        .filter(cart_line::Column::ProductId.eq(product_id))
        .exec(&tx)
        .await?;
    tx.commit().await?;
    Ok(LineChange::Done)
}

/// Takes everything out of the cart.
#[tracing::instrument(skip(db))]
pub async fn empty(db: &DatabaseConnection, cart_id: &str) -> Result<LineChange, DbErr> {
    let tx = db.begin().await?;
    if !touch(&tx, cart_id).await? {
        return Ok(LineChange::NoSuchCart);
    }
    empty_lines(&tx, cart_id).await?;
    tx.commit().await?;
    Ok(LineChange::Done)
}

/// Takes what an order bought out of its cart, in the caller's transaction (placing the
/// order): each line loses the ordered quantity, and goes when nothing is left of it. A
/// line added or raised while the checkout ran keeps the difference; one the shopper
/// removed or lowered meanwhile simply goes. A cart that is gone (merged into a user's)
/// has nothing to take.
pub async fn take_ordered<C: ConnectionTrait>(
    db: &C,
    cart_id: &str,
    ordered: &[crate::entities::order_line::Model],
) -> Result<(), DbErr> {
    if !touch(db, cart_id).await? {
        return Ok(());
    }
    for line in ordered {
        cart_line::Entity::delete_many()
            .filter(cart_line::Column::CartId.eq(cart_id))
            .filter(cart_line::Column::ProductId.eq(line.product_id))
            .filter(cart_line::Column::Quantity.lte(line.quantity))
            .exec(db)
            .await?;
        cart_line::Entity::update_many()
            .col_expr(
                cart_line::Column::Quantity,
                Expr::col(cart_line::Column::Quantity).sub(line.quantity),
            )
            .filter(cart_line::Column::CartId.eq(cart_id))
            .filter(cart_line::Column::ProductId.eq(line.product_id))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Deletes the cart's lines (in the caller's transaction).
pub async fn empty_lines<C: ConnectionTrait>(db: &C, cart_id: &str) -> Result<(), DbErr> {
    cart_line::Entity::delete_many()
        .filter(cart_line::Column::CartId.eq(cart_id))
        .exec(db)
        .await
        .map(drop)
}

/// Remembers what the catalog says now about the cart's products, for the next time it
/// cannot be asked. Only lines whose name or price changed are written.
#[tracing::instrument(skip_all)]
pub async fn remember_offers(
    db: &DatabaseConnection,
    lines: &[cart_line::Model],
    offers: &HashMap<i64, Offer>,
) -> Result<(), DbErr> {
    for line in lines {
        let Some(offer) = offers.get(&line.product_id) else {
            continue;
        };
        let unchanged = line.name == offer.name
            && line.slug == offer.slug
            && line.unit_price_minor == offer.price_minor
            && line.currency == offer.currency;
        if unchanged {
            continue;
        }
        cart_line::Entity::update_many()
            .col_expr(cart_line::Column::Name, Expr::value(offer.name.clone()))
            .col_expr(cart_line::Column::Slug, Expr::value(offer.slug.clone()))
            .col_expr(
                cart_line::Column::UnitPriceMinor,
                Expr::value(offer.price_minor),
            )
            .col_expr(
                cart_line::Column::Currency,
                Expr::value(offer.currency.clone()),
            )
            .filter(cart_line::Column::CartId.eq(line.cart_id.as_str()))
            .filter(cart_line::Column::ProductId.eq(line.product_id))
            .exec(db)
            .await?;
    }
    Ok(())
}

async fn quantity_in_cart<C: ConnectionTrait>(
    db: &C,
    cart_id: &str,
    product_id: i64,
) -> Result<Option<i32>, DbErr> {
    Ok(
        cart_line::Entity::find_by_id((cart_id.to_owned(), product_id))
            .one(db)
            .await?
            .map(|line| line.quantity),
    )
}

async fn line_count<C: ConnectionTrait>(db: &C, cart_id: &str) -> Result<u64, DbErr> {
    cart_line::Entity::find()
        .filter(cart_line::Column::CartId.eq(cart_id))
        .count(db)
        .await
}

fn line_of(cart_id: &str, offer: &Offer, quantity: i32) -> cart_line::ActiveModel {
    cart_line::ActiveModel {
        cart_id: Set(cart_id.to_owned()),
        product_id: Set(offer.product_id),
        quantity: Set(quantity),
        name: Set(offer.name.clone()),
        slug: Set(offer.slug.clone()),
        unit_price_minor: Set(offer.price_minor),
        currency: Set(offer.currency.clone()),
        added_at: Set(chrono::Utc::now()),
    }
}

/// The cart as the API shows it. With `offers` (the catalog answered) names, prices and
/// stock are the catalog's and the cart is `checked`; a product the catalog no longer
/// knows shows as unavailable. Without, the remembered names and prices are shown.
pub fn view(
    cart_id: &str,
    lines: Vec<cart_line::Model>,
    offers: Option<&HashMap<i64, Offer>>,
) -> api::Cart {
    let lines: Vec<api::CartLine> = lines
        .into_iter()
        .map(|line| {
            let offer = offers.and_then(|offers| offers.get(&line.product_id));
            let (slug, name, unit_price_minor) = match offer {
                Some(offer) => (offer.slug.clone(), offer.name.clone(), offer.price_minor),
                None => (line.slug, line.name, line.unit_price_minor),
            };
            let available = offers.map(|_| offer.map_or(0, |offer| offer.available));
            api::CartLine {
                product_id: line.product_id,
                slug,
                name,
                quantity: line.quantity,
                unit_price_minor,
                line_total_minor: unit_price_minor * i64::from(line.quantity),
                available,
            }
        })
        .collect();
    let subtotal_minor: i64 = lines.iter().map(|line| line.line_total_minor).sum();
    let shipping_minor = shipping_for(subtotal_minor);
    api::Cart {
        id: cart_id.to_owned(),
        item_count: lines.iter().map(|line| line.quantity).sum(),
        lines,
        subtotal_minor,
        shipping_minor,
        total_minor: subtotal_minor + shipping_minor,
        currency: api::CURRENCY.to_owned(),
        checked: offers.is_some(),
    }
}

/// The mini-cart's numbers, from the remembered prices.
pub fn summary(lines: &[cart_line::Model]) -> api::CartSummary {
    api::CartSummary {
        item_count: lines.iter().map(|line| line.quantity).sum(),
        subtotal_minor: lines
            .iter()
            .map(|line| line.unit_price_minor * i64::from(line.quantity))
            .sum(),
        currency: api::CURRENCY.to_owned(),
    }
}
