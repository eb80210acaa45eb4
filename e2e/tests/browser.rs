//! The shop in headless Chromium, through nginx, as a shopper uses it.
//!
//! Run by `cargo xtask test` (which builds the MFEs and installs Chromium, chromedriver and
//! nginx first). Screenshots land in `target/screenshots/`.

use anyhow::{ensure, Context, Result};
use catalog_api::{ListingPage, ProductDetail};
use e2e::{write, Browser, Shop};
use fantoccini::Locator;
use libtest_mimic::{Arguments, Trial};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

#[path = "scenarios/account.rs"]
mod account;
#[path = "scenarios/cart.rs"]
mod cart;
#[path = "scenarios/ssr.rs"]
mod ssr;

use account::{
    a_guest_cart_joins_the_account_and_the_order_shows_in_the_account,
    signing_up_greets_the_shopper_and_account_pages_need_a_session,
};

use ssr::{
    a_deploy_and_a_rollback_change_what_is_rendered_and_hydrated_together,
    a_down_or_slow_catalog_bff_leaves_the_page_to_the_browser,
    header_fragments_come_alive_when_wanted, the_cart_and_its_badge_are_rendered_for_their_shopper,
    the_catalog_works_as_html_without_javascript, the_first_view_is_hydrated_without_asking_again,
};

use cart::{
    a_declined_card_says_so_and_keeps_the_rest_of_the_form,
    buying_two_products_places_an_order_and_lowers_the_stock,
    with_cart_service_down_the_catalog_works_and_the_badge_has_no_count,
    without_the_cart_mfe_an_add_says_the_cart_is_unavailable,
};

type Scenario = for<'a> fn(&'a Shop) -> Pin<Box<dyn Future<Output = Result<()>> + 'a>>;

macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        vec![$((stringify!($name), (|shop| Box::pin($name(shop))) as Scenario)),*]
    };
}

fn main() {
    let arguments = Arguments::from_args();
    let shop = match Shop::start() {
        Ok(shop) => Arc::new(shop),
        Err(error) => {
            eprintln!("could not start the shop for browser tests: {error:#}");
            std::process::exit(1);
        }
    };
    let trials = scenarios![
        home_page_shows_product_cards,
        a_search_narrows_the_products,
        a_category_link_filters_the_listing,
        clicking_a_card_opens_its_detail_and_reloading_it_works,
        back_and_forward_move_between_listing_and_detail,
        add_to_cart_sends_the_product_and_quantity_to_the_cart,
        an_out_of_stock_product_cannot_be_added,
        both_header_fragments_mount,
        signing_up_greets_the_shopper_and_account_pages_need_a_session,
        a_guest_cart_joins_the_account_and_the_order_shows_in_the_account,
        buying_two_products_places_an_order_and_lowers_the_stock,
        a_declined_card_says_so_and_keeps_the_rest_of_the_form,
        with_cart_service_down_the_catalog_works_and_the_badge_has_no_count,
        without_the_cart_mfe_an_add_says_the_cart_is_unavailable,
        a_missing_catalog_bundle_shows_the_fallback_while_the_header_renders,
        a_crashing_or_failing_mfe_is_replaced_by_its_fallback,
        an_unavailable_catalog_api_shows_the_error_state_with_retry,
        an_unknown_page_says_so_inside_the_shell,
        the_shop_is_usable_on_a_phone,
        the_gateway_serves_pages_assets_and_apis_with_the_right_headers,
        server_side_includes_run_only_in_the_shell,
        the_first_listing_is_requested_once_before_the_app_is_ready,
        a_new_catalog_version_goes_live_and_back_without_a_restart,
        the_catalog_works_as_html_without_javascript,
        the_first_view_is_hydrated_without_asking_again,
        a_down_or_slow_catalog_bff_leaves_the_page_to_the_browser,
        the_cart_and_its_badge_are_rendered_for_their_shopper,
        header_fragments_come_alive_when_wanted,
        a_deploy_and_a_rollback_change_what_is_rendered_and_hydrated_together,
    ]
    .into_iter()
    .map(|(name, scenario)| {
        let shop = shop.clone();
        Trial::test(name, move || {
            shop.block_on(scenario(&shop))
                .map_err(|error| format!("{error:#}").into())
        })
    })
    .collect();
    let conclusion = libtest_mimic::run(&arguments, trials);
    // Stop nginx, chromedriver and the servers (by PID) before exiting.
    drop(shop);
    conclusion.exit();
}

