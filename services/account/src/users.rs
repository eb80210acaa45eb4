//! Users in the database, and a user as the API shows them.

use crate::domain::{Email, Name};
use crate::entities::user;
use crate::ids::new_id;
use crate::sessions::{self, NewSession};
use account_service_api as api;
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, SqlErr, TransactionTrait,
};

/// A sign-up refused: someone has that email already (also when they signed up a moment
/// ago, in a race the unique index decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmailTaken;

/// A new user with `email`, `name` and the hash of their password, signed in: both rows
/// or neither. The user and their first session.
#[tracing::instrument(skip_all)]
pub async fn sign_up(
    db: &DatabaseConnection,
    email: Email,
    name: Name,
    password_hash: String,
    now: DateTime<Utc>,
) -> anyhow::Result<Result<(user::Model, NewSession), EmailTaken>> {
    let user = user::Model {
        id: new_id()?,
        email: email.into_string(),
        name: name.into_string(),
        password_hash,
        created_at: now,
        updated_at: now,
    };
    let tx = db.begin().await?;
    let inserted = user::Entity::insert(user::ActiveModel::from(user.clone()))
        .exec_without_returning(&tx)
        .await;
    if let Err(error) = inserted {
        return match error.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Ok(Err(EmailTaken)),
            _ => Err(anyhow::Error::new(error).context("storing a new user")),
        };
    }
    let session = sessions::start(&tx, &user.id, now).await?;
    tx.commit().await?;
    Ok(Ok((user, session)))
}

/// The user with this (normalised) email.
#[tracing::instrument(skip_all)]
pub async fn find_by_email(
    db: &DatabaseConnection,
    email: &str,
) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(db)
        .await
}

#[tracing::instrument(skip(db))]
pub async fn find(db: &DatabaseConnection, user_id: &str) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find_by_id(user_id).one(db).await
}

/// Gives the user a new name; the user as they are now, or `None` when there is no such
/// user.
#[tracing::instrument(skip(db))]
pub async fn rename(
    db: &DatabaseConnection,
    user_id: &str,
    name: Name,
) -> Result<Option<user::Model>, DbErr> {
    let renamed = user::Entity::update_many()
        .col_expr(user::Column::Name, Expr::value(name.into_string()))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    if renamed.rows_affected == 0 {
        return Ok(None);
    }
    find(db, user_id).await
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The user as the API shows them: never the password hash.
pub fn view(user: &user::Model) -> api::User {
    api::User {
        id: user.id.clone(),
        email: user.email.clone(),
        name: user.name.clone(),
        created_at: timestamp(user.created_at),
        updated_at: timestamp(user.updated_at),
    }
}
