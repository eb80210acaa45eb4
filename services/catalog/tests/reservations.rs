//! Stock reservations and offers over HTTP, as cart-service uses them: every behaviour on
//! SQLite and on PostgreSQL (see `test_support`).

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use catalog_service::entities::{product, reservation};
use catalog_service_api::{
    paths, Offer, OutOfStock, Product, ProductList, Reservation, ReservationState,
};
use chrono::Utc;
use reqwest::{Method, StatusCode};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;
use test_support::catalog::CatalogService;
use test_support::{FreshDatabase, RunningServer, TestDatabase};

/// A catalog-service under test: where it listens and its database.
trait Running {
    fn address(&self) -> &str;
    fn db(&self) -> &DatabaseConnection;
}

impl Running for CatalogService {
    fn address(&self) -> &str {
        &self.address
    }
    fn db(&self) -> &DatabaseConnection {
        &self.db
    }
}

/// catalog-service with a sweep interval of the test's choosing (the shared one sweeps
/// every 5 s, which could expire a reservation under a test that expires it itself).
struct Sweeping {
    address: String,
    db: DatabaseConnection,
    _server: RunningServer,
    _database: FreshDatabase,
}

impl Running for Sweeping {
    fn address(&self) -> &str {
        &self.address
    }
    fn db(&self) -> &DatabaseConnection {
        &self.db
    }
}

async fn spawn_sweeping_every(database: TestDatabase, sweep: Duration) -> Option<Sweeping> {
    let database = database.create().await?;
    let configuration = catalog_service::configuration::Configuration {
        host: "127.0.0.1".into(),
        port: 0,
        database_url: database.url.clone().into(),
        pool: platform::database::Pool::new(8, std::time::Duration::from_secs(5)),
        reservation_sweep: sweep,
    };
    let application = catalog_service::startup::Application::build(configuration)
        .await
        .expect("starting catalog-service");
    let db = application.db.clone();
    let server = RunningServer::spawn(application.server);
    Some(Sweeping {
        address: server.address.clone(),
        db,
        _server: server,
        _database: database,
    })
}

/// Sweeps once at start-up (nothing is due then) and not again during a test.
async fn spawn_without_sweeps(database: TestDatabase) -> Option<Sweeping> {
    spawn_sweeping_every(database, Duration::from_secs(3600)).await
}

async fn spawn_sweeping_often(database: TestDatabase) -> Option<Sweeping> {
    spawn_sweeping_every(database, Duration::from_millis(100)).await
}