/// The listing the page should show for `query`, straight from the API through nginx.
async fn listing(shop: &Shop, query: &str) -> Result<ListingPage> {
    Ok(serde_json::from_value(
        shop.api(&format!("/api/catalog/products{query}")).await?,
    )?)
}

/// Waits until the product cards on the page are exactly `expected`'s, in order.
async fn wait_for_cards(browser: &Browser, expected: &ListingPage) -> Result<()> {
    let names: Vec<String> = expected.products.iter().map(|p| p.name.clone()).collect();
    browser
        .wait_until(
            &format!(
                "the page shows {} cards, starting with {:?}",
                names.len(),
                names.first()
            ),
            || async {
                Ok(browser
                    .texts("li.product-card:not(.skeleton) .product-name")
                    .await?
                    == names)
            },
        )
        .await
}

async fn home_page_shows_product_cards(shop: &Shop) -> Result<()> {
    let browser = shop.browser().await?;
    browser.open(&shop.url).await?;
    wait_for_cards(&browser, &listing(shop, "").await?).await?;
    let card = browser.wait_for("li.product-card").await?;
    let image = card.find(Locator::Css("img")).await?;
    ensure!(
        !image.attr("alt").await?.unwrap_or_default().is_empty(),
        "card image has no alt text"
    );
    ensure!(card
        .find(Locator::Css(".price"))
        .await?
        .text()
        .await?
        .starts_with('€'));
    ensure!(browser.wait_for(".brand").await?.is_displayed().await?);
    browser.screenshot("home").await?;
    browser.close().await
}

async fn a_search_narrows_the_products(shop: &Shop) -> Result<()> {
    let browser = shop.browser().await?;
    browser.open(&format!("{}/products", shop.url)).await?;
    let everything = listing(shop, "").await?;
    wait_for_cards(&browser, &everything).await?;

    let search = browser.wait_for("form.search input[name=q]").await?;
    search.send_keys("walnut\n").await?;
    let found = listing(shop, "?q=walnut").await?;
    ensure!(
        found.paging.total_items > 0 && found.paging.total_items < everything.paging.total_items
    );
    wait_for_cards(&browser, &found).await?;
    ensure!(
        browser.location().await? == "/products?q=walnut",
        "URL is {}",
        browser.location().await?
    );
    let summary = browser.wait_for(".result-count").await?.text().await?;
    ensure!(
        summary.contains(&found.paging.total_items.to_string()),
        "summary says {summary:?}"
    );
    browser.screenshot("search").await?;
    browser.close().await
}

async fn a_category_link_filters_the_listing(shop: &Shop) -> Result<()> {
    let browser = shop.browser().await?;
    browser.open(&format!("{}/products", shop.url)).await?;
    let link = browser
        .wait_for("nav.categories a[href='/products?category=books']")
        .await?;
    link.click().await?;
    let books = listing(shop, "?category=books").await?;
    wait_for_cards(&browser, &books).await?;
    ensure!(browser.location().await? == "/products?category=books");
    let current = browser
        .wait_for("nav.categories a[aria-current=page]")
        .await?;
    ensure!(
        current.text().await?.contains("Books"),
        "active category is {:?}",
        current.text().await?
    );
    browser.screenshot("category").await?;
    browser.close().await
}

