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
    browser.wait_for_slot("main", "mounted").await?;
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
    browser.wait_for_slot("main", "mounted").await?;
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
                .is_ok_and(|count| count.contains('1')))
        })
        .await?;

    // The sign-in page comes rendered (its form needs no answer) and hydrates.
    let sign_in = format!("{}{}", shop.url, account_api::SIGN_IN_PAGE);
    let page = reqwest::get(&sign_in).await?.text().await?;
    ensure!(
        main_slot(&page).contains("auth-form"),
        "the sign-in page was not rendered on the server"
    );
    browser.open(&sign_in).await?;
    browser.wait_for_slot("main", "mounted").await?;
    browser.wait_for("form.auth-form [name=email]").await?;
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
        rendered_by(&page).is_some(),
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
            rendered_by(&page).is_none() && main_slot(&page).contains("Loading the shop"),
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

/// How many requests of this page went to `path` exactly (path and query).
async fn requests_to(browser: &e2e::Browser, path: &str) -> Result<u64> {
    let count = browser
        .client()
        .execute(
            "return performance.getEntriesByType('resource')\
               .filter((entry) => new URL(entry.name).pathname === arguments[0]).length;",
            vec![serde_json::json!(path)],
        )
        .await?;
    Ok(count.as_u64().unwrap_or(0))
}

pub async fn the_cart_and_its_badge_are_rendered_for_their_shopper(shop: &Shop) -> Result<()> {
    let all = listing(shop, "").await?;
    let product = all
        .products
        .iter()
        .find(|product| product.stock.level != catalog_api::StockLevel::OutOfStock)
        .context("a product in stock")?;
    let browser = shop.browser().await?;
    browser.record_console_errors().await?;
    browser
        .open(&format!("{}/products/{}", shop.url, product.slug))
        .await?;
    browser.wait_for_slot("main", "mounted").await?;
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
                .is_ok_and(|count| count.contains('1')))
        })
        .await?;

    // The cart page arrives with its lines and its badge, and neither asks again.
    browser.open(&format!("{}/cart", shop.url)).await?;
    browser.wait_for_slot("main", "mounted").await?;
    ensure!(
        browser
            .text_of(".cart-lines")
            .await?
            .contains(&product.name),
        "the cart page does not show {}",
        product.name
    );
    // The badge hydrates once the page has drawn (or after a few seconds at most).
    browser.wait_for_slot("cart-badge", "mounted").await?;
    for path in ["/api/cart", "/api/cart/mini"] {
        let asked = requests_to(&browser, path).await?;
        ensure!(asked == 0, "the page asked {path} again ({asked} times)");
    }
    let errors = browser.console_errors().await?;
    ensure!(errors.is_empty(), "console errors: {errors:?}");

    // Without JavaScript: the same cart and badge, and what needs JavaScript says so.
    browser.without_javascript().await?;
    browser.open(&format!("{}/cart", shop.url)).await?;
    ensure!(browser
        .text_of(".cart-lines")
        .await?
        .contains(&product.name));
    ensure!(browser
        .text_of("[data-slot=cart-badge] .badge-count")
        .await?
        .contains('1'));
    ensure!(browser
        .text_of(".summary-box .without-scripts")
        .await?
        .contains("need JavaScript"));
    ensure!(
        browser.text_of("[data-slot=account-menu] a").await? == "Sign in",
        "the account menu is not rendered for a guest"
    );
    browser.screenshot("cart-without-javascript").await?;
    browser.open(&format!("{}/checkout", shop.url)).await?;
    ensure!(browser
        .text_of(".place-order ~ .without-scripts")
        .await?
        .contains("needs JavaScript"));
    // A page its BFF does not render says it needs JavaScript (no endless "Loading").
    browser.open(&format!("{}/account", shop.url)).await?;
    ensure!(browser
        .text_of("main .needs-scripts")
        .await?
        .contains("needs JavaScript"));
    ensure!(
        !browser
            .wait_for("main .slot-loading")
            .await?
            .is_displayed()
            .await?,
        "a loading state shows without JavaScript"
    );
    // The sign-in page arrives drawn, and says that signing in needs JavaScript (its form,
    // which would post nowhere, is not shown).
    browser
        .open(&format!("{}{}", shop.url, account_api::SIGN_IN_PAGE))
        .await?;
    ensure!(browser
        .text_of("main .auth .without-scripts")
        .await?
        .contains("needs JavaScript"));
    ensure!(
        !browser
            .wait_for("main form.auth-form")
            .await?
            .is_displayed()
            .await?,
        "the sign-in form shows without JavaScript"
    );
    browser.screenshot("sign-in-without-javascript").await?;
    browser.close().await
}

