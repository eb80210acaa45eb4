use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cart")]
pub struct Model {
    /// 32 random hex digits, made by the service.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The signed-in user whose cart it is; `None` for a guest cart (named by the guest's
    /// cookie). Unique: a user has one cart.
    #[sea_orm(unique)]
    pub user_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::cart_line::Entity")]
    Line,
}

impl Related<super::cart_line::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Line.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