async fn clicking_a_card_opens_its_detail_and_reloading_it_works(shop: &Shop) -> Result<()> {
    let browser = shop.browser().await?;
    browser
        .open(&format!("{}/products?sort=name", shop.url))
        .await?;
    let first = listing(shop, "?sort=name").await?.products.remove(0);
    wait_for_cards(&browser, &listing(shop, "?sort=name").await?).await?;
    browser
        .wait_for("li.product-card a.product-link")
        .await?
        .click()
        .await?;

    let heading = browser.wait_for("article.product-detail h1").await?;
    ensure!(
        heading.text().await? == first.name,
        "detail shows {:?}",
        heading.text().await?
    );
    ensure!(browser.location().await? == format!("/products/{}", first.slug));
    browser.client().refresh().await?;
    let heading = browser.wait_for("article.product-detail h1").await?;
    ensure!(
        heading.text().await? == first.name,
        "after reload: {:?}",
        heading.text().await?
    );
    let price = browser
        .wait_for("article.product-detail .price")
        .await?
        .text()
        .await?;
    ensure!(
        price == first.price,
        "price {price:?}, expected {:?}",
        first.price
    );
    browser.screenshot("product").await?;
    browser.close().await
}

async fn back_and_forward_move_between_listing_and_detail(shop: &Shop) -> Result<()> {
    let browser = shop.browser().await?;
    browser
        .open(&format!("{}/products?category=audio", shop.url))
        .await?;
    let audio = listing(shop, "?category=audio").await?;
    wait_for_cards(&browser, &audio).await?;
    browser
        .wait_for("li.product-card a.product-link")
        .await?
        .click()
        .await?;
    browser.wait_for("article.product-detail h1").await?;

    browser.client().back().await?;
    wait_for_cards(&browser, &audio).await?;
    ensure!(browser.location().await? == "/products?category=audio");
    browser.client().forward().await?;
    let heading = browser.wait_for("article.product-detail h1").await?;
    ensure!(heading.text().await? == audio.products[0].name);
    browser.close().await
}

/// A product whose picker offers at least `quantity`.
async fn product_with_stock(shop: &Shop, quantity: u32) -> Result<ProductDetail> {
    for card in listing(shop, "?in_stock=true&sort=price_desc")
        .await?
        .products
    {
        let detail: ProductDetail =
            serde_json::from_value(shop.api(&catalog_api::product_url(&card.slug)).await?)?;
        if detail.max_quantity >= quantity {
            return Ok(detail);
        }
    }
    anyhow::bail!("no product with {quantity} or more in stock")
}

async fn add_to_cart_sends_the_product_and_quantity_to_the_cart(shop: &Shop) -> Result<()> {
    let product = product_with_stock(shop, 3).await?;

    let browser = shop.browser().await?;
    browser
        .open(&format!("{}/products/{}", shop.url, product.slug))
        .await?;
    browser.wait_for("article.product-detail h1").await?;
    browser
        .client()
        .execute(
            "window.__sent = []; window.addEventListener('catalog:add-to-cart', e => window.__sent.push(e.detail));",
            vec![],
        )
        .await?;
    browser
        .wait_for("select[name=quantity]")
        .await?
        .select_by_value("3")
        .await?;
    browser
        .wait_for("button.add-to-cart")
        .await?
        .click()
        .await?;

    // Sent once the cart listens (its badge, rendered on the server, comes alive for it).
    browser
        .wait_until("the page sends the add", || async {
            Ok(browser
                .client()
                .execute("return window.__sent.length > 0;", vec![])
                .await?
                == true)
        })
        .await?;
    let sent = browser
        .client()
        .execute("return window.__sent;", vec![])
        .await?;
    ensure!(
        sent == serde_json::json!([{ "productId": product.id, "quantity": 3 }]),
        "the event carried {sent}"
    );
    // The cart MFE's badge handles it: the page confirms, the badge counts, and the
    // confirmation stays (the "no answer" timer was cancelled by the answer).
    let status = browser.wait_for(".add-to-cart-status").await?;
    browser
        .wait_until("the shopper is told the product was added", || async {
            Ok(status.text().await? == "Added to your cart.")
        })
        .await?;
    cart::wait_for_badge(&browser, 3).await?;
    browser.screenshot("add-to-cart").await?;
    tokio::time::sleep(std::time::Duration::from_secs(9)).await;
    let text = status.text().await?;
    ensure!(
        text == "Added to your cart.",
        "later the status says {text:?}"
    );
    browser.close().await
}

