//! What cart-bff's tests share: the shop's servers (catalog-service, cart-service and this
//! BFF) started in this process on free ports, the identity keys signed-in shoppers' tokens
//! are signed with, and a shopper who keeps the cart cookie the way a browser does.

// A failed expectation in a test is that test failing; not every test file uses every helper.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use cart_api::CheckoutForm;
use catalog_service_api::{Product, ProductList};
use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::{Method, RequestBuilder, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::Value;
use std::time::Duration;
use test_support::cart::CartService;
use test_support::catalog::CatalogService;
use test_support::keys::IdentityKeys;
use test_support::{RunningServer, TestDatabase};

/// The BFF's deadline for cart-service in these tests: a checkout takes several catalog
/// round trips on a machine running many tests at once, yet stays under the test
/// client's own 5 s.
pub const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(4);

/// The shop's servers, on one kind of database.
pub struct Shop {
    pub catalog: CatalogService,
    pub cart: CartService,
    pub bff: RunningServer,
    /// The keys whose public half the BFF trusts: tokens signed here are good ones.
    pub keys: IdentityKeys,
}

/// catalog-service (seeded) and cart-service on fresh databases of `database`'s kind, and
/// cart-bff calling cart-service; `None` when that kind is not available here.
pub async fn spawn_shop(database: TestDatabase) -> Option<Shop> {
    let catalog = test_support::catalog::spawn_service(database).await?;
    let cart = test_support::cart::spawn_service(database, &catalog.address).await?;
    let keys = IdentityKeys::generate();
    let bff = spawn_bff(&cart.address, UPSTREAM_TIMEOUT, &keys);
    Some(Shop {
        catalog,
        cart,
        bff,
        keys,
    })
}

/// How tests run cart-bff: any free port, calling cart-service at `cart_service_url`,
/// trusting identity tokens signed with `keys`.
pub fn bff_configuration(
    cart_service_url: &str,
    upstream_timeout: Duration,
    keys: &IdentityKeys,
) -> cart_bff::configuration::Configuration {
    cart_bff::configuration::Configuration {
        host: "127.0.0.1".into(),
        port: 0,
        cart_service_url: cart_service_url.to_owned(),
        upstream_timeout,
        identity_public_key_file: keys.public_key_file.clone(),
        mfe_manifest: None,
    }
}

/// cart-bff on a free port, built from its configuration as `main` builds it.
pub fn spawn_bff(
    cart_service_url: &str,
    upstream_timeout: Duration,
    keys: &IdentityKeys,
) -> RunningServer {
    let configuration = bff_configuration(cart_service_url, upstream_timeout, keys);
    let application =
        cart_bff::startup::Application::build(configuration).expect("starting cart-bff");
    RunningServer::spawn(application.server)
}

impl Shop {
    /// A new shopper, without a cart.
    pub fn shopper(&self) -> Shopper {
        Shopper::new(&self.bff.address)
    }

    /// A new browser, signed in as `user_id` (no cart cookie).
    pub fn signed_in(&self, user_id: &str) -> Shopper {
        let mut shopper = self.shopper();
        shopper.token = Some(self.keys.token(user_id));
        shopper
    }

    /// Every product of the seeded catalog, as catalog-service has it now.
    pub async fn products(&self) -> Vec<Product> {
        let (status, body) =
            test_support::http::get(&format!("{}/products?per_page=100", self.catalog.address))
                .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        serde_json::from_value::<ProductList>(body).unwrap().items
    }

    /// A product that costs less than the free-shipping threshold and has at least
    /// `stock` in stock.
    pub async fn cheap_product(&self, stock: i32) -> Product {
        self.products()
            .await
            .into_iter()
            .find(|p| p.stock >= stock && (1_000..4_000).contains(&p.price_minor))
            .expect("the seed has a product from €10 to €40 with stock")
    }

    /// Another such product, not `other`.
    pub async fn another_cheap_product(&self, other: &Product) -> Product {
        self.products()
            .await
            .into_iter()
            .find(|p| p.id != other.id && p.stock >= 5 && (1_000..4_000).contains(&p.price_minor))
            .expect("the seed has two products from €10 to €40 with stock")
    }

    /// How many rows of `table` match `condition` in cart-service's database.
    pub async fn count(&self, table: &str, condition: &str) -> i64 {
        let db = &self.cart.db;
        db.query_one(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table} WHERE {condition}"),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap()
    }

    /// Sets a product's stock in the catalog's database, as a sale elsewhere would.
    pub async fn set_stock(&self, product_id: i64, stock: i32) {
        self.catalog
            .db
            .execute_unprepared(&format!(
                "UPDATE product SET stock = {stock} WHERE id = {product_id}"
            ))
            .await
            .unwrap();
    }
}

/// What the BFF answered.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    /// The body as text, to look for what must not be in it.
    pub text: String,
    /// The body as JSON (`Null` when it is not JSON).
    pub body: Value,
    /// The `cart_id` cookie the answer set, whole, with its attributes.
    pub cart_cookie: Option<String>,
}

impl Answer {
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_value(self.body.clone())
            .unwrap_or_else(|error| panic!("{error}: {}", self.text))
    }

    /// The error body's `code`.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_default()
    }
}

