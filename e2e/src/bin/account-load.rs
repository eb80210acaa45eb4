//! Load for the account slice's benchmarks: what identity costs.
//!
//! - `account-load prepare <shop-url> <user-lua> <guest-lua>`: signs a new user up through
//!   the shop's gateway (as a browser does), puts a product in their cart, and makes a guest
//!   cart too; writes two wrk scripts that send the user's cookies (`session` + `identity`)
//!   and the guest's (`cart_id`) with every request, and prints the user's email.
//! - `account-load sign-in <url> <email> <count> <concurrency>`: `<count>`
//!   sign-ins, `<concurrency>` at a time, against `<url>` (account-bff directly: nginx rate-
//!   limits sign-in per client on purpose), and prints one JSON line:
//!   `{"sign_ins": n, "per_second": r, "p50_ms": .., "p99_ms": ..}`.
//!
//! Run by `cargo xtask bench`.

use account_api::{SignInForm, SignUpForm};
use anyhow::{bail, ensure, Context, Result};
use futures_util::future::join_all;
use std::time::Instant;

/// The password of the benchmark's users.
const PASSWORD: &str = "bench-password-4711";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["prepare", shop, user_lua, guest_lua] => prepare(shop, user_lua, guest_lua).await,
        ["sign-in", url, email, count, concurrency] => {
            sign_ins(
                url,
                email,
                count.parse().context("count")?,
                concurrency.parse().context("concurrency")?,
            )
            .await
        }
        _ => bail!(
            "usage: account-load prepare <shop-url> <user-lua> <guest-lua> | sign-in <url> <email> <count> <concurrency>"
        ),
    }
}

fn client() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?)
}

/// `name=value` of every cookie `response` sets (the attributes dropped).
fn cookies_of(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| value.split(';').next())
        .filter(|pair| !pair.ends_with('='))
        .map(str::to_owned)
        .collect()
}

fn wrk_script(cookie: &str) -> String {
    format!("wrk.headers[\"Cookie\"] = \"{cookie}\"\n")
}

async fn add_to_cart(
    client: &reqwest::Client,
    shop: &str,
    cookie: Option<&str>,
) -> Result<Vec<String>> {
    let listing: catalog_api::ListingPage = client
        .get(format!(
            "{shop}{}?in_stock=true",
            catalog_api::PRODUCTS_PATH
        ))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let product = listing.products.first().context("no product in stock")?;
    let mut request = client
        .post(format!("{shop}{}", cart_api::ITEMS_PATH))
        .header("X-CSRF", "1")
        .json(&cart_api::AddToCart {
            product_id: product.id,
            quantity: 1,
        });
    if let Some(cookie) = cookie {
        request = request.header("Cookie", cookie);
    }
    let response = request.send().await?;
    ensure!(
        response.status().is_success(),
        "add-to-cart answered {}",
        response.status()
    );
    Ok(cookies_of(&response))
}

async fn prepare(shop: &str, user_lua: &str, guest_lua: &str) -> Result<()> {
    let client = client()?;
    let shop = shop.trim_end_matches('/');
    let email = format!("bench-{}@example.com", identity_suffix());
    let response = client
        .post(format!("{shop}{}", account_api::SIGN_UP_PATH))
        .header("X-CSRF", "1")
        .json(&SignUpForm {
            name: "Bench Mark".into(),
            email: email.clone(),
            password: PASSWORD.into(),
        })
        .send()
        .await?;
    ensure!(
        response.status().is_success(),
        "sign-up answered {}: {}",
        response.status(),
        response.text().await.unwrap_or_default()
    );
    let user_cookie = cookies_of(&response).join("; ");
    ensure!(
        user_cookie.contains("identity="),
        "sign-up set no identity cookie"
    );
    add_to_cart(&client, shop, Some(&user_cookie)).await?;
    std::fs::write(user_lua, wrk_script(&user_cookie))?;
    let guest_cookie = add_to_cart(&client, shop, None).await?.join("; ");
    ensure!(
        guest_cookie.contains("cart_id="),
        "the guest's add set no cart cookie"
    );
    std::fs::write(guest_lua, wrk_script(&guest_cookie))?;
    println!("{email}");
    Ok(())
}

fn identity_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{nanos:x}")
}

async fn sign_ins(url: &str, email: &str, count: usize, concurrency: usize) -> Result<()> {
    let client = client()?;
    let url = format!("{}{}", url.trim_end_matches('/'), account_api::SIGN_IN_PATH);
    let form = SignInForm {
        email: email.to_owned(),
        password: PASSWORD.to_owned(),
    };
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(count);
    let rounds = count.div_ceil(concurrency.max(1));
    for _ in 0..rounds {
        let timed = join_all((0..concurrency).map(|_| async {
            let began = Instant::now();
            let response = client
                .post(&url)
                .header("X-CSRF", "1")
                .json(&form)
                .send()
                .await?;
            ensure!(
                response.status().is_success(),
                "sign-in answered {}",
                response.status()
            );
            Ok::<_, anyhow::Error>(began.elapsed().as_secs_f64() * 1000.0)
        }))
        .await;
        for took in timed {
            latencies.push(took?);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * q) as usize)
            .copied()
    };
    println!(
        "{}",
        serde_json::json!({
            "sign_ins": latencies.len(),
            "per_second": latencies.len() as f64 / seconds,
            "p50_ms": at(0.5),
            "p99_ms": at(0.99),
        })
    );
    Ok(())
}