async fn an_out_of_stock_product_cannot_be_added(shop: &Shop) -> Result<()> {
    let everything = listing(shop, "").await?.paging.total_items;
    let in_stock = listing(shop, "?in_stock=true").await?.paging.total_items;
    ensure!(everything > in_stock, "the seed has sold-out products");
    let mut sold_out = None;
    for page in 1..=3 {
        let cards = listing(shop, &format!("?page={page}")).await?.products;
        sold_out = cards.into_iter().find(|c| c.stock.label == "Out of stock");
        if sold_out.is_some() {
            break;
        }
    }
    let sold_out = sold_out.context("no sold-out product found")?;
    let browser = shop.browser().await?;
    browser
        .open(&format!("{}/products/{}", shop.url, sold_out.slug))
        .await?;
    let button = browser.wait_for("button.add-to-cart").await?;
    ensure!(
        !button.is_enabled().await?,
        "the add-to-cart button must be disabled"
    );
    ensure!(browser.wait_for(".stock-badge").await?.text().await? == "Out of stock");
    browser.close().await
}

async fn both_header_fragments_mount(shop: &Shop) -> Result<()> {
    let browser = shop.browser().await?;
    browser.open(&shop.url).await?;
    let cart = browser
        .wait_for("[data-slot=cart-badge] .cart-badge a")
        .await?;
    ensure!(cart.text().await?.contains("Cart"));
    ensure!(cart.attr("href").await?.as_deref() == Some("/cart"));
    cart::wait_for_badge(&browser, 0).await?;
    // A guest is offered to sign in, and comes back here afterwards.
    account::wait_for_menu(&browser, "Sign in").await?;
    let sign_in = browser
        .wait_for("[data-slot=account-menu] a.menu-link")
        .await?;
    ensure!(
        sign_in.attr("href").await?.as_deref()
            == Some(account_api::sign_in_page_returning_to("/").as_str()),
        "the sign-in link goes to {:?}",
        sign_in.attr("href").await?
    );
    // ... and the rest of the page works.
    browser.wait_for("li.product-card:not(.skeleton)").await?;
    browser.close().await
}

async fn a_missing_catalog_bundle_shows_the_fallback_while_the_header_renders(
    shop: &Shop,
) -> Result<()> {
    let delete_bundle = |site: &xtask::site::Site| {
        let mut manifest = site.manifest()?;
        let catalog = manifest
            .mfes
            .get_mut("catalog")
            .context("catalog not published")?;
        catalog.version = "deleted-version".into();
        site.write_manifest(&manifest)
    };
    // A page rendered on the server stays as it came: it works as HTML.
    let (rendered, _) = shop.gateway("missing-bundle-rendered", delete_bundle, None)?;
    let browser = shop.browser().await?;
    browser.open(&format!("{rendered}/products")).await?;
    wait_for_cards(&browser, &listing(shop, "").await?).await?;
    browser.wait_for_slot("main", "server-rendered").await?;
    browser.close().await?;

    // A page drawn in the browser gets the designed fallback.
    let (broken, _) = shop.gateway(
        "missing-bundle",
        |site| {
            without_server_rendering(site)?;
            delete_bundle(site)
        },
        None,
    )?;
    let browser = shop.browser().await?;
    browser.open(&format!("{broken}/products")).await?;
    let fallback = browser.wait_for("[data-slot=main] .main-fallback").await?;
    let text = fallback.text().await?;
    ensure!(
        text.contains("The catalog is unavailable"),
        "fallback says {text:?}"
    );
    ensure!(browser.wait_for(".brand").await?.is_displayed().await?);
    ensure!(browser
        .texts(".site-nav a")
        .await?
        .contains(&"Shop all".to_owned()));
    browser
        .wait_for("[data-slot=cart-badge] .cart-badge")
        .await?;
    browser.screenshot("catalog-bundle-missing").await?;
    browser.close().await
}