/// A browser on the shop's pages: sends the cart cookie it was given (and forgets it when
/// told to), the identity token when signed in, and `X-CSRF: 1` with every write, as
/// mfe-kit's client does.
pub struct Shopper {
    bff: String,
    client: reqwest::Client,
    /// `cart_id=...` (over HTTPS `__Host-cart_id=...`), as the browser sends it back.
    pub cookie: Option<String>,
    /// The identity cookie's token, which account-bff would have set at sign-in.
    pub token: Option<String>,
    /// Reaching the shop over HTTPS (nginx says `X-Forwarded-Proto: https`): the cookies
    /// have their `__Host-` names.
    pub https: bool,
}

/// Whether a `Set-Cookie` (or a cookie pair) is the cart's, under either name.
fn is_cart_cookie(cookie: &str) -> bool {
    cookie.starts_with("cart_id=") || cookie.starts_with("__Host-cart_id=")
}

impl Shopper {
    pub fn new(bff: &str) -> Self {
        Self {
            bff: bff.to_owned(),
            client: test_support::http::client(),
            cookie: None,
            token: None,
            https: false,
        }
    }

    /// A new shopper reaching the shop over HTTPS.
    pub fn over_https(bff: &str) -> Self {
        Self {
            https: true,
            ..Self::new(bff)
        }
    }

    /// The same shopper, waiting as long as a browser would for an answer (30 s).
    pub fn patient(mut self) -> Self {
        self.client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        self
    }

    /// A shopper whose browser holds this `Cookie` header (which may be anything).
    pub fn with_cookie(bff: &str, cookie: &str) -> Self {
        Self {
            cookie: Some(cookie.to_owned()),
            ..Self::new(bff)
        }
    }

    /// The cart id the cookie holds — which only the test may read.
    pub fn cart_id(&self) -> Option<String> {
        self.cookie
            .as_deref()
            .and_then(|cookie| cookie.split_once('='))
            .map(|(_, id)| id.to_owned())
    }

    /// A request to the BFF carrying the cookies, to adjust before [`Shopper::send`].
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let mut request = self.client.request(method, format!("{}{path}", self.bff));
        if self.https {
            request = request.header("x-forwarded-proto", "https");
        }
        let identity = self
            .token
            .as_ref()
            .map(|token| format!("{}={token}", identity::IDENTITY.name(self.https)));
        let cookies: Vec<String> = self.cookie.iter().cloned().chain(identity).collect();
        if cookies.is_empty() {
            request
        } else {
            request.header(COOKIE, cookies.join("; "))
        }
    }

    /// Sends it, and keeps the cart cookie the answer sets (or forgets it, when the
    /// answer clears it).
    pub async fn send(&mut self, request: RequestBuilder) -> Answer {
        let response = request.send().await.expect("the BFF did not answer");
        let status = response.status();
        let cart_cookie = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find(|value| is_cart_cookie(value))
            .map(str::to_owned);
        if let Some(set) = &cart_cookie {
            let pair = set.split(';').next().unwrap_or_default();
            self.cookie = (!pair.ends_with('=')).then(|| pair.to_owned());
        }
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            text,
            body,
            cart_cookie,
        }
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        self.send(self.request(Method::GET, path)).await
    }

    /// A state-changing request from the shop's own pages.
    pub async fn write(&mut self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut request = self.request(method, path).header("x-csrf", "1");
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }

    pub async fn add(&mut self, product_id: i64, quantity: u32) -> Answer {
        let body = serde_json::json!({ "product_id": product_id, "quantity": quantity });
        self.write(Method::POST, cart_api::ITEMS_PATH, Some(body))
            .await
    }

    pub async fn set_quantity(&mut self, product_id: i64, quantity: u32) -> Answer {
        let body = serde_json::json!({ "quantity": quantity });
        self.write(Method::PUT, &cart_api::item_url(product_id), Some(body))
            .await
    }

    pub async fn checkout(&mut self, key: &str, form: &CheckoutForm) -> Answer {
        let request = self
            .request(Method::POST, cart_api::CHECKOUT_PATH)
            .header("x-csrf", "1")
            .header(cart_api::IDEMPOTENCY_KEY, key)
            .json(form);
        self.send(request).await
    }

    pub async fn mini_cart(&mut self) -> cart_api::MiniCart {
        let answer = self.get(cart_api::MINI_CART_PATH).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        answer.json()
    }

    pub async fn cart(&mut self) -> cart_api::CartView {
        let answer = self.get(cart_api::CART_PATH).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        answer.json()
    }
}

/// A checkout form the shop accepts, paying with the card the payment simulation accepts.
pub fn valid_form() -> CheckoutForm {
    CheckoutForm {
        name: "Ada Lovelace".into(),
        address_line1: "Hauptstraße 1".into(),
        address_line2: String::new(),
        postal_code: "10115".into(),
        city: "Berlin".into(),
        country: "DE".into(),
        card_number: cart_api::ACCEPTED_TEST_CARD.into(),
        card_expiry: "12/39".into(),
        card_cvc: "123".into(),
    }
}
