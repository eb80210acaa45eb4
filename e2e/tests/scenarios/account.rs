//! The account slice as a shopper uses it, through nginx: signing up and in, the header's
//! menu, the guest cart joining the account, a checkout with a saved address chosen in the
//! account's picker nested in the cart's checkout page, and the cart's order fragments
//! nested in the account pages.

use crate::cart::{add_from_product_page, in_stock, type_card, wait_for_badge};
use anyhow::{ensure, Context, Result};
use e2e::{Browser, Shop};

/// A password good enough for the shop's rules.
const PASSWORD: &str = "a long enough passphrase";

/// An email nobody has used in this test run.
pub fn new_email(who: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{who}-{nanos:x}@example.com")
}

/// Types `value` into the form field called `name` (after clearing it).
async fn type_into(browser: &Browser, form: &str, name: &str, value: &str) -> Result<()> {
    let input = browser.wait_for(&format!("{form} [name={name}]")).await?;
    input.clear().await?;
    input.send_keys(value).await?;
    Ok(())
}

/// What the header's account menu says (its first name, "Sign in", or "Account").
pub async fn menu_text(browser: &Browser) -> Result<String> {
    let texts = browser
        .texts("[data-slot=account-menu] .account-menu .menu-text")
        .await?;
    Ok(texts.first().cloned().unwrap_or_default())
}

pub async fn wait_for_menu(browser: &Browser, text: &str) -> Result<()> {
    browser
        .wait_until(&format!("the account menu says {text:?}"), || async {
            Ok(menu_text(browser).await? == text)
        })
        .await
}

/// Signs up on the sign-up page and waits until the header greets the new shopper.
pub async fn sign_up(shop: &Shop, browser: &Browser, name: &str, email: &str) -> Result<()> {
    browser
        .open(&format!("{}{}", shop.url, account_api::SIGN_UP_PAGE))
        .await?;
    let form = "form.auth-form";
    type_into(browser, form, "name", name).await?;
    type_into(browser, form, "email", email).await?;
    type_into(browser, form, "password", PASSWORD).await?;
    browser
        .wait_for(&format!("{form} button[type=submit]"))
        .await?
        .click()
        .await?;
    wait_for_menu(browser, &account_api::first_name(name)).await
}

/// Signs in on the page the browser is on (a sign-in page) and waits to leave it.
async fn sign_in_here(browser: &Browser, email: &str) -> Result<()> {
    let form = "form.auth-form";
    type_into(browser, form, "email", email).await?;
    type_into(browser, form, "password", PASSWORD).await?;
    browser
        .wait_for(&format!("{form} button[type=submit]"))
        .await?
        .click()
        .await?;
    browser
        .wait_until("the sign-in page is left", || async {
            Ok(!browser
                .location()
                .await?
                .starts_with(account_api::SIGN_IN_PAGE))
        })
        .await
}

/// Signs out with the header's menu and waits until it offers to sign in.
async fn sign_out(browser: &Browser) -> Result<()> {
    browser
        .wait_for("[data-slot=account-menu] .menu-button")
        .await?
        .click()
        .await?;
    browser
        .wait_for("[data-slot=account-menu] .menu-sign-out")
        .await?
        .click()
        .await?;
    wait_for_menu(browser, "Sign in").await
}

pub async fn signing_up_greets_the_shopper_and_account_pages_need_a_session(
    shop: &Shop,
) -> Result<()> {
    let browser = shop.browser().await?;
    let email = new_email("grace");
    sign_up(shop, &browser, "Grace Hopper", &email).await?;
    // The profile page shows who is signed in, also after a reload.
    browser
        .open(&format!("{}{}", shop.url, account_api::ACCOUNT_PAGE))
        .await?;
    browser
        .wait_until("the profile shows the email", || async {
            Ok(browser.text_of("main").await?.contains(&email))
        })
        .await?;
    wait_for_menu(&browser, "Grace").await?;
    browser.screenshot("account-profile").await?;

    sign_out(&browser).await?;
    // Account pages now ask to sign in, and come back afterwards.
    browser
        .open(&format!("{}{}", shop.url, account_api::ORDERS_PAGE))
        .await?;
    browser
        .wait_until("the orders page sends the visitor to sign in", || async {
            Ok(browser.location().await?
                == account_api::sign_in_page_returning_to(account_api::ORDERS_PAGE))
        })
        .await?;
    sign_in_here(&browser, &email).await?;
    ensure!(
        browser.location().await? == account_api::ORDERS_PAGE,
        "after signing in the shopper is at {}",
        browser.location().await?
    );
    wait_for_menu(&browser, "Grace").await?;
    browser.close().await
}

