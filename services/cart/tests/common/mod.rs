//! What cart-service's tests share: the shop (a catalog and a cart service) started on one
//! database kind, and speaking to them as cart-bff does.

// Each test file uses its own part of this module.
#![allow(dead_code)]

pub mod process;

use cart_service_api::{
    paths, Address, Card, Cart, CartRef, CheckoutRequest, MergeCarts, Owner, IDEMPOTENCY_KEY,
};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{json, Value};
use std::time::Duration;
use test_support::cart::CartService;
use test_support::catalog::CatalogService;
use test_support::TestDatabase;

/// A catalog-service and a cart-service calling it, each with its own new database.
pub struct Shop {
    pub catalog: CatalogService,
    pub cart: CartService,
}

pub async fn spawn_shop(database: TestDatabase) -> Option<Shop> {
    let catalog = test_support::catalog::spawn_service(database).await?;
    let cart = test_support::cart::spawn_service(database, &catalog.address).await?;
    Some(Shop { catalog, cart })
}

/// A client patient enough for a hundred checkouts at once: a slow answer is not what
/// these tests judge, a wrong one is.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

pub async fn send(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("no answer");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

impl Shop {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.cart.address)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        send(client().get(self.url(path))).await
    }

    pub async fn new_cart(&self) -> String {
        let (status, body) = send(client().post(self.url(paths::CARTS))).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_str().unwrap().to_owned()
    }

    pub async fn cart(&self, cart_id: &str) -> Cart {
        let (status, body) = self.get(&paths::cart(cart_id)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        serde_json::from_value(body).unwrap()
    }

    /// (product id, quantity) of every line, from the database alone.
    pub async fn quantities(&self, cart_id: &str) -> Vec<(i64, i32)> {
        let rows = self
            .cart
            .db
            .query_all(Statement::from_string(
                self.cart.db.get_database_backend(),
                format!(
                    "SELECT product_id, quantity FROM cart_line WHERE cart_id = '{cart_id}' \
                     ORDER BY product_id"
                ),
            ))
            .await
            .unwrap();
        rows.iter()
            .map(|row| {
                (
                    row.try_get::<i64>("", "product_id").unwrap(),
                    row.try_get::<i32>("", "quantity").unwrap(),
                )
            })
            .collect()
    }

    pub async fn add(&self, cart_id: &str, product_id: i64, quantity: i32) -> (StatusCode, Value) {
        send(
            client()
                .post(self.url(&paths::lines(cart_id)))
                .json(&json!({ "product_id": product_id, "quantity": quantity })),
        )
        .await
    }

    /// A new cart holding `lines`.
    pub async fn cart_with(&self, lines: &[(i64, i32)]) -> String {
        let cart_id = self.new_cart().await;
        for (product_id, quantity) in lines {
            let (status, body) = self.add(&cart_id, *product_id, *quantity).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        cart_id
    }

    pub async fn checkout(&self, cart_id: &str, key: &str, card: &str) -> (StatusCode, Value) {
        self.checkout_with(cart_id, key, &checkout_request(cart_id, card))
            .await
    }

    pub async fn checkout_with(
        &self,
        cart_id: &str,
        key: &str,
        request: &CheckoutRequest,
    ) -> (StatusCode, Value) {
        send(
            client()
                .post(self.url(&paths::checkout(cart_id)))
                .header(IDEMPOTENCY_KEY, key)
                .json(request),
        )
        .await
    }

    /// The user's cart id (`PUT /users/{id}/cart`).
    pub async fn user_cart(&self, user_id: &str) -> String {
        let (status, body) = send(client().put(self.url(&paths::user_cart(user_id)))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        serde_json::from_value::<CartRef>(body).unwrap().id
    }

    /// The user's cart holding `lines`.
    pub async fn user_cart_with(&self, user_id: &str, lines: &[(i64, i32)]) -> String {
        let cart_id = self.user_cart(user_id).await;
        for (product_id, quantity) in lines {
            let (status, body) = self.add(&cart_id, *product_id, *quantity).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        cart_id
    }

    /// Merges the guest cart `from` into `user_id`'s cart `into`, as cart-bff does at
    /// sign-in.
    pub async fn merge(&self, into: &str, from: &str, user_id: &str) -> (StatusCode, Value) {
        let body = MergeCarts {
            from: from.to_owned(),
            owner: Owner::user(user_id),
        };
        send(client().post(self.url(&paths::merge(into))).json(&body)).await
    }

    pub async fn set_stock(&self, product_id: i64, stock: i32) {
        set_stock(&self.catalog.db, product_id, stock).await;
    }

    pub async fn stock(&self, product_id: i64) -> i32 {
        stock(&self.catalog.db, product_id).await
    }

    /// How many rows of `table` match `condition` in the cart database.
    pub async fn count(&self, table: &str, condition: &str) -> i64 {
        count(&self.cart.db, table, condition).await
    }
}

pub async fn set_stock(catalog: &DatabaseConnection, product_id: i64, stock: i32) {
    let where_ = if product_id == 0 {
        String::new()
    } else {
        format!(" WHERE id = {product_id}")
    };
    catalog
        .execute_unprepared(&format!("UPDATE product SET stock = {stock}{where_}"))
        .await
        .unwrap();
}

pub async fn stock(catalog: &DatabaseConnection, product_id: i64) -> i32 {
    catalog
        .query_one(Statement::from_string(
            catalog.get_database_backend(),
            format!("SELECT stock FROM product WHERE id = {product_id}"),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i32>("", "stock")
        .unwrap()
}

pub async fn count(db: &DatabaseConnection, table: &str, condition: &str) -> i64 {
    db.query_one(Statement::from_string(
        db.get_database_backend(),
        format!("SELECT COUNT(*) AS n FROM {table} WHERE {condition}"),
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get::<i64>("", "n")
    .unwrap()
}

/// A card the simulated provider accepts, and the one it declines.
pub const GOOD_CARD: &str = "4242 4242 4242 4242";
pub const DECLINED_CARD: &str = "4000 0000 0000 0002";

pub fn address() -> Address {
    Address {
        name: "Ada Lovelace".into(),
        line1: "12 Analytical Row".into(),
        line2: String::new(),
        postal_code: "10115".into(),
        city: "Berlin".into(),
        country: "DE".into(),
    }
}

pub fn checkout_request(cart_id: &str, card: &str) -> CheckoutRequest {
    CheckoutRequest {
        owner: Owner::guest(cart_id),
        shipping_address: address(),
        payment: Card {
            number: card.into(),
            expiry_month: 12,
            expiry_year: 2099,
            cvc: "123".into(),
        },
    }
}

/// The first column of the first row `sql` selects, as text; `None` when none matches.
pub async fn text(db: &DatabaseConnection, sql: &str) -> Option<String> {
    db.query_one(Statement::from_string(
        db.get_database_backend(),
        sql.to_owned(),
    ))
    .await
    .unwrap()
    .map(|row| row.try_get_by_index::<String>(0).unwrap())
}

/// The state the catalog holds reservation `id` in (`held`, `committed`, ...).
pub async fn reservation_state(catalog: &DatabaseConnection, id: &str) -> Option<String> {
    text(
        catalog,
        &format!("SELECT state FROM reservation WHERE id = '{id}'"),
    )
    .await
}

/// Waits until `condition` holds, for at most 30 s (a recovery pass comes every 100 ms in
/// these tests); fails the test naming `what` otherwise.
pub async fn wait_until<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !condition().await {
        assert!(
            std::time::Instant::now() < deadline,
            "waited 30 s for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
