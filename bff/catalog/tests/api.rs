//! catalog-bff against a real catalog-service (contract tests), on SQLite and PostgreSQL,
//! and against a service that is down or never answers.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use catalog_api::{ListingPage, ProductDetail, StockLevel};
use catalog_service_api::ProductList;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::{Duration, Instant};
use test_support::catalog::{CatalogService, UPSTREAM_TIMEOUT};
use test_support::http::client;
use test_support::TestDatabase;

/// A BFF in this process, calling catalog-service at `service_url`; its address.
fn spawn_bff(service_url: &str) -> String {
    test_support::catalog::spawn_bff(service_url).address
}

async fn get(address: &str, path: &str) -> (StatusCode, Value) {
    test_support::http::get(&format!("{address}{path}")).await
}

async fn listing(bff: &str, query: &str) -> ListingPage {
    let (status, body) = get(bff, &format!("/api/catalog/products?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).expect("a listing page")
}

async fn service_list(service: &CatalogService, query: &str) -> ProductList {
    let (_, body) = get(&service.address, &format!("/products?{query}")).await;
    serde_json::from_value(body).unwrap()
}

test_support::on_both_databases!(test_support::catalog::spawn_service =>
    the_listing_is_shaped_for_the_catalog_screen,
    filters_in_euros_reach_the_service_in_cents,
    facets_count_every_category_while_one_is_selected,
    product_detail_has_a_price_badge_and_a_bounded_quantity,
    an_out_of_stock_product_offers_no_quantity,
    an_unknown_product_is_a_json_404,
    bad_listing_parameters_are_a_400_naming_them,
    images_are_served_with_a_long_cache,
);

async fn the_listing_is_shaped_for_the_catalog_screen(service: CatalogService) {
    let bff = spawn_bff(&service.address);
    let page = listing(&bff, "").await;
    assert_eq!(page.products.len(), 24);
    assert_eq!(page.paging.page, 1);
    assert_eq!(page.paging.per_page, 24);
    assert!(page.paging.total_items >= 60);
    assert_eq!(
        u64::from(page.paging.total_pages),
        page.paging.total_items.div_ceil(24)
    );
    let newest = service_list(&service, "per_page=24").await;
    for (card, product) in page.products.iter().zip(&newest.items) {
        assert_eq!(card.slug, product.slug, "same order as the service");
        assert!(
            card.price.starts_with('€') && card.price.contains('.'),
            "{}",
            card.price
        );
        assert_eq!(
            card.image.url,
            format!("/api/catalog/images/{}.svg", card.slug)
        );
        assert_eq!(card.image.alt, card.name);
        assert!(!card.stock.label.is_empty());
    }
    assert!(page.categories.len() >= 6);
}

async fn filters_in_euros_reach_the_service_in_cents(service: CatalogService) {
    let bff = spawn_bff(&service.address);
    let page = listing(
        &bff,
        "min_price=10&max_price=29.5&in_stock=true&sort=price_asc",
    )
    .await;
    let expected = service_list(
        &service,
        "min_price=1000&max_price=2950&in_stock=true&sort=price_asc&per_page=24",
    )
    .await;
    assert!(expected.total > 0);
    assert_eq!(page.paging.total_items, expected.total);
    let shown: Vec<&str> = page.products.iter().map(|c| c.slug.as_str()).collect();
    let wanted: Vec<&str> = expected.items.iter().map(|p| p.slug.as_str()).collect();
    assert_eq!(shown, wanted);
    assert!(page
        .products
        .iter()
        .all(|c| c.stock.level != StockLevel::OutOfStock));
    // The range comes back written as prices are, for the page's sentences.
    assert_eq!(
        page.price_range,
        catalog_api::PriceRange {
            min: Some("€10.00".into()),
            max: Some("€29.50".into())
        }
    );
}

async fn facets_count_every_category_while_one_is_selected(service: CatalogService) {
    let bff = spawn_bff(&service.address);
    let unfiltered = listing(&bff, "q=steel").await;
    let in_kitchen = listing(&bff, "q=steel&category=kitchen").await;
    assert_eq!(unfiltered.categories, in_kitchen.categories);
    let kitchen = in_kitchen
        .categories
        .iter()
        .find(|c| c.slug == "kitchen")
        .unwrap();
    assert_eq!(in_kitchen.paging.total_items, kitchen.product_count);
    let sum: u64 = unfiltered.categories.iter().map(|c| c.product_count).sum();
    assert_eq!(sum, unfiltered.paging.total_items);
}

async fn product_detail_has_a_price_badge_and_a_bounded_quantity(service: CatalogService) {
    let bff = spawn_bff(&service.address);
    let plenty = service_list(&service, "per_page=100")
        .await
        .items
        .into_iter()
        .find(|p| p.stock > 10)
        .unwrap();
    let (status, body) = get(&bff, &catalog_api::product_url(&plenty.slug)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let detail: ProductDetail = serde_json::from_value(body).unwrap();
    assert_eq!(detail.name, plenty.name);
    assert_eq!(detail.description, plenty.description);
    assert_eq!(detail.category.slug, plenty.category.slug);
    assert_eq!(detail.max_quantity, 10, "the picker stops at 10");
    assert_eq!(detail.stock.level, StockLevel::InStock);
    assert_eq!(
        detail.price,
        format!(
            "€{}.{:02}",
            plenty.price_minor / 100,
            plenty.price_minor % 100
        )
    );
}

async fn an_out_of_stock_product_offers_no_quantity(service: CatalogService) {
    let bff = spawn_bff(&service.address);
    let sold_out = service_list(&service, "per_page=100")
        .await
        .items
        .into_iter()
        .find(|p| p.stock == 0)
        .unwrap();
    let (_, body) = get(&bff, &catalog_api::product_url(&sold_out.slug)).await;
    let detail: ProductDetail = serde_json::from_value(body).unwrap();
    assert_eq!(detail.max_quantity, 0);
    assert_eq!(detail.stock.level, StockLevel::OutOfStock);
    assert_eq!(detail.stock.label, "Out of stock");
}

async fn an_unknown_product_is_a_json_404(service: CatalogService) {
    let bff = spawn_bff(&service.address);
    let (status, body) = get(&bff, "/api/catalog/products/unicorn-saddle").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    let (status, body) = get(&bff, "/api/catalog/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
}

async fn bad_listing_parameters_are_a_400_naming_them(service: CatalogService) {
    let bff = spawn_bff(&service.address);
    for (query, field) in [
        ("page=0", "page"),
        ("page=-3", "page"),
        ("min_price=abc", "min_price"),
        ("min_price=50&max_price=5", "min_price"),
        ("sort=cheapest", "sort"),
        ("in_stock=maybe", "in_stock"),
        // Well-formed but unknown: only the service knows, and the BFF passes its answer on.
        ("category=antiques", "category"),
    ] {
        let (status, body) = get(&bff, &format!("/api/catalog/products?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
        assert!(!body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .is_empty());
    }
}

async fn images_are_served_with_a_long_cache(service: CatalogService) {
    let bff = spawn_bff(&service.address);
    let card = listing(&bff, "").await.products.remove(0);
    let response = client()
        .get(format!("{bff}{}", card.image.url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    assert!(response.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("max-age"));
    assert!(response.text().await.unwrap().starts_with("<svg"));
}

fn assert_catalog_unavailable(status: StatusCode, body: &Value) {
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "catalog_unavailable");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("unavailable"));
}

#[tokio::test]
async fn a_stopped_service_gets_a_503_catalog_unavailable() {
    let service = test_support::catalog::spawn_service(TestDatabase::Sqlite)
        .await
        .unwrap();
    let bff = spawn_bff(&service.address);
    assert_eq!(get(&bff, "/api/catalog/products").await.0, StatusCode::OK);
    service.stop().await;

    let (status, body) = get(&bff, "/api/catalog/products").await;
    assert_catalog_unavailable(status, &body);
    let (status, body) = get(&bff, "/api/catalog/products/anything").await;
    assert_catalog_unavailable(status, &body);
    let (status, _) = get(&bff, "/api/catalog/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
}

/// A service that accepts connections and never answers: the BFF's deadline (800 ms) must
/// turn that into a 503 — not before the deadline, and not much after it.
#[tokio::test]
async fn a_service_that_never_answers_gets_a_503_at_the_deadline() {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", silent.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = vec![];
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let bff = spawn_bff(&address);
    let started = Instant::now();
    let (status, body) = get(&bff, "/api/catalog/products").await;
    let elapsed = started.elapsed();
    assert_catalog_unavailable(status, &body);
    assert!(
        elapsed >= UPSTREAM_TIMEOUT && elapsed < UPSTREAM_TIMEOUT + Duration::from_millis(700),
        "answered after {elapsed:?}; the deadline is {UPSTREAM_TIMEOUT:?}"
    );
}

/// The readiness answer is public (nginx serves it): it must not name internal addresses.
#[tokio::test]
async fn readiness_names_no_internal_address() {
    let service = test_support::catalog::spawn_service(TestDatabase::Sqlite)
        .await
        .unwrap();
    let bff = spawn_bff(&service.address);
    assert_eq!(get(&bff, "/api/catalog/readyz").await.0, StatusCode::OK);
    service.stop().await;
    let (status, body) = get(&bff, "/api/catalog/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let port = service.address.rsplit(':').next().unwrap();
    assert!(!body.to_string().contains("127.0.0.1"), "{body}");
    assert!(!body.to_string().contains(port), "{body}");
}

/// The request id nginx sets reaches catalog-service with the BFF's call, and comes back.
#[tokio::test]
async fn the_request_id_is_passed_on_to_the_service() {
    let (address, seen) = recording_service().await;
    let bff = spawn_bff(&address);
    let response = client()
        .get(format!("{bff}/api/catalog/products/some-product"))
        .header("x-request-id", "shopper-request-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "shopper-request-42");
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.iter()
            .any(|head| head.contains("x-request-id: shopper-request-42")),
        "the service saw {seen:?}"
    );
}

/// A stand-in service that records each request's head and answers 404.
async fn recording_service() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(vec![]));
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut head = vec![0; 8192];
            let n = socket.read(&mut head).await.unwrap_or(0);
            record
                .lock()
                .unwrap()
                .push(String::from_utf8_lossy(&head[..n]).to_lowercase());
            let body = r#"{"error":{"code":"not_found","message":"No such product"}}"#;
            let answer = format!(
                "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(answer.as_bytes()).await;
        }
    });
    (address, seen)
}

/// Every BFF refuses a state-changing request that may be forged (see platform::csrf);
/// the catalog has no writes, so one that passes the guard finds no such method.
#[tokio::test]
async fn a_write_without_the_csrf_header_is_forbidden() {
    let service = test_support::catalog::spawn_service(TestDatabase::Sqlite)
        .await
        .unwrap();
    let bff = spawn_bff(&service.address);
    let url = format!("{bff}/api/catalog/products");
    let forged = client()
        .post(&url)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let body: Value = forged.json().await.unwrap();
    assert_eq!(body["error"]["code"], "forbidden");
    let from_the_shop = client()
        .post(&url)
        .header("x-csrf", "1")
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(from_the_shop.status(), StatusCode::METHOD_NOT_ALLOWED);
}
