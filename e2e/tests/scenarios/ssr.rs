//! The first view, rendered by the BFFs and composed by nginx (SSI): a page that works as
//! HTML before (and without) any script, hydrated by its MFE without asking again and
//! without a mismatch, and left to the browser — never slower, never broken — when a BFF
//! is down or slow.

use crate::{listing, wait_for_cards};
use anyhow::{ensure, Context, Result};
use catalog_api::ProductDetail;
use e2e::Shop;
use std::time::{Duration, Instant};

/// The catalog's requests this page made so far (the server-rendered page needs none).
const CATALOG_REQUESTS: &str = "return performance.getEntriesByType('resource')\
    .filter((entry) => entry.name.includes('/api/catalog/products')).length;";

pub async fn the_catalog_works_as_html_without_javascript(shop: &Shop) -> Result<()> {
    let all = listing(shop, "").await?;
    let browser = shop.browser().await?;
    browser.without_javascript().await?;

    // Home: the cards are in the page as it arrived.
    browser.open(&shop.url).await?;
    wait_for_cards(&browser, &all).await?;
    ensure!(
        browser.text_of("main .slot-loading").await.is_err(),
        "the loading state is there without JavaScript"
    );

    // A category is a real link.
    let category = all.categories[0].clone();
    browser
        .client()
        .find(fantoccini::Locator::Css(&format!(
            "nav.categories a[href=\"/products?category={}\"]",
            category.slug
        )))
        .await
        .context("the category's link")?
        .click()
        .await?;
    let in_category = listing(shop, &format!("?category={}", category.slug)).await?;
    wait_for_cards(&browser, &in_category).await?;

    // Search is a GET form, and it keeps the category.
    let word = in_category.products[0]
        .name
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    let search = browser
        .client()
        .find(fantoccini::Locator::Css("form.search input[name=q]"))
        .await?;
    search.send_keys(&word).await?;
    browser
        .client()
        .find(fantoccini::Locator::Css("form.search button[type=submit]"))
        .await?
        .click()
        .await?;
    let found = listing(
        shop,
        &format!("?q={}&category={}", urlencode(&word), category.slug),
    )
    .await?;
    ensure!(
        !found.products.is_empty(),
        "searching {word:?} finds nothing"
    );
    wait_for_cards(&browser, &found).await?;

    // Sorting without scripts: choose, then the menu's own button.
    browser
        .client()
        .find(fantoccini::Locator::Css(
            "#catalog-sort option[value=price_asc]",
        ))
        .await?
        .click()
        .await?;
    browser
        .client()
        .find(fantoccini::Locator::Css("form.sort button[type=submit]"))
        .await?
        .click()
        .await?;
    let sorted = listing(
        shop,
        &format!(
            "?q={}&category={}&sort=price_asc",
            urlencode(&word),
            category.slug
        ),
    )
    .await?;
    wait_for_cards(&browser, &sorted).await?;

    // A product page, from its card's link.
    let product = &all.products[0];
    browser
        .open(&format!("{}/products/{}", shop.url, product.slug))
        .await?;
    let detail: ProductDetail = serde_json::from_value(
        shop.api(&format!("/api/catalog/products/{}", product.slug))
            .await?,
    )?;
    ensure!(browser.text_of(".product-detail h1").await? == detail.name);
    ensure!(browser.text_of(".product-detail .price").await? == detail.price);
    ensure!(
        browser
            .text_of(".purchase .without-scripts")
            .await?
            .contains("needs JavaScript"),
        "the product page does not say adding needs JavaScript"
    );
    browser.screenshot("product-without-javascript").await?;
    browser.close().await
}