/// Adds a saved address on the addresses page.
async fn save_address(shop: &Shop, browser: &Browser, name: &str) -> Result<()> {
    browser
        .open(&format!("{}{}", shop.url, account_api::ADDRESSES_PAGE))
        .await?;
    browser
        .wait_for("button.add-address, #add-address")
        .await?
        .click()
        .await?;
    let form = "form";
    type_into(browser, form, "name", name).await?;
    type_into(browser, form, "address_line1", "Rue de Rivoli 99").await?;
    type_into(browser, form, "postal_code", "75001").await?;
    type_into(browser, form, "city", "Paris").await?;
    browser
        .wait_for("form [name=country]")
        .await?
        .select_by_value("FR")
        .await?;
    browser
        .wait_for("form button[type=submit]")
        .await?
        .click()
        .await?;
    browser
        .wait_until("the saved address is listed", || async {
            Ok(browser.text_of("main").await?.contains("Rue de Rivoli 99")
                && browser.texts("form [name=address_line1]").await?.is_empty())
        })
        .await
}

pub async fn a_guest_cart_joins_the_account_and_the_order_shows_in_the_account(
    shop: &Shop,
) -> Result<()> {
    let browser = shop.browser().await?;
    let email = new_email("ada");
    sign_up(shop, &browser, "Ada Lovelace", &email).await?;
    save_address(shop, &browser, "Ada Lovelace").await?;
    let first = in_stock(shop, 3, false, &[]).await?;
    let second = in_stock(shop, 3, false, &[first.id]).await?;
    // Signed in: one unit in the user's cart.
    add_from_product_page(shop, &browser, &first, 1).await?;
    wait_for_badge(&browser, 1).await?;
    sign_out(&browser).await?;
    wait_for_badge(&browser, 0).await?;

    // As a guest, two more; then sign in from the menu, on the product page.
    add_from_product_page(shop, &browser, &second, 2).await?;
    wait_for_badge(&browser, 2).await?;
    browser
        .wait_for("[data-slot=account-menu] a.menu-link")
        .await?
        .click()
        .await?;
    sign_in_here(&browser, &email).await?;
    ensure!(
        browser.location().await? == catalog_api::product_page(&second.slug),
        "signing in returned to {}",
        browser.location().await?
    );
    // The guest's cart joined the user's: 1 + 2.
    wait_for_badge(&browser, 3).await?;
    browser
        .open(&format!("{}{}", shop.url, cart_api::CART_PAGE))
        .await?;
    browser
        .wait_until("the cart lists both products", || async {
            let text = browser.text_of("main").await?;
            Ok(text.contains(&first.name) && text.contains(&second.name))
        })
        .await?;

    // Checkout: the saved address is picked in the account's fragment, the form fills in.
    browser
        .open(&format!("{}{}", shop.url, cart_api::CHECKOUT_PAGE))
        .await?;
    browser
        .wait_for("[data-mfe=account][data-fragment=address-picker] input[type=radio]:checked")
        .await?;
    browser
        .wait_until("the picked address fills the form", || async {
            Ok(browser
                .wait_for("#checkout-address_line1")
                .await?
                .prop("value")
                .await?
                .as_deref()
                == Some("Rue de Rivoli 99"))
        })
        .await?;
    browser.screenshot("checkout-with-saved-address").await?;
    type_card(&browser, cart_api::ACCEPTED_TEST_CARD).await?;
    browser
        .wait_for("button.place-order")
        .await?
        .click()
        .await?;
    browser
        .wait_until("the order is confirmed", || async {
            Ok(browser
                .location()
                .await?
                .starts_with(cart_api::CONFIRMATION_PAGES))
        })
        .await?;
    let location = browser.location().await?;
    let order_id = location
        .strip_prefix(cart_api::CONFIRMATION_PAGES)
        .context("no order id")?
        .to_owned();
    wait_for_badge(&browser, 0).await?;

    // The order is in the account: the cart's fragments nested in the account's pages.
    browser
        .open(&format!("{}{}", shop.url, account_api::ORDERS_PAGE))
        .await?;
    let link = browser
        .wait_for(&format!(
            "[data-mfe=cart][data-fragment=orders] a[href=\"{}\"]",
            account_api::order_page(&order_id)
        ))
        .await?;
    browser.screenshot("account-orders").await?;
    link.click().await?;
    browser
        .wait_until("the order's page shows the order", || async {
            let text = browser
                .wait_for("[data-mfe=cart][data-fragment=order]")
                .await?
                .text()
                .await?;
            Ok(text.contains(&first.name) && text.contains("Rue de Rivoli 99"))
        })
        .await?;
    browser.screenshot("account-order").await?;
    browser.close().await?;

    // Another shopper who opens that order's address sees that there is no such order.
    let other = shop.browser().await?;
    sign_up(shop, &other, "Mallory Example", &new_email("mallory")).await?;
    other
        .open(&format!(
            "{}{}",
            shop.url,
            account_api::order_page(&order_id)
        ))
        .await?;
    other
        .wait_until(
            "the other shopper is told there is no such order",
            || async {
                let text = other
                    .wait_for("[data-mfe=cart][data-fragment=order]")
                    .await?
                    .text()
                    .await?;
                Ok(text.contains("can't find this order") && !text.contains(&first.name))
            },
        )
        .await?;
    other.close().await
}
