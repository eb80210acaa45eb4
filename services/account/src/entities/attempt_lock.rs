use sea_orm::entity::prelude::*;

/// What one admission of an attempt locks while it counts and adds (an account's or a
/// client's key): admissions for the same key take turns, on every replica. Rows not
/// touched for longer than the longest window are deleted as the service goes.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attempt_locks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// Milliseconds since the Unix epoch.
    pub touched_ms: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
