use sea_orm::entity::prelude::*;

/// A signed-in browser. The session is alive while `revoked_at` is unset and
/// `expires_at` is in the future.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    /// Public (the identity token's `sid`), random.
    #[sea_orm(primary_key, auto_increment = false)]
    pub handle: String,
    /// SHA-256 of the secret, in hex; the secret itself is never stored.
    #[sea_orm(unique)]
    pub secret_hash: String,
    pub user_id: String,
    pub created_at: DateTimeUtc,
    /// Updated at most once a minute.
    pub last_seen_at: DateTimeUtc,
    /// [`crate::sessions::SESSION_LIFETIME`] after `created_at`.
    pub expires_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id"
    )]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
