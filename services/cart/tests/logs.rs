//! A guest's cart id is a bearer credential — whoever has it has the cart — so it never
//! appears in a log line: the real binary logs the route pattern of each request, not its
//! path.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cart_service_api::paths;
use common::process::Process;
use common::{client, send};
use reqwest::StatusCode;

#[tokio::test]
async fn cart_ids_in_paths_are_never_logged() {
    let database = test_support::TestDatabase::Sqlite.create().await.unwrap();
    // No catalog is needed to make and show a cart.
    let service = Process::start(&database.url, "http://127.0.0.1:9", &[]).await;
    let (status, body) = send(client().post(service.url(paths::CARTS))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let cart_id = body["id"].as_str().unwrap().to_owned();
    let (status, _) = send(client().get(service.url(&paths::summary(&cart_id)))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = send(client().get(service.url(&format!("/carts/{cart_id}/nothing")))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The lines are written as the requests are answered.
    common::wait_until("the request lines", || async {
        service.log().matches("served").count() >= 3
    })
    .await;
    let log = service.log();
    assert!(
        log.contains("route=/carts/{cart_id}/summary"),
        "the route pattern is logged:\n{log}"
    );
    assert!(!log.contains(&cart_id), "a cart id was logged:\n{log}");
}