async fn call(
    service: &impl Running,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request =
        test_support::http::client().request(method, format!("{}{path}", service.address()));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("no answer");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn reserve(
    service: &impl Running,
    id: &str,
    lines: &[(i64, i32)],
    ttl_seconds: u32,
) -> (StatusCode, Value) {
    let lines: Vec<Value> = lines
        .iter()
        .map(|(product_id, quantity)| json!({"product_id": product_id, "quantity": quantity}))
        .collect();
    call(
        service,
        Method::PUT,
        &paths::reservation(id),
        Some(json!({"lines": lines, "ttl_seconds": ttl_seconds})),
    )
    .await
}

async fn commit(service: &impl Running, id: &str) -> (StatusCode, Value) {
    call(service, Method::POST, &paths::commit_reservation(id), None).await
}

async fn release(service: &impl Running, id: &str) -> (StatusCode, Value) {
    call(service, Method::POST, &paths::release_reservation(id), None).await
}

async fn look(service: &impl Running, id: &str) -> (StatusCode, Value) {
    call(service, Method::GET, &paths::reservation(id), None).await
}

fn reservation_of(body: Value) -> Reservation {
    serde_json::from_value(body.clone()).unwrap_or_else(|_| panic!("a reservation: {body}"))
}

/// `count` different products, each with exactly `stock` units (set in the database).
async fn products_with_stock(service: &impl Running, count: usize, stock: i32) -> Vec<Product> {
    let (status, body) = call(
        service,
        Method::GET,
        "/products?per_page=100&sort=name",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let list: ProductList = serde_json::from_value(body).unwrap();
    let mut chosen: Vec<Product> = list.items.into_iter().take(count).collect();
    assert_eq!(chosen.len(), count);
    for product in &mut chosen {
        set_stock(service, product.id, stock).await;
        product.stock = stock;
    }
    chosen
}

async fn set_stock(service: &impl Running, product_id: i64, stock: i32) {
    product::Entity::update_many()
        .col_expr(product::Column::Stock, Expr::value(stock))
        .filter(product::Column::Id.eq(i32::try_from(product_id).unwrap()))
        .exec(service.db())
        .await
        .unwrap();
}

async fn stock_of(service: &impl Running, product_id: i64) -> i32 {
    product::Entity::find_by_id(i32::try_from(product_id).unwrap())
        .one(service.db())
        .await
        .unwrap()
        .expect("the product exists")
        .stock
}

async fn reservations_in(service: &impl Running, state: ReservationState) -> u64 {
    reservation::Entity::find()
        .filter(reservation::Column::State.eq(state.as_str()))
        .count(service.db())
        .await
        .unwrap()
}

fn assert_error(status: StatusCode, body: &Value, expected: StatusCode, code: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        !body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .is_empty(),
        "{body}"
    );
}

test_support::on_both_databases!(test_support::catalog::spawn_service =>
    reserving_takes_units_out_of_stock_at_the_confirmed_price,
    a_retried_reservation_answers_the_same_and_takes_nothing_more,
    the_same_id_with_other_lines_is_a_conflict,
    a_reservation_is_all_or_nothing,
    concurrent_reservations_never_oversell,
    concurrent_puts_of_one_id_reserve_once,
    committing_is_final_and_idempotent,
    releasing_returns_the_units_once,
    concurrent_releases_return_the_units_once,
    a_commit_racing_a_release_lets_exactly_one_win,
    the_product_page_and_filters_count_reserved_units_as_gone,
    offers_answer_for_the_known_ids_in_the_order_asked,
    bad_offer_queries_are_rejected_naming_ids,
    bad_reservation_requests_are_rejected_naming_the_field_and_change_nothing,
    unknown_products_are_a_422_naming_them_and_change_nothing,
    an_unknown_reservation_is_a_404,
);

test_support::on_both_databases!(crate::spawn_without_sweeps =>
    expiring_gives_the_units_back_and_a_later_commit_is_refused,
    a_commit_after_the_ttl_expires_the_reservation_itself,
);

test_support::on_both_databases!(crate::spawn_sweeping_often =>
    the_sweeper_expires_due_reservations_on_its_own,
);

test_support::on_both_databases!(crate::spawn_two_sweeping_replicas =>
    two_replicas_sweeping_at_once_give_each_reservation_back_once,
);

/// Two catalog-service replicas on one database, both sweeping every 50 ms.
struct TwoReplicas {
    one: Sweeping,
    _other: RunningServer,
}

async fn spawn_two_sweeping_replicas(database: TestDatabase) -> Option<TwoReplicas> {
    let one = spawn_sweeping_every(database, Duration::from_millis(50)).await?;
    let configuration = catalog_service::configuration::Configuration {
        host: "127.0.0.1".into(),
        port: 0,
        database_url: one._database.url.clone().into(),
        pool: platform::database::Pool::new(8, std::time::Duration::from_secs(5)),
        reservation_sweep: Duration::from_millis(50),
    };
    let other = catalog_service::startup::Application::build(configuration)
        .await
        .expect("starting a second catalog-service");
    Some(TwoReplicas {
        one,
        _other: RunningServer::spawn(other.server),
    })
}

async fn reserving_takes_units_out_of_stock_at_the_confirmed_price(service: CatalogService) {
    let product = products_with_stock(&service, 1, 5).await.remove(0);
    let before = Utc::now();

    let (status, body) = reserve(&service, "order-1", &[(product.id, 2)], 600).await;

    assert_eq!(status, StatusCode::CREATED, "{body}");
    let reservation = reservation_of(body);
    assert_eq!(reservation.id, "order-1");
    assert_eq!(reservation.state, ReservationState::Held);
    assert_eq!(reservation.lines.len(), 1);
    let line = &reservation.lines[0];
    assert_eq!(
        (line.product_id, line.quantity, line.unit_price_minor),
        (product.id, 2, product.price_minor)
    );
    assert_eq!(
        (line.name.as_str(), line.currency.as_str()),
        (product.name.as_str(), "EUR")
    );
    let expires_at = chrono::DateTime::parse_from_rfc3339(&reservation.expires_at).unwrap();
    let ttl = expires_at.with_timezone(&Utc) - before;
    assert!(
        (590..=610).contains(&ttl.num_seconds()),
        "expires in {ttl}, not 600 s"
    );
    assert_eq!(stock_of(&service, product.id).await, 3);
    let (status, body) = look(&service, "order-1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        reservation_of(body),
        reservation,
        "GET answers what PUT did"
    );
}

async fn a_retried_reservation_answers_the_same_and_takes_nothing_more(service: CatalogService) {
    let products = products_with_stock(&service, 2, 5).await;
    let lines = [(products[0].id, 2), (products[1].id, 1)];
    let (status, first) = reserve(&service, "order-1", &lines, 600).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");

    // The same lines in another order, with another TTL: still the same request.
    let (status, second) = reserve(
        &service,
        "order-1",
        &[(products[1].id, 1), (products[0].id, 2)],
        60,
    )
    .await;

    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(second, first);
    assert_eq!(stock_of(&service, products[0].id).await, 3);
    assert_eq!(stock_of(&service, products[1].id).await, 4);
    assert_eq!(reservations_in(&service, ReservationState::Held).await, 1);
}

async fn the_same_id_with_other_lines_is_a_conflict(service: CatalogService) {
    let product = products_with_stock(&service, 1, 5).await.remove(0);
    let (status, original) = reserve(&service, "order-1", &[(product.id, 2)], 600).await;
    assert_eq!(status, StatusCode::CREATED, "{original}");

    let (status, body) = reserve(&service, "order-1", &[(product.id, 3)], 600).await;

    assert_error(status, &body, StatusCode::CONFLICT, "conflict");
    assert_eq!(
        stock_of(&service, product.id).await,
        3,
        "nothing more taken"
    );
    assert_eq!(look(&service, "order-1").await.1, original, "unchanged");
}

async fn a_reservation_is_all_or_nothing(service: CatalogService) {
    let products = products_with_stock(&service, 3, 5).await;
    set_stock(&service, products[1].id, 1).await;

    let (status, body) = reserve(
        &service,
        "order-1",
        &[
            (products[0].id, 2),
            (products[1].id, 3),
            (products[2].id, 5),
        ],
        600,
    )
    .await;

    assert_error(status, &body, StatusCode::CONFLICT, "out_of_stock");
    let refused: OutOfStock = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(refused.shortages.len(), 1, "only the short line: {body}");
    let shortage = &refused.shortages[0];
    assert_eq!(
        (shortage.product_id, shortage.requested, shortage.available),
        (products[1].id, 3, 1)
    );
    assert_eq!(shortage.name, products[1].name);
    assert_eq!(
        refused.error.message,
        format!("Not enough stock: {} (1 left)", products[1].name)
    );
    for (product, stock) in products.iter().zip([5, 1, 5]) {
        assert_eq!(
            stock_of(&service, product.id).await,
            stock,
            "{}",
            product.name
        );
    }
    assert_eq!(look(&service, "order-1").await.0, StatusCode::NOT_FOUND);

    // Nothing was kept: once there is stock, the same id reserves.
    set_stock(&service, products[1].id, 3).await;
    let (status, body) = reserve(&service, "order-1", &[(products[1].id, 3)], 600).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(stock_of(&service, products[1].id).await, 0);
}

async fn concurrent_reservations_never_oversell(service: CatalogService) {
    let product = products_with_stock(&service, 1, 10).await.remove(0);

    let attempts = (0..100).map(|n| {
        let service = &service;
        async move { reserve(service, &format!("order-{n}"), &[(product.id, 1)], 600).await }
    });
    let answers = join_all(attempts).await;

    let mut created = 0;
    for (status, body) in &answers {
        match *status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => assert_eq!(body["error"]["code"], "out_of_stock", "{body}"),
            other => panic!("{other}: {body}"),
        }
    }
    assert_eq!(created, 10, "exactly the stock was sold");
    assert_eq!(stock_of(&service, product.id).await, 0);
    assert_eq!(reservations_in(&service, ReservationState::Held).await, 10);
}

