//! account-bff renders the header's menu for the shopper whose identity cookie comes along
//! (a page request carries no session cookie): their first name, or "Sign in"; and the
//! sign-in and sign-up pages' forms, the only account pages that show nothing of a session.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Shop;
use reqwest::{Method, StatusCode};

test_support::on_both_databases!(crate::common::spawn_shop =>
    the_menu_names_the_signed_in_shopper_and_asks_a_guest_to_sign_in,
    the_sign_in_and_sign_up_forms_are_rendered_and_no_other_account_page,
);

async fn the_menu_names_the_signed_in_shopper_and_asks_a_guest_to_sign_in(shop: Shop) {
    let mut guest = shop.browser();
    // nginx says which page the menu is included in: "Sign in" comes back to it.
    let request = guest
        .request(Method::GET, "/api/account/fragments/menu")
        .header("x-page-uri", "/products?q=tea");
    let answer = guest.send(request).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert!(answer.text.contains(">Sign in<"), "{}", answer.text);
    assert!(
        answer
            .text
            .contains(r#"href="/account/sign-in?next=/products%3Fq%3Dtea""#),
        "{}",
        answer.text
    );
    assert!(answer.text.contains("data-ssr"), "{}", answer.text);

    let (mut signed_in, _) = shop.signed_up("Ada").await;
    // As on a page: the identity cookie only, not the session cookie (path /api/account/).
    signed_in
        .cookies
        .retain(|name, _| name.contains("identity"));
    assert!(!signed_in.cookies.is_empty());
    let request = signed_in.request(Method::GET, "/api/account/fragments/menu");
    let answer = signed_in.send(request).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert!(answer.text.contains(">Ada<"), "{}", answer.text);
    assert!(!answer.text.contains(">Sign in<"), "{}", answer.text);
    assert!(
        answer.text.contains(
            r#"{"/api/account/fragments/menu":{"status":200,"body":{"first_name":"Ada"}}}"#
        ),
        "{}",
        answer.text
    );
}

async fn the_sign_in_and_sign_up_forms_are_rendered_and_no_other_account_page(shop: Shop) {
    let mut guest = shop.browser();
    let request = guest.request(
        Method::GET,
        "/api/account/fragments/page/account/sign-in?next=%2Fcart",
    );
    let answer = guest.send(request).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let html = &answer.text;
    assert!(html.contains("<h1 id=\"auth-title\""), "{html}");
    assert!(html.contains(r#"name="email""#), "{html}");
    assert!(html.contains(r#"name="password""#), "{html}");
    // Never a GET: without JavaScript the password must not end up in an address.
    assert!(html.contains(r#"method="post""#), "{html}");
    // The way to sign up keeps where the shopper is going.
    assert!(
        html.contains(r#"href="/account/sign-up?next=/cart""#),
        "{html}"
    );
    // Nothing was asked to draw it: no answer goes along.
    assert!(html.contains(">{}</script>"), "{html}");

    let request = guest.request(Method::GET, "/api/account/fragments/page/account/sign-up");
    let answer = guest.send(request).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert!(answer.text.contains(r#"name="name""#), "{}", answer.text);

    for page in [
        "account",
        "account/orders",
        "account/addresses",
        "account/nowhere",
    ] {
        let request = guest.request(Method::GET, &format!("/api/account/fragments/page/{page}"));
        let answer = guest.send(request).await;
        assert_eq!(
            answer.status,
            StatusCode::NOT_FOUND,
            "{page}: {}",
            answer.text
        );
        assert!(!answer.text.contains("data-ssr"), "{page}");
    }
}
