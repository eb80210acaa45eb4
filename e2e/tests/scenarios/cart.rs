//! The cart slice as a shopper uses it: the badge, the cart page, checkout and the order
//! confirmation, through nginx, with every request going MFE → cart-bff → cart-service
//! (→ catalog-service).

use anyhow::{ensure, Context, Result};
use catalog_api::ProductDetail;
use e2e::{Browser, Shop};

/// A product with at least `quantity` in stock and, when `low` is set, an "Only N left"
/// badge (so a purchase shows on its page), other than `except`.
pub async fn in_stock(
    shop: &Shop,
    quantity: u32,
    low: bool,
    except: &[i64],
) -> Result<ProductDetail> {
    for page in 1..=5 {
        let listing: catalog_api::ListingPage = serde_json::from_value(
            shop.api(&format!("/api/catalog/products?in_stock=true&page={page}"))
                .await?,
        )?;
        for card in listing.products {
            if except.contains(&card.id) || (low && !card.stock.label.starts_with("Only")) {
                continue;
            }
            let detail: ProductDetail =
                serde_json::from_value(shop.api(&catalog_api::product_url(&card.slug)).await?)?;
            if detail.max_quantity >= quantity {
                return Ok(detail);
            }
        }
    }
    anyhow::bail!("no product with {quantity} or more in stock (low stock: {low})")
}

/// The number the header's badge shows, once it shows one.
pub async fn badge_count(browser: &Browser) -> Result<String> {
    Ok(browser
        .wait_for(".cart-badge .badge-count")
        .await?
        .text()
        .await?
        .split(',')
        .next_back()
        .unwrap_or_default()
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned())
}

/// Waits until the badge says `count` items (0: no number, "empty" for screen readers).
pub async fn wait_for_badge(browser: &Browser, count: u32) -> Result<()> {
    browser
        .wait_until(&format!("the badge shows {count}"), || async {
            let link = browser.wait_for(".cart-badge .badge-link").await?;
            let text = link.text().await?;
            Ok(if count == 0 {
                browser.texts(".cart-badge .badge-count").await?.is_empty()
                    && link.html(false).await?.contains("empty")
            } else {
                badge_count(browser).await? == count.to_string() && !text.is_empty()
            })
        })
        .await
}

/// Opens `product`'s page, picks `quantity` and adds it; waits for the confirmation.
pub async fn add_from_product_page(
    shop: &Shop,
    browser: &Browser,
    product: &ProductDetail,
    quantity: u32,
) -> Result<()> {
    browser
        .open(&format!("{}/products/{}", shop.url, product.slug))
        .await?;
    browser.wait_for("article.product-detail h1").await?;
    browser
        .wait_for("select[name=quantity]")
        .await?
        .select_by_value(&quantity.to_string())
        .await?;
    browser
        .wait_for("button.add-to-cart")
        .await?
        .click()
        .await?;
    let status = browser.wait_for(".add-to-cart-status").await?;
    browser
        .wait_until("the product page confirms the add", || async {
            Ok(status.text().await? == "Added to your cart.")
        })
        .await
}

/// Types `fields` (`name` → value) into the checkout form, over what they held.
async fn type_into_checkout(browser: &Browser, fields: &[(&str, &str)]) -> Result<()> {
    for (field, value) in fields {
        let input = browser.wait_for(&format!("#checkout-{field}")).await?;
        input.clear().await?;
        input.send_keys(value).await?;
    }
    Ok(())
}

/// Types the card: `card`, a future expiry and a CVC.
pub async fn type_card(browser: &Browser, card: &str) -> Result<()> {
    type_into_checkout(
        browser,
        &[
            ("card_number", card),
            ("card_expiry", "12/30"),
            ("card_cvc", "123"),
        ],
    )
    .await
}

/// Types a complete checkout form with `card`.
pub async fn fill_checkout(browser: &Browser, card: &str) -> Result<()> {
    type_into_checkout(
        browser,
        &[
            ("name", "Ada Lovelace"),
            ("address_line1", "Hauptstraße 1"),
            ("postal_code", "10115"),
            ("city", "Berlin"),
        ],
    )
    .await?;
    type_card(browser, card).await?;
    browser
        .wait_for("#checkout-country")
        .await?
        .select_by_value("DE")
        .await?;
    Ok(())
}

/// The stock badge's text on `product`'s page.
async fn stock_on_page(shop: &Shop, browser: &Browser, slug: &str) -> Result<String> {
    browser
        .open(&format!("{}/products/{slug}", shop.url))
        .await?;
    browser.text_of(".stock-badge").await
}