async fn concurrent_puts_of_one_id_reserve_once(service: CatalogService) {
    let product = products_with_stock(&service, 1, 50).await.remove(0);

    let attempts = (0..20).map(|_| {
        let service = &service;
        async move { reserve(service, "order-1", &[(product.id, 2)], 600).await }
    });
    let answers = join_all(attempts).await;

    let created = answers
        .iter()
        .filter(|(status, _)| *status == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "{answers:?}");
    for (status, body) in &answers {
        assert!(
            *status == StatusCode::CREATED || *status == StatusCode::OK,
            "{status}: {body}"
        );
        assert_eq!(reservation_of(body.clone()).state, ReservationState::Held);
    }
    assert_eq!(stock_of(&service, product.id).await, 48, "taken once");
}

async fn committing_is_final_and_idempotent(service: CatalogService) {
    let product = products_with_stock(&service, 1, 5).await.remove(0);
    reserve(&service, "order-1", &[(product.id, 2)], 600).await;

    let (status, first) = commit(&service, "order-1").await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(
        reservation_of(first.clone()).state,
        ReservationState::Committed
    );
    let (status, second) = commit(&service, "order-1").await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(second, first);
    assert_eq!(
        stock_of(&service, product.id).await,
        3,
        "sold, not returned"
    );

    let (status, body) = release(&service, "order-1").await;
    assert_error(status, &body, StatusCode::CONFLICT, "conflict");
    assert_eq!(stock_of(&service, product.id).await, 3);
    let (status, body) = reserve(&service, "order-1", &[(product.id, 2)], 600).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body, first,
        "a late retry of the PUT sees the committed reservation"
    );
    assert_eq!(stock_of(&service, product.id).await, 3);
}

