//! The catalog database, one small function per question the API asks or change it
//! makes.

mod reservations;

pub use reservations::*;

use crate::entities::{category, product, product_image};
use catalog_service_api::{self as api, ProductQuery, Sort};
use sea_orm::sea_query::{Expr, Func, LikeExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;

/// The category with this slug, if there is one.
#[tracing::instrument(skip(db))]
pub async fn category_by_slug(
    db: &DatabaseConnection,
    slug: &str,
) -> Result<Option<category::Model>, DbErr> {
    category::Entity::find()
        .filter(category::Column::Slug.eq(slug))
        .one(db)
        .await
}

/// One page of the products matching `query` (whose category, if any, is `category`),
/// and how many match in all.
#[tracing::instrument(skip(db))]
pub async fn list_products(
    db: &DatabaseConnection,
    query: &ProductQuery,
    category: Option<&category::Model>,
) -> Result<api::ProductList, DbErr> {
    let (column, order) = match query.sort {
        Sort::Newest => (product::Column::CreatedAt, Order::Desc),
        Sort::PriceAsc => (product::Column::PriceMinor, Order::Asc),
        Sort::PriceDesc => (product::Column::PriceMinor, Order::Desc),
        Sort::Name => (product::Column::Name, Order::Asc),
    };
    let paginator = product::Entity::find()
        .find_also_related(category::Entity)
        .filter(matching(query, category.map(|c| c.id)))
        .order_by(column, order)
        // Ties (same price) keep a stable order across pages.
        .order_by_asc(product::Column::Id)
        .paginate(db, u64::from(query.per_page));
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(u64::from(query.page) - 1).await?;
    let items = rows
        .into_iter()
        .filter_map(|(product, category)| Some(to_api(product, category?)))
        .collect();
    Ok(api::ProductList {
        items,
        page: query.page,
        per_page: query.per_page,
        total,
    })
}

/// The product with this slug.
#[tracing::instrument(skip(db))]
pub async fn product_by_slug(
    db: &DatabaseConnection,
    slug: &str,
) -> Result<Option<api::Product>, DbErr> {
    let row = product::Entity::find()
        .find_also_related(category::Entity)
        .filter(product::Column::Slug.eq(slug))
        .one(db)
        .await?;
    Ok(row.and_then(|(product, category)| Some(to_api(product, category?))))
}

/// The picture of the product with this slug.
#[tracing::instrument(skip(db))]
pub async fn image_by_slug(
    db: &DatabaseConnection,
    slug: &str,
) -> Result<Option<product_image::Model>, DbErr> {
    let row = product::Entity::find()
        .find_also_related(product_image::Entity)
        .filter(product::Column::Slug.eq(slug))
        .one(db)
        .await?;
    Ok(row.and_then(|(_, image)| image))
}

/// Every category in navigation order, with how many products match `query`'s search,
/// price and stock filters (its category filter is ignored: these counts are the facets).
#[tracing::instrument(skip(db))]
pub async fn category_counts(
    db: &DatabaseConnection,
    query: &ProductQuery,
) -> Result<Vec<api::CategoryCount>, DbErr> {
    let counts: HashMap<i32, i64> = product::Entity::find()
        .select_only()
        .column(product::Column::CategoryId)
        .column_as(product::Column::Id.count(), "product_count")
        .filter(matching(query, None))
        .group_by(product::Column::CategoryId)
        .into_tuple::<(i32, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let categories = category::Entity::find()
        .order_by_asc(category::Column::Position)
        .all(db)
        .await?;
    Ok(categories
        .into_iter()
        .map(|category| api::CategoryCount {
            product_count: counts
                .get(&category.id)
                .map_or(0, |n| u64::try_from(*n).unwrap_or_default()),
            slug: category.slug,
            name: category.name,
        })
        .collect())
}

/// Whether the database answers (for `/readyz`).
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}

/// The products `query` asks for. Every search word must appear (case-insensitively) in
/// the name or the description.
fn matching(query: &ProductQuery, category_id: Option<i32>) -> Condition {
    let mut condition = Condition::all();
    if let Some(id) = category_id {
        condition = condition.add(product::Column::CategoryId.eq(id));
    }
    if let Some(min) = query.min_price {
        condition = condition.add(product::Column::PriceMinor.gte(min));
    }
    if let Some(max) = query.max_price {
        condition = condition.add(product::Column::PriceMinor.lte(max));
    }
    if query.in_stock {
        condition = condition.add(product::Column::Stock.gt(0));
    }
    for word in query.q.iter().flat_map(|q| q.split_whitespace()) {
        let pattern = format!("%{}%", escape_like(&word.to_lowercase()));
        let contains = |column: product::Column| {
            Expr::expr(Func::lower(Expr::col((product::Entity, column))))
                .like(LikeExpr::new(pattern.clone()).escape('\\'))
        };
        condition = condition.add(
            Condition::any()
                .add(contains(product::Column::Name))
                .add(contains(product::Column::Description)),
        );
    }
    condition
}

/// Searching for `50%` means the characters, not a wildcard.
fn escape_like(word: &str) -> String {
    let mut escaped = String::with_capacity(word.len());
    for c in word.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

fn to_api(product: product::Model, category: category::Model) -> api::Product {
    api::Product {
        id: i64::from(product.id),
        slug: product.slug,
        name: product.name,
        description: product.description,
        price_minor: product.price_minor,
        currency: product.currency,
        stock: product.stock,
        category: api::CategoryRef {
            slug: category.slug,
            name: category.name,
        },
        created_at: product.created_at.to_rfc3339(),
    }
}

#[cfg(test)]
mod tests {
    use super::escape_like;

    #[test]
    fn like_wildcards_in_search_words_are_escaped() {
        assert_eq!(escape_like("50%_off\\"), "50\\%\\_off\\\\");
    }
}
