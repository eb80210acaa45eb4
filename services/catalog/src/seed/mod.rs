//! The catalog a fresh shop opens with: categories, products and their pictures from
//! `catalog.json`, written once, when the catalog is empty.

mod art;

use crate::entities::{category, product, product_image};
use anyhow::Context;
use chrono::{DateTime, Duration, TimeZone, Utc};
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, EntityTrait, PaginatorTrait, Set, TransactionTrait,
};
use serde::Deserialize;
use std::collections::HashMap;

/// Every seeded price is in euros.
const CURRENCY: &str = "EUR";

#[derive(Deserialize)]
struct SeedCatalog {
    categories: Vec<SeedCategory>,
    products: Vec<SeedProduct>,
}

#[derive(Deserialize)]
struct SeedCategory {
    slug: String,
    name: String,
    description: String,
}

#[derive(Deserialize)]
struct SeedProduct {
    slug: String,
    name: String,
    category: String,
    description: String,
    price_minor: i64,
    stock: i32,
}

/// Seeds the catalog unless it already has categories. Safe when several instances start
/// at once on one database: the loser's transaction fails on the unique slugs and rolls back.
#[tracing::instrument(skip_all)]
pub async fn seed_if_empty(db: &DatabaseConnection) -> anyhow::Result<()> {
    if category::Entity::find().count(db).await? > 0 {
        return Ok(());
    }
    match seed(db).await {
        Ok(count) => {
            tracing::info!(products = count, "seeded an empty catalog");
            Ok(())
        }
        Err(error) if category::Entity::find().count(db).await? > 0 => {
            tracing::info!(%error, "another instance seeded the catalog first");
            Ok(())
        }
        Err(error) => Err(error),
    }
}

async fn seed(db: &DatabaseConnection) -> anyhow::Result<usize> {
    let catalog: SeedCatalog =
        serde_json::from_str(include_str!("catalog.json")).context("reading catalog.json")?;
    let txn = db.begin().await?;
    let mut category_ids = HashMap::new();
    for (position, seed) in catalog.categories.iter().enumerate() {
        let saved = category::ActiveModel {
            slug: Set(seed.slug.clone()),
            name: Set(seed.name.clone()),
            description: Set(seed.description.clone()),
            position: Set(i32::try_from(position)?),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        category_ids.insert(seed.slug.as_str(), saved.id);
    }
    for (index, seed) in catalog.products.iter().enumerate() {
        let category_id = *category_ids
            .get(seed.category.as_str())
            .with_context(|| format!("{} names unknown category {}", seed.slug, seed.category))?;
        let saved = product::ActiveModel {
            slug: Set(seed.slug.clone()),
            name: Set(seed.name.clone()),
            description: Set(seed.description.clone()),
            price_minor: Set(seed.price_minor),
            currency: Set(CURRENCY.to_owned()),
            stock: Set(seed.stock),
            category_id: Set(category_id),
            created_at: Set(arrival_date(index, catalog.products.len())),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        product_image::ActiveModel {
            product_id: Set(saved.id),
            content_type: Set("image/svg+xml".to_owned()),
            data: Set(art::product_svg(&seed.category, &seed.slug, &seed.name).into_bytes()),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(catalog.products.len())
}

/// When a seeded product "arrived": spread over the past months and interleaved across
/// categories, so "newest first" shows a mix rather than one category.
fn arrival_date(index: usize, count: usize) -> DateTime<Utc> {
    let opened = Utc
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .unwrap_or_default();
    // 29 is coprime with the product count, so every product gets its own day.
    let day = (index * 29) % count.max(1);
    opened + Duration::days(i64::try_from(day).unwrap_or_default() * 3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn seed_catalog_is_complete_and_consistent() {
        let catalog: SeedCatalog = serde_json::from_str(include_str!("catalog.json")).unwrap();
        assert!(catalog.categories.len() >= 6);
        assert!(catalog.products.len() >= 60);
        let categories: HashSet<_> = catalog.categories.iter().map(|c| c.slug.as_str()).collect();
        let mut slugs = HashSet::new();
        for product in &catalog.products {
            assert!(
                categories.contains(product.category.as_str()),
                "{}",
                product.slug
            );
            assert!(
                slugs.insert(product.slug.as_str()),
                "duplicate {}",
                product.slug
            );
            assert!(
                product.price_minor > 0 && product.stock >= 0,
                "{}",
                product.slug
            );
        }
    }

    #[test]
    fn arrival_dates_are_distinct() {
        let dates: HashSet<_> = (0..64).map(|i| arrival_date(i, 64)).collect();
        assert_eq!(dates.len(), 64);
    }
}
