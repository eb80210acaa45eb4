//! Online Boutique's load mix against the shop, through its gateway, as browsers send it.
//!
//! Each simulated shopper (a goose user) keeps its own cookies — its guest cart, its
//! session — and does what a shopper's browser does for a page: the page itself (the
//! shell), then the API calls the page's micro-frontends make. The mix is Online Boutique's
//! locustfile (home 1, browse a product 10, add to cart 2, view the cart 3, check out 1),
//! plus search (2) and, for one shopper in five, signing in (and a look at the account).
//!
//! A right refusal is not an error: an add the cart refuses (sold out, the line or the cart
//! full), a declined card, a checkout whose stock ran out — the shopper was told the truth.
//! Everything else that is not a success is an error: a 5xx, a timeout, a refused
//! connection, a 4xx the shopper's browser would not cause.
//!
//! Goose's own options set the run (`--host`, `--users`, `--increase-rate`, `--run-time`,
//! `--report-file`, …). This program adds: `STOREFRONT_LOAD_SUMMARY=<file>` writes a JSON
//! [`Summary`] for `cargo xtask load` and `chaos`; `STOREFRONT_LOAD_MEMBERS=<n>` (default 8)
//! accounts are made (or found) before the run for the signing-in shoppers.

use goose::prelude::*;
use rand::Rng;
use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock, PoisonError};
use storefront_load::{Acknowledged, Endpoint, Summary};

/// What the run needs to know of the shop before it starts.
struct Shop {
    /// (id, slug) of the products the home page lists.
    products: Vec<(i64, String)>,
    /// Emails of the accounts signing-in shoppers use (password [`PASSWORD`]).
    members: Vec<String>,
}

static SHOP: OnceLock<Shop> = OnceLock::new();

/// What the run saw besides goose's metrics.
#[derive(Default)]
struct Seen {
    /// Orders the shop acknowledged (201 placed, 202 being finished): each must exist
    /// afterwards — what the chaos reconciliation checks.
    acknowledged: Vec<Acknowledged>,
    /// Right refusals by "<request> <status> <code>": counted, not errors.
    refusals: BTreeMap<String, usize>,
    /// Errors by "<request> <status> <code or cause>" (status 0: no answer).
    errors: BTreeMap<String, usize>,
    /// When each error happened (ms since the UNIX epoch), and to which request.
    error_times: Vec<(u64, String)>,
}

static SEEN: Mutex<Seen> = Mutex::new(Seen {
    acknowledged: Vec::new(),
    refusals: BTreeMap::new(),
    errors: BTreeMap::new(),
    error_times: Vec::new(),
});

const PASSWORD: &str = "load-test-password-2026";
const WORDS: [&str; 8] = [
    "coffee", "walnut", "lamp", "oak", "tea", "linen", "mug", "desk",
];
/// One checkout in this many pays with the card the shop always declines.
const DECLINED_ONE_IN: u32 = 20;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("reconcile") {
        return reconcile(&args[1..]).await;
    }
    let host = host();
    let members: usize = std::env::var("STOREFRONT_LOAD_MEMBERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(8);
    SHOP.set(look_at(&host, members).await?)
        .map_err(|_| anyhow::anyhow!("looked at the shop twice"))?;

    let metrics = GooseAttack::initialize()?
        .register_scenario(shopping(scenario!("Guest").set_weight(4)?)?)
        .register_scenario(
            shopping(scenario!("Member").set_weight(1)?)?
                .register_transaction(transaction!(sign_in).set_name("sign in").set_on_start())
                .register_transaction(transaction!(account).set_name("account").set_weight(1)?),
        )
        .set_default(GooseDefault::Host, host.as_str())?
        .set_default(GooseDefault::Users, 16)?
        .set_default(GooseDefault::IncreaseRate, "8")?
        .set_default(GooseDefault::RunTime, 30)?
        .execute()
        .await?;

    let summary = summarise(&metrics);
    println!(
        "\n{} requests in {} s: {:.0}/s, {} errors, {} right refusals, {} orders acknowledged",
        summary.requests,
        summary.seconds,
        summary.per_second,
        summary.errors,
        summary.refusals.values().sum::<usize>(),
        summary.acknowledged_orders.len()
    );
    if let Ok(path) = std::env::var("STOREFRONT_LOAD_SUMMARY") {
        std::fs::write(&path, serde_json::to_string_pretty(&summary)?)?;
    }
    Ok(())
}

