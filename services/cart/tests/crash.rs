//! Crashes in the middle of a checkout: the real binary, killed on purpose right after a
//! saga step (`CART_SERVICE__FAILPOINT`), then started again on the same database. What
//! was not paid is undone; what was paid is finished. On SQLite and PostgreSQL.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cart_service_api::{paths, OrderList, OrderStatus, Owner, IDEMPOTENCY_KEY};
use common::{checkout_request, client, count, send, GOOD_CARD};
use reqwest::StatusCode;
use sea_orm::{Database, DatabaseConnection};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use test_support::catalog::CatalogService;
use test_support::{FreshDatabase, TestDatabase};

/// A catalog in this process, and a database for cart-service processes to share.
struct Fixture {
    catalog: CatalogService,
    database: FreshDatabase,
}

async fn fixture(database: TestDatabase) -> Option<Fixture> {
    let catalog = test_support::catalog::spawn_service(database).await?;
    let database = database.create().await?;
    Some(Fixture { catalog, database })
}

test_support::on_both_databases!(crate::fixture =>
    a_crash_after_reserving_is_undone_at_restart,
    a_crash_after_payment_is_finished_at_restart,
);

/// cart-service as its own process, killed when dropped.
struct Process {
    child: Child,
    address: String,
    _port_file: TempFile,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl Process {
    /// Starts the binary on `fixture`'s database and waits until it listens (it recovers
    /// unfinished checkouts before that).
    async fn start(fixture: &Fixture, failpoint: Option<&str>) -> Self {
        static STARTS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let port_file = TempFile(std::env::temp_dir().join(format!(
            "cart-service-{}-{}.port",
            std::process::id(),
            STARTS.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        )));
        let mut command = Command::new(env!("CARGO_BIN_EXE_cart-service"));
        command
            .env("NO_COLOR", "1")
            .env("CART_SERVICE__PORT", "0")
            .env("CART_SERVICE__HOST", "127.0.0.1")
            .env("DATABASE_URL", &fixture.database.url)
            .env(
                "CART_SERVICE__CATALOG_SERVICE_URL",
                &fixture.catalog.address,
            )
            .env("STOREFRONT_PORT_FILE", &port_file.0)
            .env_remove("CART_SERVICE__FAILPOINT")
            .stdout(Stdio::null());
        if let Some(failpoint) = failpoint {
            command.env("CART_SERVICE__FAILPOINT", failpoint);
        }
        let mut child = command.spawn().expect("starting cart-service");
        let deadline = Instant::now() + Duration::from_secs(60);
        let port: u16 = loop {
            if let Some(port) = std::fs::read_to_string(&port_file.0)
                .ok()
                .and_then(|text| text.trim().parse().ok())
            {
                break port;
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!("cart-service exited ({status}) before it listened");
            }
            assert!(
                Instant::now() < deadline,
                "cart-service did not report its port"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        Self {
            child,
            address: format!("http://127.0.0.1:{port}"),
            _port_file: port_file,
        }
    }

    /// Waits for the process to end by itself; its exit code.
    async fn exit_code(&mut self) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "cart-service did not exit");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }
}

/// A cart holding `quantity` of product 1, and the catalog's stock of it then.
async fn cart_with_product_one(
    fixture: &Fixture,
    service: &Process,
    quantity: i32,
) -> (String, i32) {
    common::set_stock(&fixture.catalog.db, 1, 20).await;
    let (status, body) = send(client().post(service.url(paths::CARTS))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let cart_id = body["id"].as_str().unwrap().to_owned();
    let (status, body) = send(
        client()
            .post(service.url(&paths::lines(&cart_id)))
            .json(&serde_json::json!({ "product_id": 1, "quantity": quantity })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (cart_id, common::stock(&fixture.catalog.db, 1).await)
}

/// Checks out `cart_id`, expecting the process to die on the way.
async fn checkout_that_crashes(service: &mut Process, cart_id: &str) {
    let answer = client()
        .post(service.url(&paths::checkout(cart_id)))
        .header(IDEMPOTENCY_KEY, "crash")
        .json(&checkout_request(cart_id, GOOD_CARD))
        .send()
        .await;
    assert!(answer.is_err(), "the connection should drop: {answer:?}");
    assert_eq!(service.exit_code().await, Some(137));
}

async fn the_only_order(service: &Process, cart_id: &str) -> cart_service_api::Order {
    let (status, body) =
        send(client().get(service.url(&paths::orders_of(&Owner::guest(cart_id))))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut list: OrderList = serde_json::from_value(body).unwrap();
    assert_eq!(list.items.len(), 1, "{list:?}");
    list.items.remove(0)
}

async fn cart_db(fixture: &Fixture) -> DatabaseConnection {
    Database::connect(&fixture.database.url).await.unwrap()
}

async fn a_crash_after_reserving_is_undone_at_restart(fixture: Fixture) {
    let mut service = Process::start(&fixture, Some("after_reserve")).await;
    let (cart_id, stock) = cart_with_product_one(&fixture, &service, 3).await;
    checkout_that_crashes(&mut service, &cart_id).await;
    assert_eq!(
        common::stock(&fixture.catalog.db, 1).await,
        stock - 3,
        "the crash came after the stock was reserved"
    );
    let db = cart_db(&fixture).await;
    assert_eq!(count(&db, "orders", "status = 'reserved'").await, 1);

    let service = Process::start(&fixture, None).await;
    let order = the_only_order(&service, &cart_id).await;
    assert_eq!(order.status, OrderStatus::Failed);
    let failure = order.failure.unwrap();
    assert_eq!(failure.code, "interrupted");
    assert_eq!(
        failure.message,
        "Your checkout was interrupted before payment. Nothing was charged."
    );
    assert_eq!(
        common::stock(&fixture.catalog.db, 1).await,
        stock,
        "stock back"
    );
    let (_, summary) = send(client().get(service.url(&paths::summary(&cart_id)))).await;
    assert_eq!(summary["item_count"], 3, "the cart is as it was: {summary}");
    assert_eq!(count(&db, "payment", "1 = 1").await, 0);
    // The same checkout, retried by the shopper, now answers what happened to it.
    let (status, body) = send(
        client()
            .post(service.url(&paths::checkout(&cart_id)))
            .header(IDEMPOTENCY_KEY, "crash")
            .json(&checkout_request(&cart_id, GOOD_CARD)),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "interrupted", "{body}");
}

async fn a_crash_after_payment_is_finished_at_restart(fixture: Fixture) {
    let mut service = Process::start(&fixture, Some("after_payment")).await;
    let (cart_id, stock) = cart_with_product_one(&fixture, &service, 2).await;
    checkout_that_crashes(&mut service, &cart_id).await;
    let db = cart_db(&fixture).await;
    assert_eq!(count(&db, "orders", "status = 'paid'").await, 1);

    let service = Process::start(&fixture, None).await;
    let order = the_only_order(&service, &cart_id).await;
    assert_eq!(order.status, OrderStatus::Placed, "{order:?}");
    assert!(order.placed_at.is_some());
    assert_eq!(
        common::stock(&fixture.catalog.db, 1).await,
        stock - 2,
        "sold"
    );
    let (_, summary) = send(client().get(service.url(&paths::summary(&cart_id)))).await;
    assert_eq!(summary["item_count"], 0, "the cart is emptied: {summary}");
    assert_eq!(count(&db, "payment", "status = 'charged'").await, 1);
    assert_eq!(
        count(&db, "payment", "1 = 1").await,
        1,
        "charged exactly once"
    );
    let (status, body) = send(
        client()
            .post(service.url(&paths::checkout(&cart_id)))
            .header(IDEMPOTENCY_KEY, "crash")
            .json(&checkout_request(&cart_id, GOOD_CARD)),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a retry answers the placed order: {body}"
    );
    assert_eq!(body["id"], order.id.as_str());
}