pub async fn buying_two_products_places_an_order_and_lowers_the_stock(shop: &Shop) -> Result<()> {
    let scarce = in_stock(shop, 2, true, &[]).await?;
    let plenty = in_stock(shop, 2, false, &[scarce.id]).await?;
    let browser = shop.browser().await?;
    let before = stock_on_page(shop, &browser, &scarce.slug).await?;
    let left: u32 = before
        .trim_start_matches("Only ")
        .trim_end_matches(" left")
        .parse()
        .with_context(|| format!("stock badge {before:?}"))?;

    // Two products from their pages; the badge counts them, and a reload keeps them.
    add_from_product_page(shop, &browser, &scarce, 1).await?;
    wait_for_badge(&browser, 1).await?;
    add_from_product_page(shop, &browser, &plenty, 2).await?;
    wait_for_badge(&browser, 3).await?;
    browser.client().refresh().await?;
    wait_for_badge(&browser, 3).await?;

    // The cart page: both lines; one quantity changed; a reload keeps the change.
    browser.open(&format!("{}/cart", shop.url)).await?;
    browser
        .wait_until("the cart shows both lines", || async {
            Ok(browser.texts(".cart-line .line-name").await?.len() == 2)
        })
        .await?;
    let names = browser.texts(".cart-line .line-name").await?;
    ensure!(
        names.contains(&scarce.name) && names.contains(&plenty.name),
        "lines {names:?}"
    );
    browser.screenshot("cart-page").await?;
    browser
        .wait_for(&format!("#cart-quantity-{}", plenty.id))
        .await?
        .select_by_value("1")
        .await?;
    wait_for_badge(&browser, 2).await?;
    browser.client().refresh().await?;
    browser
        .wait_until("the changed quantity is kept", || async {
            let picker = browser
                .wait_for(&format!("#cart-quantity-{}", plenty.id))
                .await?;
            Ok(picker.prop("value").await?.as_deref() == Some("1"))
        })
        .await?;

    // Checkout, with a reload on the way.
    browser.wait_for("a.checkout-button").await?.click().await?;
    browser.wait_for("form.checkout-form").await?;
    browser.client().refresh().await?;
    browser.wait_for(".checkout .summary-lines").await?;
    fill_checkout(&browser, cart_api::ACCEPTED_TEST_CARD).await?;
    browser.screenshot("checkout").await?;
    browser
        .wait_for("button.place-order")
        .await?
        .click()
        .await?;

    // The confirmation, also after a reload.
    let confirmed = browser
        .wait_until("the confirmation page is shown", || async {
            Ok(browser
                .location()
                .await?
                .starts_with("/checkout/confirmation/"))
        })
        .await;
    if confirmed.is_err() {
        browser.screenshot("checkout-not-confirmed").await?;
    }
    confirmed?;
    let heading = browser.text_of("#confirmation-title").await?;
    ensure!(heading.starts_with("Thank you!"), "heading {heading:?}");
    ensure!(browser.texts(".order-lines li").await?.len() == 2);
    browser.screenshot("order-confirmation").await?;
    browser.client().refresh().await?;
    let again = browser.text_of("#confirmation-title").await?;
    ensure!(again == heading, "after a reload: {again:?}");
    wait_for_badge(&browser, 0).await?;

    // The stock went down by what was bought.
    let after = stock_on_page(shop, &browser, &scarce.slug).await?;
    let expected = match left - 1 {
        0 => "Out of stock".to_owned(),
        n => format!("Only {n} left"),
    };
    ensure!(after == expected, "stock {before:?} → {after:?}");
    wait_for_badge(&browser, 0).await?;
    browser.close().await
}

pub async fn a_declined_card_says_so_and_keeps_the_rest_of_the_form(shop: &Shop) -> Result<()> {
    let product = in_stock(shop, 1, false, &[]).await?;
    let stock_before = product.stock.label.clone();
    // On a phone: the checkout must work at that size too.
    let phone = shop.phone().await?;
    add_from_product_page(shop, &phone, &product, 1).await?;
    phone.open(&format!("{}/checkout", shop.url)).await?;
    fill_checkout(&phone, cart_api::DECLINED_TEST_CARD).await?;
    phone.wait_for("button.place-order").await?.click().await?;

    let declined = phone
        .wait_until("the card number says it was declined", || async {
            let error = phone.wait_for("#checkout-card_number-error").await?;
            Ok(error.text().await?.to_lowercase().contains("declined"))
        })
        .await;
    if declined.is_err() {
        phone.screenshot("checkout-declined-not-said").await?;
    }
    declined?;
    let card = phone.wait_for("#checkout-card_number").await?;
    ensure!(
        card.prop("value").await?.unwrap_or_default().is_empty(),
        "the card number is cleared"
    );
    for (field, typed) in [
        ("name", "Ada Lovelace"),
        ("city", "Berlin"),
        ("card_expiry", "12/30"),
    ] {
        let value = phone
            .wait_for(&format!("#checkout-{field}"))
            .await?
            .prop("value")
            .await?;
        ensure!(value.as_deref() == Some(typed), "{field} kept {value:?}");
    }
    let width = phone.page_width().await?;
    phone.screenshot("checkout-declined-phone").await?;
    ensure!(
        width <= 390,
        "checkout scrolls sideways on a phone ({width}px)"
    );

    // Nothing was bought: the cart still holds the product, the stock is as it was.
    wait_for_badge(&phone, 1).await?;
    let detail: ProductDetail =
        serde_json::from_value(shop.api(&catalog_api::product_url(&product.slug)).await?)?;
    ensure!(
        detail.stock.label == stock_before,
        "stock {stock_before:?} → {:?}",
        detail.stock.label
    );
    phone.close().await
}

