//! Load for the cart slice's benchmarks, through the shop's gateway as browsers send it.
//!
//! - `cart-load prepare <shop-url> <carts> <lua-file> [<service-lua-file>]`: makes `<carts>`
//!   guest carts (one add-to-cart each, keeping the `cart_id` cookie) and writes a wrk
//!   script that adds one unit of a product to one of them per request, cycling through
//!   carts and products — and, if asked, the same adds as cart-service's own requests
//!   (`POST /carts/{id}/lines`), to measure the service without the BFF and nginx.
//! - `cart-load checkout <shop-url> <concurrency> <seconds>`: fills fresh carts first (not
//!   timed), then checks them out `<concurrency>` at a time for up to `<seconds>` and prints
//!   one JSON line: `{"checkouts": n, "seconds": s, "per_second": r, "p50_ms": .., "p99_ms": .., "failed": f}`.
//!
//! Run by `cargo xtask bench`, against a shop whose stock it raised first.

use anyhow::{bail, ensure, Context, Result};
use cart_api::{AddToCart, CheckoutForm};
use futures_util::future::join_all;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["prepare", shop, carts, lua, rest @ ..] => {
            let load = Load::new(shop).await?;
            let carts = load.carts(carts.parse().context("carts must be a number")?).await?;
            std::fs::write(lua, wrk_script(&carts, &load.products))?;
            if let [service_lua] = rest {
                std::fs::write(service_lua, service_script(&carts, &load.products))?;
            }
            Ok(())
        }
        ["checkout", shop, concurrency, seconds] => {
            let load = Load::new(shop).await?;
            let concurrency: usize = concurrency.parse().context("concurrency")?;
            let seconds: u64 = seconds.parse().context("seconds")?;
            load.checkouts(concurrency, Duration::from_secs(seconds)).await
        }
        _ => bail!(
            "usage: cart-load prepare <shop-url> <carts> <lua-file> [<service-lua-file>] | checkout <shop-url> <concurrency> <seconds>"
        ),
    }
}

struct Load {
    client: reqwest::Client,
    shop: String,
    products: Vec<i64>,
}

impl Load {
    async fn new(shop: &str) -> Result<Self> {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()?;
        let listing: catalog_api::ListingPage = client
            .get(format!("{shop}{}?per_page=48", catalog_api::PRODUCTS_PATH))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let products: Vec<i64> = listing.products.iter().map(|p| p.id).collect();
        ensure!(!products.is_empty(), "the catalog has no products");
        Ok(Self {
            client,
            shop: shop.trim_end_matches('/').to_owned(),
            products,
        })
    }

    /// Puts one unit of `product` in the cart with `cookie` (a new cart without one) and
    /// returns the cart's cookie.
    async fn add(&self, cookie: Option<&str>, product: i64) -> Result<String> {
        let mut request = self
            .client
            .post(format!("{}{}", self.shop, cart_api::ITEMS_PATH))
            .header("X-CSRF", "1")
            .json(&AddToCart {
                product_id: product,
                quantity: 1,
            });
        if let Some(cookie) = cookie {
            request = request.header("Cookie", cookie);
        }
        let response = request.send().await?;
        let status = response.status();
        let set_cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find_map(|value| {
                value
                    .split(';')
                    .next()
                    .filter(|c| c.starts_with("cart_id="))
            })
            .map(str::to_owned);
        ensure!(
            status.is_success(),
            "add-to-cart answered {status}: {}",
            response.text().await.unwrap_or_default()
        );
        match (set_cookie, cookie) {
            (Some(new), _) => Ok(new),
            (None, Some(old)) => Ok(old.to_owned()),
            (None, None) => bail!("a new cart came without a cart_id cookie"),
        }
    }

    /// `n` new carts with one or two products each, made 32 at a time.
    async fn carts(&self, n: usize) -> Result<Vec<String>> {
        let mut carts = Vec::with_capacity(n);
        for chunk in (0..n).collect::<Vec<_>>().chunks(32) {
            let made = join_all(chunk.iter().map(|&i| async move {
                let first = self.products[i % self.products.len()];
                let cookie = self.add(None, first).await?;
                if i % 2 == 0 {
                    let second = self.products[(i + 1) % self.products.len()];
                    self.add(Some(&cookie), second).await?;
                }
                Ok::<_, anyhow::Error>(cookie)
            }))
            .await;
            for cart in made {
                carts.push(cart?);
            }
        }
        Ok(carts)
    }

