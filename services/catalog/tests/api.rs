//! catalog-service over HTTP, as its clients use it: every behaviour on SQLite and on
//! PostgreSQL (see `test_support`).

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use catalog_service_api::{CategoryCount, Product, ProductList};
use reqwest::StatusCode;
use serde_json::Value;
use test_support::catalog::CatalogService;
use test_support::TestDatabase;

async fn get(service: &CatalogService, path: &str) -> (StatusCode, Value) {
    test_support::http::get(&format!("{}{path}", service.address)).await
}

async fn list(service: &CatalogService, query: &str) -> ProductList {
    let (status, body) = get(service, &format!("/products?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).expect("a product list")
}

/// `field` is named in a 400 answer to `path`.
async fn assert_rejects(service: &CatalogService, path: &str, field: &str) {
    let (status, body) = get(service, path).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
    assert_eq!(body["error"]["code"], "invalid_parameter", "{path}: {body}");
    assert_eq!(body["error"]["field"], field, "{path}: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains(field),
        "{path}: the message should name {field}: {body}"
    );
}

test_support::on_both_databases!(test_support::catalog::spawn_service =>
    health_and_readiness_answer,
    a_fresh_catalog_is_seeded_with_products_in_categories,
    listing_is_paged_without_overlap,
    a_page_past_the_end_is_empty_but_keeps_the_total,
    sorting_orders_the_whole_result,
    category_filter_returns_only_that_category,
    price_range_and_stock_filters_narrow_the_result,
    search_matches_every_word_in_name_or_description,
    search_treats_like_wildcards_as_text,
    a_product_is_found_by_slug,
    an_unknown_slug_is_a_json_404,
    every_product_has_an_svg_image,
    category_counts_follow_the_filters,
    invalid_parameters_are_rejected_with_a_400_naming_them,
    unknown_paths_are_a_json_404,
);

async fn health_and_readiness_answer(service: CatalogService) {
    assert_eq!(get(&service, "/healthz").await.0, StatusCode::OK);
    let (status, body) = get(&service, "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn a_fresh_catalog_is_seeded_with_products_in_categories(service: CatalogService) {
    let all = list(&service, "per_page=100").await;
    assert!(all.total >= 60, "only {} products", all.total);
    assert_eq!(all.per_page, 100);
    let (_, categories) = get(&service, "/categories").await;
    let categories: Vec<CategoryCount> = serde_json::from_value(categories).unwrap();
    assert!(categories.len() >= 6);
    assert!(
        categories.iter().all(|c| c.product_count > 0),
        "{categories:?}"
    );
    for product in &all.items {
        assert!(
            product.price_minor > 0 && product.currency == "EUR",
            "{product:?}"
        );
        assert!(!product.description.is_empty());
    }
}

async fn listing_is_paged_without_overlap(service: CatalogService) {
    let first = list(&service, "per_page=10&sort=name").await;
    let second = list(&service, "per_page=10&sort=name&page=2").await;
    assert_eq!((first.items.len(), second.items.len()), (10, 10));
    assert_eq!(first.total, second.total);
    assert!(first
        .items
        .iter()
        .all(|a| second.items.iter().all(|b| a.id != b.id)));
    assert!(first.items.last().unwrap().name <= second.items[0].name);
}

async fn a_page_past_the_end_is_empty_but_keeps_the_total(service: CatalogService) {
    let page = list(&service, "per_page=50&page=99").await;
    assert!(page.items.is_empty());
    assert!(page.total >= 60);
    assert_eq!(page.page, 99);
}

async fn sorting_orders_the_whole_result(service: CatalogService) {
    let ascending = list(&service, "per_page=100&sort=price_asc").await.items;
    assert!(ascending
        .windows(2)
        .all(|w| w[0].price_minor <= w[1].price_minor));
    let descending = list(&service, "per_page=100&sort=price_desc").await.items;
    assert!(descending
        .windows(2)
        .all(|w| w[0].price_minor >= w[1].price_minor));
    assert_eq!(
        ascending[0].price_minor,
        descending.last().unwrap().price_minor
    );
    let by_name = list(&service, "per_page=100&sort=name").await.items;
    assert!(by_name.windows(2).all(|w| w[0].name <= w[1].name));
    let newest = list(&service, "per_page=100").await.items;
    assert!(newest
        .windows(2)
        .all(|w| w[0].created_at >= w[1].created_at));
}

async fn category_filter_returns_only_that_category(service: CatalogService) {
    let books = list(&service, "category=books&per_page=100").await;
    assert!(books.total > 0);
    assert!(books.items.iter().all(|p| p.category.slug == "books"));
    let everything = list(&service, "per_page=100").await;
    let counted = everything
        .items
        .iter()
        .filter(|p| p.category.slug == "books")
        .count();
    assert_eq!(books.total, counted as u64);
}

async fn price_range_and_stock_filters_narrow_the_result(service: CatalogService) {
    let everything = list(&service, "per_page=100").await;
    let ranged = list(&service, "min_price=1000&max_price=3000&per_page=100").await;
    assert!(ranged.total > 0 && ranged.total < everything.total);
    assert!(ranged
        .items
        .iter()
        .all(|p| (1000..=3000).contains(&p.price_minor)));
    let expected = everything
        .items
        .iter()
        .filter(|p| (1000..=3000).contains(&p.price_minor))
        .count();
    assert_eq!(ranged.total, expected as u64);

    let in_stock = list(&service, "in_stock=true&per_page=100").await;
    assert!(in_stock.items.iter().all(|p| p.stock > 0));
    let out_of_stock = everything.items.iter().filter(|p| p.stock == 0).count() as u64;
    assert!(out_of_stock > 0, "the seed has sold-out products");
    assert_eq!(in_stock.total, everything.total - out_of_stock);
}

async fn search_matches_every_word_in_name_or_description(service: CatalogService) {
    let contains = |p: &Product, word: &str| {
        p.name.to_lowercase().contains(word) || p.description.to_lowercase().contains(word)
    };
    let walnut = list(&service, "q=WALNUT&per_page=100").await;
    assert!(walnut.total >= 2, "seed has several walnut products");
    assert!(walnut.items.iter().all(|p| contains(p, "walnut")));
    let everything = list(&service, "per_page=100").await;
    let expected = everything
        .items
        .iter()
        .filter(|p| contains(p, "walnut"))
        .count();
    assert_eq!(walnut.total, expected as u64);

    let both = list(&service, "q=walnut%20steel&per_page=100").await;
    assert!(both.total < walnut.total);
    assert!(both
        .items
        .iter()
        .all(|p| contains(p, "walnut") && contains(p, "steel")));
    assert_eq!(list(&service, "q=zzqxnotaword").await.total, 0);
}

async fn search_treats_like_wildcards_as_text(service: CatalogService) {
    assert_eq!(
        list(&service, "q=%25").await.total,
        0,
        "% must not match everything"
    );
    assert_eq!(
        list(&service, "q=_").await.total,
        0,
        "_ must not match any character"
    );
}

async fn a_product_is_found_by_slug(service: CatalogService) {
    let first = list(&service, "per_page=1").await.items.remove(0);
    let (status, body) = get(&service, &format!("/products/{}", first.slug)).await;
    assert_eq!(status, StatusCode::OK);
    let product: Product = serde_json::from_value(body).unwrap();
    assert_eq!(product, first);
}

async fn an_unknown_slug_is_a_json_404(service: CatalogService) {
    let (status, body) = get(&service, "/products/no-such-thing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    let (status, _) = get(&service, "/products/no-such-thing/image").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn every_product_has_an_svg_image(service: CatalogService) {
    for product in list(&service, "per_page=100").await.items {
        let response = reqwest::get(format!(
            "{}/products/{}/image",
            service.address, product.slug
        ))
        .await
        .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "image/svg+xml");
        let svg = response.text().await.unwrap();
        assert!(
            svg.starts_with("<svg") && !svg.contains("<script"),
            "{}",
            product.slug
        );
    }
}

async fn category_counts_follow_the_filters(service: CatalogService) {
    let counts = |body: Value| -> Vec<CategoryCount> { serde_json::from_value(body).unwrap() };
    let all = counts(get(&service, "/categories").await.1);
    let total: u64 = all.iter().map(|c| c.product_count).sum();
    assert_eq!(total, list(&service, "per_page=1").await.total);

    let steel = counts(get(&service, "/categories?q=steel&category=books").await.1);
    assert_eq!(
        steel.len(),
        all.len(),
        "every category is listed, even with no match"
    );
    let steel_total: u64 = steel.iter().map(|c| c.product_count).sum();
    assert_eq!(
        steel_total,
        list(&service, "q=steel").await.total,
        "the category filter is ignored"
    );
    assert!(steel_total < total);
}

async fn invalid_parameters_are_rejected_with_a_400_naming_them(service: CatalogService) {
    assert_rejects(&service, "/products?page=-1", "page").await;
    assert_rejects(&service, "/products?page=0", "page").await;
    assert_rejects(&service, "/products?per_page=101", "per_page").await;
    assert_rejects(
        &service,
        "/products?min_price=5000&max_price=100",
        "min_price",
    )
    .await;
    assert_rejects(&service, "/products?max_price=cheap", "max_price").await;
    assert_rejects(&service, "/products?sort=popularity", "sort").await;
    assert_rejects(&service, "/products?category=antiques", "category").await;
    assert_rejects(&service, "/products?in_stock=perhaps", "in_stock").await;
    assert_rejects(&service, &format!("/products?q={}", "a".repeat(101)), "q").await;
    assert_rejects(&service, "/categories?min_price=-1", "min_price").await;
}

async fn unknown_paths_are_a_json_404(service: CatalogService) {
    let (status, body) = get(&service, "/orders").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
}

/// Restarting on the same database keeps what was written — a change made before the
/// restart is there after it — and does not seed the catalog again.
async fn restarting_keeps_every_change(database: TestDatabase) {
    use catalog_service::entities::product;
    use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};

    let Some(database) = database.create().await else {
        return;
    };
    let first = test_support::catalog::spawn_service_on(&database.url).await;
    let before = list(&first, "per_page=100").await;
    let changed = &before.items[0];
    let new_stock = changed.stock + 4242;
    product::Entity::update_many()
        .col_expr(product::Column::Stock, Expr::value(new_stock))
        .filter(product::Column::Slug.eq(changed.slug.as_str()))
        .exec(&first.db)
        .await
        .unwrap();
    first.stop().await;
    // Clones share one pool: this closes the stopped server's connections too.
    first.db.clone().close().await.unwrap();

    let second = test_support::catalog::spawn_service_on(&database.url).await;
    let (status, body) = get(&second, &format!("/products/{}", changed.slug)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let after: Product = serde_json::from_value(body).unwrap();
    assert_eq!(after.stock, new_stock, "the change survived the restart");
    let all = list(&second, "per_page=100").await;
    assert_eq!(all.total, before.total, "not seeded a second time");
    second.stop().await;
}

mod restarting_keeps_every_change {
    use test_support::TestDatabase;

    #[tokio::test]
    async fn sqlite() {
        super::restarting_keeps_every_change(TestDatabase::Sqlite).await;
    }

    #[tokio::test]
    async fn postgres() {
        super::restarting_keeps_every_change(TestDatabase::Postgres).await;
    }
}