pub async fn with_cart_service_down_the_catalog_works_and_the_badge_has_no_count(
    shop: &Shop,
) -> Result<()> {
    // A cart-bff whose cart-service is gone (nothing listens where it calls).
    let dead = format!("http://127.0.0.1:{}", xtask::process::free_port()?);
    let bff = shop.lone_bff("cart", &dead)?;
    let mut bffs = shop.bffs();
    bffs.insert("cart".into(), bff);
    let (url, _) = shop.gateway("cart-service-down", |_| Ok(()), Some(bffs))?;
    let answer = reqwest::Client::new()
        .post(format!("{url}{}", cart_api::ITEMS_PATH))
        .header("X-CSRF", "1")
        .json(&cart_api::AddToCart {
            product_id: 1,
            quantity: 1,
        })
        .send()
        .await?;
    ensure!(answer.status() == 503, "status {}", answer.status());
    let body: serde_json::Value = answer.json().await?;
    ensure!(body["error"]["code"] == "cart_unavailable", "{body}");

    let product = in_stock(shop, 1, false, &[]).await?;
    let browser = shop.browser().await?;
    browser
        .open(&format!("{url}/products/{}", product.slug))
        .await?;
    browser.wait_for("article.product-detail h1").await?;
    // A shopper who has a cart (a new one, with no cookie, truly is empty): the badge must
    // ask cart-service for it, and cannot.
    // (Set from the page for the test; the shop's own cookie is HttpOnly.)
    browser
        .client()
        .execute(
            "document.cookie = 'cart_id=0123456789abcdef0123456789abcdef; path=/';",
            vec![],
        )
        .await?;
    browser.client().refresh().await?;
    browser.wait_for("article.product-detail h1").await?;
    let link = browser.wait_for(".cart-badge .badge-link").await?;
    ensure!(link.attr("href").await?.as_deref() == Some("/cart"));
    // An add is refused at once, in the cart's own words (the catalog's own "no answer"
    // sentence would end "try again later").
    browser
        .wait_for("button.add-to-cart")
        .await?
        .click()
        .await?;
    let status = browser.wait_for(".add-to-cart-status").await?;
    browser
        .wait_until("the product page says the cart is unavailable", || async {
            Ok(status.text().await?.contains(
                "isn't available right now, so nothing was added. Please try again in a moment",
            ))
        })
        .await?;
    // By now the badge has asked for the mini-cart and failed: it shows a plain link,
    // neither a count nor "empty" (it does not know).
    ensure!(browser.texts(".cart-badge .badge-count").await?.is_empty());
    let badge = link.html(false).await?;
    ensure!(
        !badge.contains("empty"),
        "the badge claims to know: {badge}"
    );
    browser.screenshot("cart-service-down").await?;
    // ... and the catalog itself works.
    browser.open(&url).await?;
    browser.wait_for("li.product-card:not(.skeleton)").await?;
    browser.close().await
}

pub async fn without_the_cart_mfe_an_add_says_the_cart_is_unavailable(shop: &Shop) -> Result<()> {
    let (url, _) = shop.gateway(
        "no-cart-mfe",
        |site| {
            // (A badge rendered on the server would stay, as a link to the cart.)
            crate::without_server_rendering(site)?;
            let mut manifest = site.manifest()?;
            manifest.mfes.remove("cart");
            site.write_manifest(&manifest)
        },
        None,
    )?;
    let product = in_stock(shop, 1, false, &[]).await?;
    let browser = shop.browser().await?;
    browser
        .open(&format!("{url}/products/{}", product.slug))
        .await?;
    browser
        .wait_for("[data-slot=cart-badge] .slot-fallback")
        .await?;
    browser
        .wait_for("button.add-to-cart")
        .await?
        .click()
        .await?;
    let status = browser.wait_for(".add-to-cart-status").await?;
    // Nobody answers: after the catalog's patience (8 s) it says so instead of pretending,
    // in its own words (the cart's refusal would end "in a moment").
    browser
        .wait_until("the shopper is told the cart is unavailable", || async {
            Ok(status
                .text()
                .await?
                .ends_with("nothing was added. Please try again later."))
        })
        .await?;
    browser.close().await
}