async fn releasing_returns_the_units_once(service: CatalogService) {
    let product = products_with_stock(&service, 1, 5).await.remove(0);
    reserve(&service, "order-1", &[(product.id, 2)], 600).await;
    assert_eq!(stock_of(&service, product.id).await, 3);

    let (status, first) = release(&service, "order-1").await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(
        reservation_of(first.clone()).state,
        ReservationState::Released
    );
    assert_eq!(stock_of(&service, product.id).await, 5);
    let (status, second) = release(&service, "order-1").await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(second, first);
    assert_eq!(stock_of(&service, product.id).await, 5, "returned once");

    let (status, body) = commit(&service, "order-1").await;
    assert_error(status, &body, StatusCode::CONFLICT, "reservation_released");
    let (status, body) = reserve(&service, "order-1", &[(product.id, 2)], 600).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body, first,
        "a late retry of the PUT reserves nothing again"
    );
    assert_eq!(stock_of(&service, product.id).await, 5);
}

async fn concurrent_releases_return_the_units_once(service: CatalogService) {
    let products = products_with_stock(&service, 2, 5).await;
    reserve(
        &service,
        "order-1",
        &[(products[0].id, 3), (products[1].id, 1)],
        600,
    )
    .await;

    let releases = (0..20).map(|_| release(&service, "order-1"));
    let answers = join_all(releases).await;

    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::OK, "{body}");
        assert_eq!(
            reservation_of(body.clone()).state,
            ReservationState::Released
        );
    }
    assert_eq!(stock_of(&service, products[0].id).await, 5);
    assert_eq!(stock_of(&service, products[1].id).await, 5);
}

