//! catalog-bff renders the catalog's first view (server-side rendering): the markup shows
//! what the JSON API answers, carries those answers for hydration, and is refused (404, which nginx makes an empty include)
//! when the catalog is unavailable, so the shell draws the page in the browser instead.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use catalog_api::{ListingPage, ProductDetail};
use reqwest::StatusCode;
use test_support::catalog::CatalogService;
use test_support::TestDatabase;

struct Fragment {
    status: StatusCode,
    build: Option<String>,
    html: String,
}

async fn fragment(bff: &str, page: &str) -> Fragment {
    let response = test_support::http::client()
        .get(format!("{bff}/api/catalog/fragments/page{page}"))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let build = response
        .headers()
        .get("x-mfe-build")
        .map(|value| value.to_str().unwrap().to_owned());
    Fragment {
        status,
        build,
        html: response.text().await.unwrap(),
    }
}

use test_support::fragment::embedded_answers as embedded;

async fn json<T: serde::de::DeserializeOwned>(bff: &str, path: &str) -> T {
    let (status, body) = test_support::http::get(&format!("{bff}{path}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).unwrap()
}

test_support::on_both_databases!(test_support::catalog::spawn_service =>
    a_listing_is_rendered_with_the_answer_it_carries,
    a_product_page_is_rendered_with_its_product,
    an_unknown_product_is_rendered_as_missing,
);

async fn a_listing_is_rendered_with_the_answer_it_carries(service: CatalogService) {
    let bff = test_support::catalog::spawn_bff(&service.address).address;
    let all: ListingPage = json(&bff, "/api/catalog/products").await;
    let category = &all.categories[0].slug;
    let url = format!("/api/catalog/products?category={category}&sort=name");
    let page: ListingPage = json(&bff, &url).await;
    assert!(!page.products.is_empty());
    let rendered = fragment(&bff, &format!("/products?sort=name&category={category}")).await;
    assert_eq!(rendered.status, StatusCode::OK);
    assert_eq!(rendered.build.as_deref(), Some(catalog_mfe::BUILD));
    for card in &page.products {
        let name = card.name.replace('&', "&amp;");
        assert!(rendered.html.contains(&name), "{} is not shown", card.name);
        assert!(rendered
            .html
            .contains(&format!("href=\"/products/{}\"", card.slug)));
    }
    // Keyed by the URL the MFE asks (the canonical one), with the API's own answer.
    let answers = embedded(&rendered.html);
    assert_eq!(answers[&url]["status"], 200);
    let carried: ListingPage = serde_json::from_value(answers[&url]["body"].clone()).unwrap();
    assert_eq!(carried, page);

    // The home page: the same listing, under the welcome band.
    let home = fragment(&bff, "/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(embedded(&home.html)["/api/catalog/products"]["status"] == 200);
}

async fn a_product_page_is_rendered_with_its_product(service: CatalogService) {
    let bff = test_support::catalog::spawn_bff(&service.address).address;
    let page: ListingPage = json(&bff, "/api/catalog/products").await;
    let slug = &page.products[0].slug;
    let product: ProductDetail = json(&bff, &format!("/api/catalog/products/{slug}")).await;
    let rendered = fragment(&bff, &format!("/products/{slug}")).await;
    assert_eq!(rendered.status, StatusCode::OK);
    assert!(rendered
        .html
        .contains(&format!(">{}</", product.name.replace('&', "&amp;"))));
    assert!(rendered.html.contains(&product.price));
    let answers = embedded(&rendered.html);
    let carried: ProductDetail =
        serde_json::from_value(answers[format!("/api/catalog/products/{slug}")]["body"].clone())
            .unwrap();
    assert_eq!(carried, product);
}

async fn an_unknown_product_is_rendered_as_missing(service: CatalogService) {
    let bff = test_support::catalog::spawn_bff(&service.address).address;
    let rendered = fragment(&bff, "/products/no-such-thing").await;
    assert_eq!(rendered.status, StatusCode::OK);
    assert_eq!(
        embedded(&rendered.html)["/api/catalog/products/no-such-thing"]["status"],
        404
    );
    assert!(rendered.html.contains("find that product"));
}

#[tokio::test]
async fn nothing_is_rendered_while_the_catalog_is_unavailable() {
    let service = test_support::catalog::spawn_service(TestDatabase::Sqlite)
        .await
        .unwrap();
    let bff = test_support::catalog::spawn_bff(&service.address).address;
    assert_eq!(fragment(&bff, "/products").await.status, StatusCode::OK);
    service.stop().await;
    for page in ["/", "/products", "/products/oak-desk"] {
        let rendered = fragment(&bff, page).await;
        assert_eq!(rendered.status, StatusCode::NOT_FOUND, "{page}");
        assert!(!rendered.html.contains("data-ssr"));
    }
}

/// After a deploy (or a rollback) made another catalog build live, a BFF's markup is not
/// what the live bundle draws: it renders nothing until its own build is live again. Two
/// replicas on one manifest (as during a rolling update) follow it each on their own.
#[tokio::test]
async fn only_the_live_build_is_rendered_by_every_replica() {
    let service = test_support::catalog::spawn_service(TestDatabase::Sqlite)
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("catalog-live-build-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = dir.join("manifest.json");
    let publish = |build: &str| {
        std::fs::write(
            &manifest,
            serde_json::json!({ "mfes": { "catalog": { "version": "v", "build": build } } })
                .to_string(),
        )
        .unwrap()
    };
    publish(catalog_mfe::BUILD);
    let replica = || {
        test_support::RunningServer::spawn(
            catalog_bff::startup::Application::build(catalog_bff::configuration::Configuration {
                mfe_manifest: Some(manifest.clone()),
                ..test_support::catalog::bff_configuration(&service.address)
            })
            .unwrap()
            .server,
        )
        .address
    };
    let replicas = [replica(), replica()];
    let statuses = || async {
        let mut statuses = Vec::new();
        for bff in &replicas {
            let rendered = fragment(bff, "/products").await;
            assert_eq!(
                rendered.html.contains("data-ssr"),
                rendered.status == StatusCode::OK
            );
            statuses.push(rendered.status);
        }
        statuses
    };
    assert_eq!(statuses().await, [StatusCode::OK; 2]);

    publish("another-build");
    // Each reads the manifest again within a second.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(statuses().await, [StatusCode::NOT_FOUND; 2]);

    publish(catalog_mfe::BUILD);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(statuses().await, [StatusCode::OK; 2]);
    let _ = std::fs::remove_dir_all(&dir);
}