async fn a_crashing_or_failing_mfe_is_replaced_by_its_fallback(shop: &Shop) -> Result<()> {
    // Stand-ins for a cart that panics after mounting (it reports through onCrash, as
    // mfe-kit's panic hook does; it notes the fragment it was asked for and whether it was
    // unmounted) and an account MFE whose mount throws.
    let (faulty, _) = shop.gateway(
        "faulty-mfes",
        |site| {
            write(site, "mfe/cart/v1/cart.js", "export default async function init() {}\n\
                export function mount(el, props) { window.__cart = { fragment: props.fragment, unmounted: false }; el.textContent = 'Cart (3)'; setTimeout(() => props.onCrash('simulated panic'), 300); }\n\
                export function unmount(el) { window.__cart.unmounted = true; }\n")?;
            write(site, "mfe/account/v1/account.js", "export default async function init() {}\nexport function mount() { throw new Error('simulated failure'); }\n")?;
            let mut manifest = site.manifest()?;
            for name in ["cart", "account"] {
                let mut entry = manifest.mfes["catalog"].clone();
                entry.version = "v1".into();
                entry.descriptor.js = format!("{name}.js");
                entry.descriptor.css.clear();
                entry.descriptor.prefetch.clear();
                manifest.mfes.insert(name.into(), entry);
            }
            site.write_manifest(&manifest)
        },
        None,
    )?;
    let browser = shop.browser().await?;
    browser.open(&faulty).await?;
    // The header came rendered: its MFEs load on the shopper's first interaction.
    browser.wait_for_slot("main", "mounted").await?;
    browser
        .wait_for("footer.site-footer p")
        .await?
        .click()
        .await?;
    browser
        .wait_until("the crashed cart badge shows its fallback", || async {
            Ok(browser
                .texts("[data-slot=cart-badge] .slot-fallback")
                .await?
                .len()
                == 1)
        })
        .await?;
    browser
        .wait_for("[data-slot=account-menu] .slot-fallback")
        .await?;
    browser.wait_for("li.product-card:not(.skeleton)").await?;

    // The shell told the cart which fragment to draw, took the slot back before showing
    // the fallback, and loaded the header bundles only once the main slot was mounted (and
    // the page was touched).
    let seen = browser
        .client()
        .execute(
            "const cart = performance.getEntriesByType('resource').find(r => r.name.endsWith('/mfe/cart/v1/cart.js'));\n\
             const mounted = performance.getEntriesByName('mfe:catalog:mounted')[0];\n\
             return { cart: window.__cart, cartRequested: cart ? cart.startTime : null, mainMounted: mounted ? mounted.startTime : null };",
            vec![],
        )
        .await?;
    ensure!(
        seen["cart"] == serde_json::json!({ "fragment": "badge", "unmounted": true }),
        "the cart stand-in saw {seen}"
    );
    let requested = seen["cartRequested"]
        .as_f64()
        .context("the cart bundle was not loaded")?;
    let mounted = seen["mainMounted"]
        .as_f64()
        .context("no mfe:catalog:mounted mark")?;
    ensure!(
        requested >= mounted,
        "the header bundle ({requested} ms) was requested before the main slot mounted ({mounted} ms)"
    );
    browser.close().await
}

async fn an_unavailable_catalog_api_shows_the_error_state_with_retry(shop: &Shop) -> Result<()> {
    // A BFF address where nothing listens (a port that was just free).
    let dead_port = xtask::process::free_port()?;
    let mut bffs = shop.bffs();
    bffs.insert("catalog".into(), format!("127.0.0.1:{dead_port}"));
    let (no_bff, _) = shop.gateway("no-bff", |_| Ok(()), Some(bffs))?;
    let answer = reqwest::get(format!("{no_bff}/api/catalog/products")).await?;
    ensure!(answer.status() == 503);
    let body: serde_json::Value = answer.json().await?;
    ensure!(
        body["error"]["code"] == "catalog_unavailable",
        "nginx answered {body}"
    );

    let browser = shop.browser().await?;
    browser.open(&no_bff).await?;
    let error = browser.wait_for(".error-state").await?;
    ensure!(
        error.text().await?.contains("The catalog is unavailable"),
        "{:?}",
        error.text().await?
    );
    ensure!(
        browser
            .wait_for(".error-state button.retry")
            .await?
            .is_enabled()
            .await?
    );
    ensure!(browser.wait_for(".brand").await?.is_displayed().await?);
    browser.screenshot("catalog-unavailable").await?;
    browser.close().await
}