async fn a_commit_racing_a_release_lets_exactly_one_win(service: CatalogService) {
    let product = products_with_stock(&service, 1, 5).await.remove(0);
    reserve(&service, "order-1", &[(product.id, 2)], 600).await;

    let calls = (0..20).map(|n| {
        let service = &service;
        async move {
            if n % 2 == 0 {
                commit(service, "order-1").await
            } else {
                release(service, "order-1").await
            }
        }
    });
    let answers = join_all(calls).await;

    let (status, body) = look(&service, "order-1").await;
    assert_eq!(status, StatusCode::OK);
    let (winner, expected_stock, loser_code) = match reservation_of(body).state {
        ReservationState::Committed => (ReservationState::Committed, 3, "conflict"),
        ReservationState::Released => (ReservationState::Released, 5, "reservation_released"),
        other => panic!("ended {other:?}"),
    };
    for (status, body) in &answers {
        if *status == StatusCode::OK {
            assert_eq!(reservation_of(body.clone()).state, winner);
        } else {
            assert_error(*status, body, StatusCode::CONFLICT, loser_code);
        }
    }
    assert_eq!(stock_of(&service, product.id).await, expected_stock);
}

async fn the_product_page_and_filters_count_reserved_units_as_gone(service: CatalogService) {
    let product = products_with_stock(&service, 1, 2).await.remove(0);
    assert!(listed_as_in_stock(&service, &product).await);

    reserve(&service, "order-1", &[(product.id, 2)], 600).await;
    assert_eq!(product_page(&service, &product).await.stock, 0);
    assert!(
        !listed_as_in_stock(&service, &product).await,
        "sold out while reserved"
    );

    release(&service, "order-1").await;
    assert_eq!(product_page(&service, &product).await.stock, 2);
    assert!(listed_as_in_stock(&service, &product).await);
}

async fn product_page(service: &CatalogService, product: &Product) -> Product {
    let (status, body) = call(service, Method::GET, &paths::product(&product.slug), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).unwrap()
}