/// One page a shopper loaded while builds changed: when it was asked for, and which
/// catalog build rendered its main slot (none: the browser draws it).
struct Loaded {
    at: Instant,
    rendered_by: Option<String>,
}

/// The shell's main slot in `page` (the header's fragments come before it).
fn main_slot(page: &str) -> &str {
    let start = page.find("<main ").unwrap_or(0);
    let end = page[start..]
        .find("</main>")
        .map_or(page.len(), |end| start + end);
    &page[start..end]
}

/// The build that rendered the main slot of `page`, if one did.
fn rendered_by(page: &str) -> Option<String> {
    let slot = main_slot(page);
    let start = slot.find("data-ssr data-build=\"")? + "data-ssr data-build=\"".len();
    let end = slot[start..].find('"')?;
    Some(slot[start..start + end].to_owned())
}

pub async fn a_deploy_and_a_rollback_change_what_is_rendered_and_hydrated_together(
    shop: &Shop,
) -> Result<()> {
    const GATEWAY: &str = "deploy";
    // Its own gateway, site and catalog BFF (reading that site's manifest), so the builds
    // changing here change nothing for the other tests.
    let manifest = shop.site_of(GATEWAY).join("mfe/manifest.json");
    let bff = shop.lone_bff_with(
        "catalog",
        &shop.service_url("catalog")?,
        &[("MFE_MANIFEST", manifest.display().to_string())],
    )?;
    let mut bffs = shop.bffs();
    bffs.insert("catalog".into(), bff);
    let (url, site) = shop.gateway(GATEWAY, |_| Ok(()), Some(bffs))?;
    let own = site.manifest()?.mfes["catalog"]
        .build
        .clone()
        .context("the published catalog names no build")?;
    let first = reqwest::get(format!("{url}/products"))
        .await?
        .text()
        .await?;
    ensure!(
        rendered_by(&first).as_deref() == Some(own.as_str()),
        "the live build's BFF does not render"
    );

    // Shoppers load pages all along.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut shoppers = Vec::new();
    for shopper in 0..4 {
        let (url, stop) = (url.clone(), stop.clone());
        shoppers.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut loaded = Vec::new();
            let mut page = shopper;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let at = Instant::now();
                page = page % 3 + 1;
                let Ok(answer) = client
                    .get(format!("{url}/products?page={page}"))
                    .send()
                    .await
                else {
                    continue;
                };
                if let Ok(html) = answer.text().await {
                    loaded.push(Loaded {
                        at,
                        rendered_by: rendered_by(&html),
                    });
                }
            }
            loaded
        }));
    }

    // Deploy: another catalog build goes live (here the same bundle under another build
    // name: what a change to the catalog's sources gives).
    let build = std::env::temp_dir().join(format!("storefront-e2e-build-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&build);
    std::fs::create_dir_all(&build)?;
    for entry in std::fs::read_dir(xtask::mfe::build_dir("catalog"))? {
        let entry = entry?;
        std::fs::copy(entry.path(), build.join(entry.file_name()))?;
    }
    std::fs::write(build.join(xtask::site::BUILD_ID_FILE), "another-build\n")?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    site.publish("catalog", &build, xtask::site::Descriptor::read("catalog")?)?;
    let deployed = Instant::now();
    let _ = std::fs::remove_dir_all(&build);
    // Once its BFF has read the manifest again (within a second) and nginx's copy of the
    // last rendering has expired (within another), the page is the browser's.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let browser = shop.browser().await?;
    browser.record_console_errors().await?;
    browser.open(&format!("{url}/products")).await?;
    browser.wait_for_slot("main", "mounted").await?;
    wait_for_cards(&browser, &listing(shop, "").await?).await?;
    ensure!(
        requests_to(&browser, "/api/catalog/products").await? == 1,
        "after the deploy the page was not drawn by the browser"
    );

    // Rollback: the BFF's own build is live again, and it renders again.
    site.rollback("catalog")?;
    let rolled_back = Instant::now();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    browser.open(&format!("{url}/products?page=2")).await?;
    browser.wait_for_slot("main", "mounted").await?;
    wait_for_cards(&browser, &listing(shop, "?page=2").await?).await?;
    ensure!(
        requests_to(&browser, "/api/catalog/products").await? == 0,
        "after the rollback the page was not hydrated"
    );
    let errors = browser.console_errors().await?;
    ensure!(errors.is_empty(), "console errors: {errors:?}");
    browser.close().await?;

    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut loaded = Vec::new();
    for shopper in shoppers {
        loaded.extend(shopper.await?);
    }
    // The BFF never renders a build that is not its own; from two seconds after each
    // switch (its reading of the manifest, nginx's copy), it renders exactly while its
    // build is live.
    let settle = Duration::from_millis(2200);
    let (mut rendered, mut drawn) = (0, 0);
    for page in &loaded {
        if let Some(build) = &page.rendered_by {
            ensure!(*build == own, "a page was rendered by build {build}");
            rendered += 1;
        } else {
            drawn += 1;
        }
        if page.at > deployed + settle && page.at < rolled_back {
            ensure!(
                page.rendered_by.is_none(),
                "rendered while another build was live"
            );
        }
        if page.at > rolled_back + settle || page.at + Duration::from_millis(300) < deployed {
            ensure!(
                page.rendered_by.is_some(),
                "not rendered while its own build was live"
            );
        }
    }
    ensure!(
        rendered > 0 && drawn > 0,
        "{rendered} rendered, {drawn} drawn"
    );
    eprintln!("during the deploy and the rollback: {rendered} pages rendered by the live build, {drawn} left to the browser, none by another build");
    Ok(())
}

/// How many scripts and wasm modules this page loaded from under `arguments[0]`.
const CODE_FROM: &str = "return performance.getEntriesByType('resource')\
    .filter((entry) => entry.name.includes(arguments[0]) && /\\.(js|wasm)$/.test(entry.name))\
    .length;";

/// The header comes rendered for its shopper, and its MFEs load only when wanted: not for
/// a page nobody touches, at once for a click on one of its buttons (given again once the
/// menu is live), and with the first interaction for the rest.
pub async fn header_fragments_come_alive_when_wanted(shop: &Shop) -> Result<()> {
    let browser = shop.browser().await?;
    browser.record_console_errors().await?;
    crate::account::sign_up(
        shop,
        &browser,
        "Ida Rhodes",
        &crate::account::new_email("ida"),
    )
    .await?;
    browser.open(&format!("{}/products", shop.url)).await?;
    browser.wait_for_slot("main", "mounted").await?;
    ensure!(crate::account::menu_text(&browser).await? == "Ida");
    // Longer than the shell waits for a page's first screen before its header's turn.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for bundle in ["/mfe/account/", "/mfe/cart/"] {
        let asked = browser
            .client()
            .execute(CODE_FROM, vec![serde_json::json!(bundle)])
            .await?;
        ensure!(
            asked == 0,
            "{bundle} was loaded before anyone touched the page"
        );
    }

    // The menu's button works from the first click.
    browser
        .wait_for("[data-slot=account-menu] .menu-button")
        .await?
        .click()
        .await?;
    browser
        .wait_until("the account menu opens", || async {
            Ok(browser
                .wait_for("[data-slot=account-menu] .menu-button")
                .await?
                .attr("aria-expanded")
                .await?
                .as_deref()
                == Some("true"))
        })
        .await?;
    ensure!(
        browser
            .wait_for("[data-slot=account-menu] .menu-panel")
            .await?
            .is_displayed()
            .await?,
        "the account menu's panel is not shown"
    );
    browser.wait_for_slot("account-menu", "mounted").await?;
    // That click was the first interaction: the cart's badge comes alive too.
    browser.wait_for_slot("cart-badge", "mounted").await?;
    let errors = browser.console_errors().await?;
    ensure!(errors.is_empty(), "console errors: {errors:?}");
    browser.close().await
}