async fn an_unknown_page_says_so_inside_the_shell(shop: &Shop) -> Result<()> {
    let answer = reqwest::get(format!("{}/gift-cards", shop.url)).await?;
    ensure!(answer.status() == 404, "status {}", answer.status());
    let browser = shop.browser().await?;
    browser.open(&format!("{}/gift-cards", shop.url)).await?;
    let fallback = browser.wait_for("[data-slot=main] .main-fallback").await?;
    ensure!(fallback.text().await?.contains("Page not found"));
    ensure!(browser.wait_for(".brand").await?.is_displayed().await?);
    browser.close().await
}

async fn the_shop_is_usable_on_a_phone(shop: &Shop) -> Result<()> {
    let phone = shop.phone().await?;
    phone.open(&shop.url).await?;
    wait_for_cards(&phone, &listing(shop, "").await?).await?;
    let width = phone.page_width().await?;
    phone.screenshot("home-phone").await?;
    ensure!(
        width <= 390,
        "the page scrolls sideways on a phone ({width}px wide)"
    );
    phone
        .wait_for("li.product-card a.product-link")
        .await?
        .click()
        .await?;
    phone.wait_for("article.product-detail h1").await?;
    phone.screenshot("product-phone").await?;
    phone.close().await
}

async fn the_gateway_serves_pages_assets_and_apis_with_the_right_headers(
    shop: &Shop,
) -> Result<()> {
    let client = reqwest::Client::new();
    let header = |response: &reqwest::Response, name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };

    // A deep link is the shell, with the live manifest inlined and a strict policy.
    let page = client
        .get(format!("{}/products/some-product", shop.url))
        .send()
        .await?;
    ensure!(page.status() == 200);
    let csp = header(&page, "content-security-policy");
    ensure!(
        csp.contains("'wasm-unsafe-eval'") && !csp.contains("unsafe-inline"),
        "CSP: {csp}"
    );
    ensure!(csp.contains("frame-ancestors 'none'"), "CSP: {csp}");
    ensure!(header(&page, "x-content-type-options") == "nosniff");
    ensure!(header(&page, "cache-control") == "no-cache");
    let html = page.text().await?;
    let manifest = html
        .split("<script type=\"application/json\" id=\"mfe-manifest\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .context("no inline manifest")?;
    let manifest: serde_json::Value = serde_json::from_str(manifest)?;
    let version = manifest["mfes"]["catalog"]["version"]
        .as_str()
        .context("no catalog version")?;

    // The manifest is never cached; a versioned bundle is cached for good, pre-compressed.
    let live = client
        .get(format!("{}/mfe/manifest.json", shop.url))
        .send()
        .await?;
    ensure!(header(&live, "cache-control") == "no-cache");
    let wasm = client
        .get(format!(
            "{}/mfe/catalog/{version}/catalog-mfe_bg.wasm",
            shop.url
        ))
        .header("accept-encoding", "br, gzip")
        .send()
        .await?;
    ensure!(wasm.status() == 200);
    ensure!(header(&wasm, "content-type") == "application/wasm");
    ensure!(
        header(&wasm, "content-encoding") == "br",
        "encoding {:?}",
        header(&wasm, "content-encoding")
    );
    ensure!(header(&wasm, "cache-control").contains("max-age=315360000"));

    // Unknown APIs are JSON, never the shell.
    let unknown = client
        .get(format!("{}/api/orders", shop.url))
        .send()
        .await?;
    ensure!(unknown.status() == 404);
    ensure!(header(&unknown, "content-type").starts_with("application/json"));
    let body: serde_json::Value = unknown.json().await?;
    ensure!(body["error"]["code"] == "not_found");

    // Every kind of answer carries the security headers (one snippet, in every location).
    for path in [
        "/".to_owned(),
        "/cart".to_owned(),
        "/gift-cards".to_owned(),
        "/shell/loader.js".to_owned(),
        "/mfe/manifest.json".to_owned(),
        format!("/mfe/catalog/{version}/catalog-mfe_bg.wasm"),
        "/api/catalog/products?per_page=x".to_owned(),
        "/api/catalog/products".to_owned(),
        "/api/orders".to_owned(),
        "/favicon.ico".to_owned(),
    ] {
        let response = client.get(format!("{}{path}", shop.url)).send().await?;
        for name in [
            "content-security-policy",
            "x-content-type-options",
            "x-frame-options",
            "referrer-policy",
        ] {
            ensure!(
                !header(&response, name).is_empty(),
                "{path} ({}) has no {name}",
                response.status()
            );
        }
    }

    // nginx passes the Host with its port, so a BFF can tell a same-origin write (which
    // gets past the CSRF guard: the catalog has no writes, so 405) from a forged one (403).
    for (origin, expected) in [
        (shop.url.clone(), 405),
        ("http://evil.example".to_owned(), 403),
    ] {
        let write = client
            .post(format!("{}/api/catalog/products", shop.url))
            .header("x-csrf", "1")
            .header("origin", &origin)
            .json(&serde_json::json!({}))
            .send()
            .await?;
        ensure!(
            write.status() == expected,
            "a write from {origin} got {}",
            write.status()
        );
    }

    // nginx gives every request its own id (a client's is not trusted) and the BFF answers
    // with the id it received (and logs it, and passes it on). Were nginx not to set it,
    // the BFF would answer the client's.
    let api = client
        .get(format!("{}/api/catalog/products", shop.url))
        .header("x-request-id", "chosen-by-the-client")
        .send()
        .await?;
    let id = header(&api, "x-request-id");
    ensure!(
        id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()),
        "request id {id:?}"
    );
    Ok(())
}