/// The transactions every shopper does, with Online Boutique's weights (and search).
fn shopping(scenario: Scenario) -> Result<Scenario, GooseError> {
    Ok(scenario
        .register_transaction(transaction!(home).set_name("home").set_weight(1)?)
        .register_transaction(
            transaction!(browse_product)
                .set_name("browse")
                .set_weight(10)?,
        )
        .register_transaction(transaction!(add_to_cart).set_name("add").set_weight(2)?)
        .register_transaction(
            transaction!(view_cart)
                .set_name("view cart")
                .set_weight(3)?,
        )
        .register_transaction(transaction!(checkout).set_name("checkout").set_weight(1)?)
        .register_transaction(transaction!(search).set_name("search").set_weight(2)?))
}

/// The `--host` given, or `STOREFRONT_URL`, or the local shop.
fn host() -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|arg| arg == "--host" || arg == "-H")
        .and_then(|at| args.get(at + 1).cloned())
        .or_else(|| {
            args.iter()
                .find_map(|arg| arg.strip_prefix("--host=").map(str::to_owned))
        })
        .or_else(|| std::env::var("STOREFRONT_URL").ok())
        .unwrap_or_else(|| "http://127.0.0.1:8080".to_owned())
        .trim_end_matches('/')
        .to_owned()
}

/// The products to shop for, and `members` accounts made (or found) for signing in.
async fn look_at(host: &str, members: usize) -> anyhow::Result<Shop> {
    let client = reqwest::Client::new();
    let listing: catalog_api::ListingPage =
        setup(|| client.get(format!("{host}{}?per_page=48", catalog_api::PRODUCTS_PATH)))
            .await?
            .error_for_status()?
            .json()
            .await?;
    let products: Vec<(i64, String)> = listing
        .products
        .into_iter()
        .map(|product| (product.id, product.slug))
        .collect();
    anyhow::ensure!(!products.is_empty(), "the catalog lists no products");
    let mut emails = Vec::new();
    for n in 0..members {
        let email = format!("load-member-{n}@example.org");
        let form = serde_json::json!({
            "name": format!("Member {n}"),
            "email": email,
            "password": PASSWORD,
        });
        // Signing up again with the account's password signs its owner in: safe to repeat.
        let answer = setup(|| {
            client
                .post(format!("{host}{}", account_api::SIGN_UP_PATH))
                .header("X-CSRF", "1")
                .json(&form)
        })
        .await?;
        let status = answer.status().as_u16();
        anyhow::ensure!(
            status < 300,
            "making the load's accounts: sign-up answered {status}: {}",
            answer.text().await.unwrap_or_default()
        );
        emails.push(email);
    }
    Ok(Shop {
        products,
        members: emails,
    })
}

/// Sends a set-up request `request` makes, again (three times at most) when the
/// connection failed — a shop that has just started may still be reloading nginx, whose
/// old workers close the connections they kept.
async fn setup(request: impl Fn() -> reqwest::RequestBuilder) -> anyhow::Result<reqwest::Response> {
    let mut tries = 0;
    loop {
        tries += 1;
        match request().send().await {
            Ok(response) => return Ok(response),
            Err(error) if tries < 3 && (error.is_connect() || error.is_request()) => {
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            }
            Err(error) => return Err(error.into()),
        }
    }
}

/// The shop as looked at before the run (empty only if a transaction ran before that,
/// which goose does not do).
fn shop() -> &'static Shop {
    static NOTHING: Shop = Shop {
        products: Vec::new(),
        members: Vec::new(),
    };
    SHOP.get().unwrap_or(&NOTHING)
}

fn seen() -> std::sync::MutexGuard<'static, Seen> {
    SEEN.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Any of the products (`look_at` made sure there are some).
fn any_product() -> Option<&'static (i64, String)> {
    let products = &shop().products;
    products.get(rand::thread_rng().gen_range(0..products.len().max(1)))
}