/// Whether `product` is among the `in_stock=true` products.
async fn listed_as_in_stock(service: &CatalogService, product: &Product) -> bool {
    let (status, body) = call(
        service,
        Method::GET,
        "/products?in_stock=true&per_page=100",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let list: ProductList = serde_json::from_value(body).unwrap();
    assert!(list.total <= 100, "one page holds them all");
    list.items.iter().any(|p| p.id == product.id)
}

async fn offers_answer_for_the_known_ids_in_the_order_asked(service: CatalogService) {
    let products = products_with_stock(&service, 2, 7).await;
    reserve(&service, "order-1", &[(products[1].id, 3)], 600).await;

    let (status, body) = call(
        &service,
        Method::GET,
        &paths::offers(&[products[1].id, 999_999, products[0].id, 99_999_999_999]),
        None,
    )
    .await;

    assert_eq!(status, StatusCode::OK, "{body}");
    let offers: Vec<Offer> = serde_json::from_value(body).unwrap();
    let expected: Vec<Offer> = [(&products[1], 4), (&products[0], 7)]
        .into_iter()
        .map(|(product, available)| Offer {
            product_id: product.id,
            slug: product.slug.clone(),
            name: product.name.clone(),
            price_minor: product.price_minor,
            currency: product.currency.clone(),
            available,
        })
        .collect();
    assert_eq!(offers, expected);
}

async fn bad_offer_queries_are_rejected_naming_ids(service: CatalogService) {
    let too_many: Vec<i64> = (1..=101).collect();
    for path in [
        "/offers".to_owned(),
        "/offers?ids=".to_owned(),
        "/offers?ids=1,two".to_owned(),
        "/offers?ids=1,,2".to_owned(),
        paths::offers(&too_many),
    ] {
        let (status, body) = call(&service, Method::GET, &path, None).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_parameter");
        assert_eq!(body["error"]["field"], "ids", "{path}: {body}");
    }
}

async fn bad_reservation_requests_are_rejected_naming_the_field_and_change_nothing(
    service: CatalogService,
) {
    let products = products_with_stock(&service, 2, 5).await;
    let (a, b) = (products[0].id, products[1].id);
    let line = |id: i64, quantity: i32| json!({"product_id": id, "quantity": quantity});
    let many: Vec<Value> = (1..=101).map(|id| line(id, 1)).collect();
    for (id, body, field) in [
        (
            "a.b",
            json!({"lines": [line(a, 1)], "ttl_seconds": 60}),
            "id",
        ),
        (
            &"x".repeat(65)[..],
            json!({"lines": [line(a, 1)], "ttl_seconds": 60}),
            "id",
        ),
        ("order-1", json!({"lines": [], "ttl_seconds": 60}), "lines"),
        (
            "order-1",
            json!({"lines": many, "ttl_seconds": 60}),
            "lines",
        ),
        (
            "order-1",
            json!({"lines": [line(a, 1), line(b, 0)], "ttl_seconds": 60}),
            "quantity",
        ),
        (
            "order-1",
            json!({"lines": [line(a, 1000)], "ttl_seconds": 60}),
            "quantity",
        ),
        (
            "order-1",
            json!({"lines": [line(a, 1), line(b, 1), line(a, 2)], "ttl_seconds": 60}),
            "product_id",
        ),
        (
            "order-1",
            json!({"lines": [line(a, 1)], "ttl_seconds": 0}),
            "ttl_seconds",
        ),
        (
            "order-1",
            json!({"lines": [line(a, 1)], "ttl_seconds": 86_401}),
            "ttl_seconds",
        ),
        ("order-1", json!({"lines": [line(a, 1)]}), "ttl_seconds"),
    ] {
        let (status, answer) =
            call(&service, Method::PUT, &paths::reservation(id), Some(body)).await;
        assert_error(
            status,
            &answer,
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
        );
        assert_eq!(answer["error"]["field"], field, "{id}: {answer}");
    }
    assert_eq!(stock_of(&service, a).await, 5);
    assert_eq!(stock_of(&service, b).await, 5);
    assert_eq!(
        reservation::Entity::find()
            .count(&service.db)
            .await
            .unwrap(),
        0
    );
}

async fn unknown_products_are_a_422_naming_them_and_change_nothing(service: CatalogService) {
    let product = products_with_stock(&service, 1, 5).await.remove(0);

    let (status, body) = reserve(
        &service,
        "order-1",
        &[(product.id, 1), (424_242, 1), (99_999_999_999, 1)],
        600,
    )
    .await;

    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unprocessable",
    );
    assert_eq!(body["error"]["field"], "lines", "{body}");
    assert_eq!(
        body["error"]["message"], "There are no products 424242, 99999999999",
        "only the unknown ones are named"
    );
    assert_eq!(stock_of(&service, product.id).await, 5);
    assert_eq!(look(&service, "order-1").await.0, StatusCode::NOT_FOUND);
}

async fn an_unknown_reservation_is_a_404(service: CatalogService) {
    for (status, body) in [
        look(&service, "nobody").await,
        commit(&service, "nobody").await,
        release(&service, "nobody").await,
    ] {
        assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    }
    let (status, body) = look(&service, "not%20valid").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_parameter");
    assert_eq!(body["error"]["field"], "id");
}