    async fn checkouts(self, concurrency: usize, limit: Duration) -> Result<()> {
        // Enough carts that the workers never run dry within the time limit.
        let carts = self.carts(concurrency * 60).await?;
        let queue = Arc::new(Mutex::new(carts));
        let latencies = Arc::new(Mutex::new(Vec::new()));
        let failed = Arc::new(Mutex::new(0_usize));
        let this = Arc::new(self);
        let started = Instant::now();
        let mut workers = vec![];
        for worker in 0..concurrency {
            let (this, queue, latencies, failed) = (
                this.clone(),
                queue.clone(),
                latencies.clone(),
                failed.clone(),
            );
            workers.push(tokio::spawn(async move {
                let mut n = 0;
                while started.elapsed() < limit {
                    let Some(cart) = queue.lock().ok().and_then(|mut q| q.pop()) else {
                        break;
                    };
                    n += 1;
                    let began = Instant::now();
                    let placed = this.checkout(&cart, &format!("bench-{worker}-{n}")).await;
                    let took = began.elapsed().as_secs_f64() * 1000.0;
                    match placed {
                        Ok(()) => latencies.lock().map(|mut l| l.push(took)).ok(),
                        Err(error) => {
                            eprintln!("checkout failed: {error:#}");
                            failed.lock().map(|mut f| *f += 1).ok()
                        }
                    };
                }
            }));
        }
        for worker in workers {
            worker.await?;
        }
        let seconds = started.elapsed().as_secs_f64();
        let mut latencies = latencies
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?
            .clone();
        latencies.sort_by(f64::total_cmp);
        let at = |q: f64| {
            latencies
                .get(((latencies.len() as f64 - 1.0) * q) as usize)
                .copied()
        };
        let failed = *failed.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
        println!(
            "{}",
            serde_json::json!({
                "checkouts": latencies.len(),
                "seconds": seconds,
                "per_second": latencies.len() as f64 / seconds,
                "p50_ms": at(0.5),
                "p99_ms": at(0.99),
                "failed": failed,
            })
        );
        ensure!(failed == 0, "{failed} checkouts failed");
        Ok(())
    }

    async fn checkout(&self, cookie: &str, key: &str) -> Result<()> {
        let response = self
            .client
            .post(format!("{}{}", self.shop, cart_api::CHECKOUT_PATH))
            .header("X-CSRF", "1")
            .header("Cookie", cookie)
            .header(cart_api::IDEMPOTENCY_KEY, key)
            .json(&form())
            .send()
            .await?;
        let status = response.status();
        ensure!(
            status.as_u16() == 201,
            "checkout answered {status}: {}",
            response.text().await.unwrap_or_default()
        );
        Ok(())
    }
}

fn form() -> CheckoutForm {
    CheckoutForm {
        name: "Bench Shopper".into(),
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

/// How many different products each cart of the add-to-cart benchmark holds: a usual
/// cart, not one with every product of the shop in it.
const PRODUCTS_PER_CART: usize = 4;

/// A wrk script adding one unit per request to one of `carts`, cycling through carts and
/// then through that cart's [`PRODUCTS_PER_CART`] products (the i-th cart's start at the
/// i-th product), so no line reaches the 99 limit during a run.
fn wrk_script(carts: &[String], products: &[i64]) -> String {
    let carts: Vec<String> = carts.iter().map(|c| format!("{c:?}")).collect();
    let products: Vec<String> = products.iter().map(i64::to_string).collect();
    format!(
        "local carts = {{ {} }}\n\
         local products = {{ {} }}\n\
         local n = 0\n\
         local PER_CART = {PRODUCTS_PER_CART}\n\
         request = function()\n  \
           n = n + 1\n  \
           local cart = carts[(n % #carts) + 1]\n  \
           local product = products[((n % #carts) + math.floor(n / #carts) % PER_CART) % #products + 1]\n  \
           return wrk.format(\"POST\", \"{}\", {{ [\"Content-Type\"] = \"application/json\", [\"X-CSRF\"] = \"1\", [\"Cookie\"] = cart }}, '{{\"product_id\":' .. product .. ',\"quantity\":1}}')\n\
         end\n",
        carts.join(", "),
        products.join(", "),
        cart_api::ITEMS_PATH
    )
}

/// The adds of [`wrk_script`], sent to cart-service itself: the cookie's value is the
/// cart's id.
fn service_script(carts: &[String], products: &[i64]) -> String {
    let ids: Vec<String> = carts
        .iter()
        .map(|c| format!("{:?}", c.trim_start_matches("cart_id=")))
        .collect();
    let products: Vec<String> = products.iter().map(i64::to_string).collect();
    format!(
        "local carts = {{ {} }}\n\
         local products = {{ {} }}\n\
         local n = 0\n\
         local PER_CART = {PRODUCTS_PER_CART}\n\
         request = function()\n  \
           n = n + 1\n  \
           local cart = carts[(n % #carts) + 1]\n  \
           local product = products[((n % #carts) + math.floor(n / #carts) % PER_CART) % #products + 1]\n  \
           return wrk.format(\"POST\", \"/carts/\" .. cart .. \"/lines\", {{ [\"Content-Type\"] = \"application/json\" }}, '{{\"product_id\":' .. product .. ',\"quantity\":1}}')\n\
         end\n",
        ids.join(", "),
        products.join(", "),
    )
}