/// Sends what `build` makes of a request for `path`, named `name` in the metrics. A status
/// in `refusals` is a right refusal: counted as one, a success for the metrics. Any other
/// non-2xx is an error (goose's own rule). Answers the JSON body of a success.
async fn send(
    user: &mut GooseUser,
    name: &str,
    method: GooseMethod,
    path: &str,
    build: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    refusals: &[u16],
) -> Result<Option<serde_json::Value>, Box<TransactionError>> {
    let builder = build(user.get_request_builder(&method, path)?);
    let request = GooseRequest::builder()
        .method(method)
        .path(path)
        .name(name)
        .set_request_builder(builder)
        .build();
    let mut answer = user.request(request).await?;
    let status = answer.request.status_code;
    let (body, cause) = match answer.response {
        Ok(response) => (response.json::<serde_json::Value>().await.ok(), None),
        Err(error) => (None, Some(error.to_string())),
    };
    if (200..300).contains(&status) {
        return Ok(body);
    }
    let code = cause.unwrap_or_else(|| {
        body.as_ref()
            .and_then(|body| body["error"]["code"].as_str())
            .unwrap_or("-")
            .to_owned()
    });
    let what = format!("{name} {status} {code}");
    if refusals.contains(&status) {
        *seen().refusals.entry(what).or_default() += 1;
        user.set_success(&mut answer.request)?;
    } else {
        let mut seen = seen();
        *seen.errors.entry(what).or_default() += 1;
        seen.error_times.push((now_ms(), name.to_owned()));
    }
    Ok(None)
}

async fn get(user: &mut GooseUser, name: &str, path: &str) -> TransactionResult {
    send(user, name, GooseMethod::Get, path, |request| request, &[]).await?;
    Ok(())
}

/// A state-changing request from the shop's pages: with mfe-kit's CSRF header.
fn write(request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    request.header("X-CSRF", "1")
}

/// The header fragments every page shows: the cart's badge and the account menu.
async fn header(user: &mut GooseUser) -> TransactionResult {
    get(user, "/api/cart/mini", cart_api::MINI_CART_PATH).await?;
    get(user, "/api/account/me", account_api::ME_PATH).await
}

async fn home(user: &mut GooseUser) -> TransactionResult {
    get(user, "/ (page)", "/").await?;
    get(user, "/api/catalog/products", catalog_api::PRODUCTS_PATH).await?;
    header(user).await
}

async fn browse_product(user: &mut GooseUser) -> TransactionResult {
    let Some((_, slug)) = any_product() else {
        return Ok(());
    };
    get(
        user,
        "/products/<slug> (page)",
        &catalog_api::product_page(slug),
    )
    .await?;
    get(
        user,
        "/api/catalog/products/<slug>",
        &catalog_api::product_url(slug),
    )
    .await?;
    header(user).await
}

async fn search(user: &mut GooseUser) -> TransactionResult {
    let word = WORDS[rand::thread_rng().gen_range(0..WORDS.len())];
    let path = format!("{}?q={word}", catalog_api::PRODUCTS_PATH);
    get(user, "/api/catalog/products?q=", &path).await
}

/// Adds 1–3 of a product: the cart refusing (sold out, only N left, the line or the cart
/// full) is a right refusal. Whether it was added.
async fn add_one(user: &mut GooseUser) -> Result<bool, Box<TransactionError>> {
    let Some((id, _)) = any_product() else {
        return Ok(false);
    };
    let quantity = rand::thread_rng().gen_range(1..=3);
    let body = serde_json::json!({ "product_id": id, "quantity": quantity });
    let added = send(
        user,
        "/api/cart/items",
        GooseMethod::Post,
        cart_api::ITEMS_PATH,
        |request| write(request).json(&body),
        &[409, 422],
    )
    .await?;
    Ok(added.is_some())
}

async fn add_to_cart(user: &mut GooseUser) -> TransactionResult {
    add_one(user).await.map(drop)
}

async fn view_cart(user: &mut GooseUser) -> TransactionResult {
    get(user, "/cart (page)", cart_api::CART_PAGE).await?;
    get(user, "/api/cart", cart_api::CART_PATH).await?;
    header(user).await
}

