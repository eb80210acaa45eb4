//! Sessions in the database. A session is known to its browser by a secret (256 random
//! bits, base64url) that the service hands out once and keeps only the SHA-256 of; its
//! public handle names it in identity tokens.

use crate::entities::{session, user};
use crate::ids::random_token;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter,
};
use sha2::{Digest, Sha256};

/// How long a session lives after sign-in (not extended by use).
pub const SESSION_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::days(30);

/// `last_seen_at` is written at most this often.
pub const SEEN_RESOLUTION: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

/// SHA-256 of a session secret, in lowercase hex: what the database keeps and looks for.
pub fn secret_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// A session just made: the row, and its secret, which exists nowhere else.
pub struct NewSession {
    pub session: session::Model,
    pub secret: String,
}

impl std::fmt::Debug for NewSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSession")
            .field("handle", &self.session.handle)
            .finish_non_exhaustive()
    }
}

/// A new session of `user_id`, with a new handle and secret.
#[tracing::instrument(skip(db))]
pub async fn start<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<NewSession> {
    let secret = random_token::<32>()?;
    let session = session::Model {
        handle: random_token::<16>()?,
        secret_hash: secret_hash(&secret),
        user_id: user_id.to_owned(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + SESSION_LIFETIME,
        revoked_at: None,
    };
    session::Entity::insert(session::ActiveModel::from(session.clone()))
        .exec_without_returning(db)
        .await?;
    Ok(NewSession { session, secret })
}

/// The live session whose secret hashes to `hash` (neither revoked nor expired at `now`),
/// and its user.
#[tracing::instrument(skip_all)]
pub async fn alive(
    db: &DatabaseConnection,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<(session::Model, user::Model)>, DbErr> {
    let found = session::Entity::find()
        .find_also_related(user::Entity)
        .filter(session::Column::SecretHash.eq(hash))
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(now))
        .one(db)
        .await?;
    Ok(found.and_then(|(session, user)| Some((session, user?))))
}

/// Notes that the session was used at `now`, unless that was noted less than
/// [`SEEN_RESOLUTION`] ago.
#[tracing::instrument(skip_all, fields(handle = %session.handle))]
pub async fn seen(
    db: &DatabaseConnection,
    session: &session::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if now - session.last_seen_at < SEEN_RESOLUTION {
        return Ok(());
    }
    let mut changed: session::ActiveModel = session.clone().into();
    changed.last_seen_at = sea_orm::Set(now);
    changed.update(db).await?;
    Ok(())
}

/// Revokes the session whose secret hashes to `hash`, if it is not revoked already.
#[tracing::instrument(skip_all)]
pub async fn revoke(db: &DatabaseConnection, hash: &str, now: DateTime<Utc>) -> Result<(), DbErr> {
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .filter(session::Column::SecretHash.eq(hash))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Revokes every session of `user_id`; how many were live.
#[tracing::instrument(skip(db))]
pub async fn revoke_all(
    db: &DatabaseConnection,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let revoked = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(revoked.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_hash_is_sha256_in_hex() {
        assert_eq!(
            secret_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