async fn server_side_includes_run_only_in_the_shell(shop: &Shop) -> Result<()> {
    const PROBE: &str = "<!--# echo var=\"host\" -->";
    let (url, _) = shop.gateway(
        "ssi-probe",
        |site| {
            write(site, "shell/probe.html", PROBE)?;
            write(site, "mfe/catalog/probe.html", PROBE)
        },
        None,
    )?;
    for path in ["/shell/probe.html", "/mfe/catalog/probe.html"] {
        let body = reqwest::get(format!("{url}{path}")).await?.text().await?;
        ensure!(body == PROBE, "{path} was processed by SSI: {body:?}");
    }
    let page = reqwest::get(format!("{url}/products"))
        .await?
        .text()
        .await?;
    ensure!(
        !page.contains("<!--# "),
        "the shell's includes were not processed"
    );
    ensure!(
        page.contains("data-slot=\"cart-badge\""),
        "the header slots are included"
    );
    Ok(())
}

/// Makes `site`'s shell include no server-rendered fragment: every slot is drawn in the
/// browser, as when the BFFs do not answer in time.
fn without_server_rendering(site: &xtask::site::Site) -> Result<()> {
    for file in ["index.html", "shell/header-slots.html"] {
        let path = site.root().join(file);
        let html = std::fs::read_to_string(&path)?;
        ensure!(
            html.contains("virtual=\"/_fragments/"),
            "{file} includes no fragment"
        );
        // To a location that answers nothing: an include of an unknown page would include
        // the shell (nginx's 404 page) into itself.
        std::fs::write(
            &path,
            html.replace("virtual=\"/_fragments/", "virtual=\"/_fragments/off/"),
        )?;
    }
    Ok(())
}