/// As Online Boutique's checkout: something into the cart, then the order. A declined
/// card (one checkout in [`DECLINED_ONE_IN`]) and stock that ran out are right refusals.
async fn checkout(user: &mut GooseUser) -> TransactionResult {
    if !add_one(user).await? {
        // Refused: a shopper would look at the cart again, not check out.
        return Ok(());
    }
    get(user, "/checkout (page)", cart_api::CHECKOUT_PAGE).await?;
    let card = if rand::thread_rng().gen_range(0..DECLINED_ONE_IN) == 0 {
        cart_api::DECLINED_TEST_CARD
    } else {
        cart_api::ACCEPTED_TEST_CARD
    };
    let form = cart_api::CheckoutForm {
        name: "Load Tester".into(),
        address_line1: "1 Benchmark Way".into(),
        address_line2: String::new(),
        postal_code: "10115".into(),
        city: "Berlin".into(),
        country: "DE".into(),
        card_number: card.into(),
        card_expiry: "12/39".into(),
        card_cvc: "123".into(),
    };
    let key = format!("load-{:032x}", rand::thread_rng().gen::<u128>());
    let placed = send(
        user,
        "/api/cart/checkout",
        GooseMethod::Post,
        cart_api::CHECKOUT_PATH,
        |request| {
            write(request)
                .header(cart_api::IDEMPOTENCY_KEY, key)
                .json(&form)
        },
        &[402, 409],
    )
    .await?;
    if let Some(order) = placed {
        if let Some(id) = order["id"].as_str() {
            let status = if order["state"] == "placed" { 201 } else { 202 };
            seen().acknowledged.push(Acknowledged {
                order_id: id.to_owned(),
                status,
            });
            get(user, "/api/cart/orders/<id>", &cart_api::order_url(id)).await?;
        }
    }
    Ok(())
}

async fn sign_in(user: &mut GooseUser) -> TransactionResult {
    let members = &shop().members;
    if members.is_empty() {
        return Ok(());
    }
    let email = &members[user.weighted_users_index % members.len()];
    let body = serde_json::json!({ "email": email, "password": PASSWORD });
    send(
        user,
        "/api/account/sign-in",
        GooseMethod::Post,
        account_api::SIGN_IN_PATH,
        |request| write(request).json(&body),
        // All shoppers come from one address here, which the gateway's per-client limit
        // on sign-in holds to a few a minute: refused, they shop as guests.
        &[429],
    )
    .await?;
    Ok(())
}

async fn account(user: &mut GooseUser) -> TransactionResult {
    get(user, "/account (page)", "/account").await?;
    header(user).await?;
    get(user, "/api/cart/orders", cart_api::ORDERS_PATH).await
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64)
}

/// goose's metrics and what the run saw, as the [`Summary`] `xtask` reads.
fn summarise(metrics: &GooseMetrics) -> Summary {
    let seconds = metrics.duration.max(1);
    let ms = |us: u64| us as f64 / 1000.0;
    let endpoints: BTreeMap<String, Endpoint> = metrics
        .requests
        .iter()
        .map(|(name, request)| {
            let times = &request.raw_data;
            let requests = request.success_count + request.fail_count;
            (
                name.clone(),
                Endpoint {
                    requests,
                    errors: request.fail_count,
                    per_second: requests as f64 / seconds as f64,
                    p50_ms: ms(times.percentile_us(0.50)),
                    p95_ms: ms(times.percentile_us(0.95)),
                    p99_ms: ms(times.percentile_us(0.99)),
                    max_ms: ms(times.maximum_time_us),
                    statuses: request
                        .status_code_counts
                        .iter()
                        .map(|(status, count)| (*status, *count))
                        .collect(),
                },
            )
        })
        .collect();
    let requests: usize = endpoints.values().map(|e| e.requests).sum();
    let errors: usize = endpoints.values().map(|e| e.errors).sum();
    let seen = seen();
    Summary {
        seconds,
        requests,
        per_second: requests as f64 / seconds as f64,
        errors,
        endpoints,
        error_kinds: seen.errors.clone(),
        error_times: seen.error_times.clone(),
        refusals: seen.refusals.clone(),
        acknowledged_orders: seen.acknowledged.clone(),
    }
}

/// `storefront-load reconcile <catalog-db-url> <cart-db-url> <starting-stock> [<summary>]`:
/// waits for the checkouts to settle, checks the databases agree (and that the summary's
/// acknowledged orders exist), prints the result as JSON, and fails when they do not.
async fn reconcile(args: &[String]) -> anyhow::Result<()> {
    let [catalog, cart, stock, rest @ ..] = args else {
        anyhow::bail!(
            "usage: storefront-load reconcile <catalog-db-url> <cart-db-url> <starting-stock> [<summary.json>]"
        );
    };
    let acknowledged = match rest.first() {
        Some(path) => Summary::read(std::path::Path::new(path))?.acknowledged_orders,
        None => Vec::new(),
    };
    let report = storefront_load::reconcile(
        catalog,
        cart,
        stock.parse()?,
        &acknowledged,
        std::time::Duration::from_secs(90),
    )
    .await?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    anyhow::ensure!(report.is_exact(), "the databases do not agree");
    Ok(())
}
