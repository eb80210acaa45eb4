use sea_orm::entity::prelude::*;

/// One counted attempt to sign in or to sign up (see `crate::attempts`). Rows older than
/// their window are deleted as the service goes.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attempts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: Kind,
    /// SHA-256 of the normalised email, in hex (fixed length, and the table keeps no email
    /// anyone typed); `""` for a sign-up.
    pub account: String,
    /// The client's address as account-bff passed it; `""` when none was given.
    pub client: String,
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
}

/// What was attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Kind {
    /// A sign-in, or a sign-up's check of an email's password. Counted as failed when it
    /// is let in; a success takes it (and its account's and client's others) back.
    #[sea_orm(string_value = "sign_in")]
    SignIn,
    /// A sign-up: every one counts.
    #[sea_orm(string_value = "sign_up")]
    SignUp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