async fn expiring_gives_the_units_back_and_a_later_commit_is_refused(service: Sweeping) {
    let product = products_with_stock(&service, 1, 5).await.remove(0);
    let (status, body) = reserve(&service, "order-1", &[(product.id, 2)], 1).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    reserve(&service, "order-2", &[(product.id, 1)], 600).await;
    assert_eq!(stock_of(&service, product.id).await, 2);
    assert_eq!(
        catalog_service::storage::expire_due(&service.db, Utc::now())
            .await
            .unwrap(),
        0,
        "nothing is due yet"
    );

    tokio::time::sleep(Duration::from_millis(1200)).await;
    let expired = catalog_service::storage::expire_due(&service.db, Utc::now())
        .await
        .unwrap();

    assert_eq!(expired, 1, "only the due one");
    let (_, body) = look(&service, "order-1").await;
    assert_eq!(reservation_of(body).state, ReservationState::Expired);
    let (_, body) = look(&service, "order-2").await;
    assert_eq!(reservation_of(body).state, ReservationState::Held);
    assert_eq!(
        stock_of(&service, product.id).await,
        4,
        "order-1's 2 are back"
    );
    let (status, body) = commit(&service, "order-1").await;
    assert_error(status, &body, StatusCode::CONFLICT, "reservation_expired");
    let (status, body) = release(&service, "order-1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(reservation_of(body).state, ReservationState::Expired);
    assert_eq!(
        catalog_service::storage::expire_due(&service.db, Utc::now())
            .await
            .unwrap(),
        0,
        "expired once"
    );
    assert_eq!(stock_of(&service, product.id).await, 4);
}

async fn a_commit_after_the_ttl_expires_the_reservation_itself(service: Sweeping) {
    let product = products_with_stock(&service, 1, 5).await.remove(0);
    reserve(&service, "order-1", &[(product.id, 2)], 1).await;

    tokio::time::sleep(Duration::from_millis(1200)).await;
    let (status, body) = commit(&service, "order-1").await;

    assert_error(status, &body, StatusCode::CONFLICT, "reservation_expired");
    let (_, body) = look(&service, "order-1").await;
    assert_eq!(reservation_of(body).state, ReservationState::Expired);
    assert_eq!(stock_of(&service, product.id).await, 5);
}

async fn the_sweeper_expires_due_reservations_on_its_own(service: Sweeping) {
    let product = products_with_stock(&service, 1, 5).await.remove(0);
    reserve(&service, "order-1", &[(product.id, 2)], 1).await;
    assert_eq!(stock_of(&service, product.id).await, 3);

    let mut state = ReservationState::Held;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        state = reservation_of(look(&service, "order-1").await.1).state;
        if state != ReservationState::Held {
            break;
        }
    }

    assert_eq!(state, ReservationState::Expired);
    assert_eq!(stock_of(&service, product.id).await, 5);
}

async fn two_replicas_sweeping_at_once_give_each_reservation_back_once(replicas: TwoReplicas) {
    let service = &replicas.one;
    let product = products_with_stock(service, 1, 20).await.remove(0);
    set_stock(service, product.id, 20).await;
    for n in 0..20 {
        let (status, body) = reserve(service, &format!("order-{n}"), &[(product.id, 1)], 1).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    assert_eq!(stock_of(service, product.id).await, 0);

    let mut expired = 0;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        expired = count_expired(service).await;
        if expired == 20 {
            break;
        }
    }
    assert_eq!(expired, 20);
    // Both replicas swept; each reservation's unit came back once.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(stock_of(service, product.id).await, 20);
}

async fn count_expired(service: &impl Running) -> i64 {
    use sea_orm::ConnectionTrait;
    let db = service.db();
    db.query_one(sea_orm::Statement::from_string(
        db.get_database_backend(),
        "SELECT COUNT(*) AS n FROM reservation WHERE state = 'expired'".to_owned(),
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get::<i64>("", "n")
    .unwrap()
}

/// Runs every future at once (on this task; the server answers on its own threads) and
/// collects their outputs in order.
async fn join_all<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut pending: Vec<Option<Pin<Box<F>>>> =
        futures.into_iter().map(|f| Some(Box::pin(f))).collect();
    let mut outputs: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        for (slot, output) in pending.iter_mut().zip(outputs.iter_mut()) {
            if let Some(future) = slot {
                if let Poll::Ready(value) = future.as_mut().poll(cx) {
                    *output = Some(value);
                    *slot = None;
                }
            }
        }
        if pending.iter().all(Option::is_none) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}