pub async fn the_first_view_is_hydrated_without_asking_again(shop: &Shop) -> Result<()> {
    let all = listing(shop, "").await?;
    let category = all.categories[1].slug.clone();
    let in_category = listing(shop, &format!("?category={category}")).await?;

    let browser = shop.browser().await?;
    browser.record_console_errors().await?;
    browser
        .open(&format!("{}/products?category={category}", shop.url))
        .await?;
    wait_for_cards(&browser, &in_category).await?;
    browser
        .wait_until("the catalog has hydrated its page", || async {
            Ok(browser
                .client()
                .execute(
                    "return document.querySelector('[data-slot=main]').dataset.state;",
                    vec![],
                )
                .await?
                == "mounted")
        })
        .await?;
    let requests = browser.client().execute(CATALOG_REQUESTS, vec![]).await?;
    ensure!(
        requests == 0,
        "the page asked for its listing again ({requests} requests)"
    );
    ensure!(
        browser
            .client()
            .execute(
                "return !document.querySelector('[data-slot=main] script[data-ssr]');",
                vec![]
            )
            .await?
            == true,
        "the answers the page came with are still in the slot"
    );

    // Hydrated, not just shown: a link is followed in the page (no new document).
    browser
        .client()
        .execute("window.sameDocument = true;", vec![])
        .await?;
    browser
        .client()
        .find(fantoccini::Locator::Css(
            "nav.categories a[href=\"/products\"]",
        ))
        .await
        .context("the link to every product")?
        .click()
        .await?;
    wait_for_cards(&browser, &all).await?;
    ensure!(
        browser
            .client()
            .execute("return window.sameDocument === true;", vec![])
            .await?
            == true,
        "following a link loaded a new page: the listing was not hydrated"
    );

    // A product page hydrates too: its add-to-cart works.
    let product = all
        .products
        .iter()
        .find(|product| product.stock.level != catalog_api::StockLevel::OutOfStock)
        .context("a product in stock")?;
    browser
        .open(&format!("{}/products/{}", shop.url, product.slug))
        .await?;
    browser
        .wait_until("the product page has hydrated", || async {
            Ok(browser
                .client()
                .execute(
                    "return document.querySelector('[data-slot=main]').dataset.state;",
                    vec![],
                )
                .await?
                == "mounted")
        })
        .await?;
    browser
        .wait_for("button.add-to-cart")
        .await?
        .click()
        .await?;
    browser
        .wait_until("the cart badge counts the product", || async {
            Ok(browser
                .text_of("[data-slot=cart-badge] .badge-count")
                .await
                .is_ok_and(|count| count.trim() == "1"))
        })
        .await?;
    let errors = browser.console_errors().await?;
    ensure!(errors.is_empty(), "console errors: {errors:?}");
    browser.close().await
}

pub async fn a_down_or_slow_catalog_bff_leaves_the_page_to_the_browser(shop: &Shop) -> Result<()> {
    // Through the shop's own gateway the page arrives rendered.
    let page = reqwest::get(format!("{}/products", shop.url))
        .await?
        .text()
        .await?;
    ensure!(
        page.contains("data-ssr"),
        "the listing was not rendered on the server"
    );

    // A BFF that accepts connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0")?;
    let silent_address = silent.local_addr()?.to_string();
    let holder = std::thread::spawn(move || {
        let mut held = Vec::new();
        for socket in silent.incoming().take(64) {
            held.push(socket);
        }
    });
    let dead = format!("127.0.0.1:{}", xtask::process::free_port()?);
    for (name, address) in [("slow-bff", silent_address), ("down-bff", dead)] {
        let mut bffs = shop.bffs();
        bffs.insert("catalog".into(), address);
        let (url, _) = shop.gateway(name, |_| Ok(()), Some(bffs))?;
        let started = Instant::now();
        let page = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?
            .get(format!("{url}/products"))
            .send()
            .await?;
        let waited = started.elapsed();
        ensure!(page.status() == 200, "{name}: {}", page.status());
        let page = page.text().await?;
        ensure!(
            !page.contains("data-ssr") && page.contains("Loading the shop"),
            "{name}: the page is not the client-rendered shell"
        );
        // Within the fragment deadline (300 ms), with room for a slow machine.
        ensure!(
            waited < Duration::from_secs(3),
            "{name}: the page took {waited:?}"
        );
        eprintln!("{name}: the shell arrived in {waited:?}");
    }
    drop(holder);
    Ok(())
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}