/// When the page was not rendered on the server (its BFF was slow, say), the shell asks for
/// its first data while the wasm loads.
async fn the_first_listing_is_requested_once_before_the_app_is_ready(shop: &Shop) -> Result<()> {
    let (url, _) = shop.gateway("client-rendered", without_server_rendering, None)?;
    let browser = shop.browser().await?;
    browser
        .open(&format!("{url}/products?category=books"))
        .await?;
    wait_for_cards(&browser, &listing(shop, "?category=books").await?).await?;
    let timings = browser
        .client()
        .execute(
            "const all = performance.getEntriesByType('resource');\n\
             const api = all.filter(r => r.name.includes('/api/catalog/products'));\n\
             const ready = performance.getEntriesByName('mfe:catalog:ready')[0];\n\
             return { requests: api.length, started: api.length ? api[0].startTime : null, ready: ready ? ready.startTime : null };",
            vec![],
        )
        .await?;
    ensure!(
        timings["requests"] == 1,
        "the listing was requested {} times",
        timings["requests"]
    );
    let started = timings["started"].as_f64().context("no listing request")?;
    // The shell asked for it before the catalog's wasm was even running; the app used that
    // answer instead of asking again.
    let ready = timings["ready"]
        .as_f64()
        .context("no mfe:catalog:ready mark")?;
    ensure!(
        started < ready,
        "the listing ({started} ms) waited for the app ({ready} ms)"
    );
    browser.close().await
}

/// The catalog version the page in `browser` loaded (from its wasm's URL).
async fn loaded_catalog_version(browser: &Browser) -> Result<String> {
    let wasm = browser
        .client()
        .execute(
            "const r = performance.getEntriesByType('resource').find(r => r.name.endsWith('.wasm'));\n\
             return r ? r.name : null;",
            vec![],
        )
        .await?;
    let url = wasm.as_str().context("the page loaded no wasm")?;
    let version = url
        .split("/mfe/catalog/")
        .nth(1)
        .and_then(|rest| rest.split('/').next());
    Ok(version.context("not a catalog bundle")?.to_owned())
}

async fn a_new_catalog_version_goes_live_and_back_without_a_restart(shop: &Shop) -> Result<()> {
    let (url, site) = shop.gateway("redeploy", |_| Ok(()), None)?;
    let everything = listing(shop, "").await?;
    let browser = shop.browser().await?;
    browser.open(&url).await?;
    wait_for_cards(&browser, &everything).await?;
    let first = loaded_catalog_version(&browser).await?;

    // A new build of the catalog (here: one changed stylesheet), published while nginx runs.
    let build =
        std::env::temp_dir().join(format!("storefront-e2e-redeploy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&build);
    std::fs::create_dir_all(&build)?;
    for entry in std::fs::read_dir(xtask::mfe::build_dir("catalog"))? {
        let entry = entry?;
        std::fs::copy(entry.path(), build.join(entry.file_name()))?;
    }
    let css = build.join("catalog.css");
    let restyled = std::fs::read_to_string(&css)? + "\n/* redeployed */\n";
    std::fs::write(&css, restyled)?;
    let second = site.publish("catalog", &build, xtask::site::Descriptor::read("catalog")?)?;
    std::fs::remove_dir_all(&build)?;
    ensure!(second != first, "a changed build is a new version");

    browser.client().refresh().await?;
    wait_for_cards(&browser, &everything).await?;
    ensure!(
        loaded_catalog_version(&browser).await? == second,
        "the next page load uses the new version"
    );
    // Pages still open on the old version keep working: its files stay.
    let old = reqwest::get(format!("{url}/mfe/catalog/{first}/catalog-mfe_bg.wasm")).await?;
    ensure!(
        old.status() == 200,
        "the old version is gone ({})",
        old.status()
    );

    ensure!(site.rollback("catalog")? == first);
    browser.client().refresh().await?;
    wait_for_cards(&browser, &everything).await?;
    ensure!(
        loaded_catalog_version(&browser).await? == first,
        "rollback brings the old version back"
    );
    browser.close().await
}
