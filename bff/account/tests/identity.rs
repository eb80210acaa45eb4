//! The identity cookie the other BFFs trust: account-bff answers from the session, never
//! from that cookie, and replaces it whenever it is not the live session's own good token.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use account_api::{Me, ME_PATH, PROFILE_PATH};
use account_bff::cookies::SESSION_COOKIE;
use common::{spawn_shop, Browser, Shop};
use identity::{Identity, Signer, IDENTITY_COOKIE};
use reqwest::StatusCode;

test_support::on_both_databases!(crate::spawn_shop =>
    an_identity_cookie_that_is_not_the_sessions_good_token_is_replaced,
    a_good_identity_cookie_is_kept_until_it_runs_low,
    an_identity_cookie_without_a_live_session_is_a_guest,
);

/// account-service's own signing key (the test's copy of it, beside its public key).
fn service_signer(shop: &Shop) -> Signer {
    let private = shop.account.public_key_file.with_extension("");
    Signer::from_private_pem(&std::fs::read_to_string(private).unwrap()).unwrap()
}

/// Whom the browser's identity cookie names, checked as the other BFFs check it.
fn identity_of(shop: &Shop, browser: &Browser) -> Identity {
    shop.verifier()
        .verify(browser.cookie(IDENTITY_COOKIE).expect("an identity cookie"))
        .expect("a token the other BFFs accept")
}

async fn an_identity_cookie_that_is_not_the_sessions_good_token_is_replaced(shop: Shop) {
    let (ada, ada_email) = shop.signed_up("Ada Lovelace").await;
    let (grace, _) = shop.signed_up("Grace Hopper").await;
    let ada_is = identity_of(&shop, &ada);
    let grace_is = identity_of(&shop, &grace);
    let now = identity::now();
    let real_key = service_signer(&shop);
    let other_key =
        Signer::from_private_pem(&identity::KeyPair::generate().unwrap().private_pem).unwrap();
    let good = ada.cookie(IDENTITY_COOKIE).unwrap().to_owned();
    let mut tampered = good.clone().into_bytes();
    let middle = tampered.len() / 2;
    tampered[middle] = if tampered[middle] == b'x' { b'y' } else { b'x' };

    for (what, token) in [
        ("tampered", String::from_utf8(tampered).unwrap()),
        (
            "signed with another key",
            other_key
                .sign(&ada_is.user_id, &ada_is.session, "Ada", now)
                .unwrap(),
        ),
        (
            "expired",
            real_key
                .sign(&ada_is.user_id, &ada_is.session, "Ada", now - 400)
                .unwrap(),
        ),
        (
            "another shopper's",
            grace.cookie(IDENTITY_COOKIE).unwrap().to_owned(),
        ),
        (
            "another session's",
            real_key
                .sign(&ada_is.user_id, &grace_is.session, "Ada", now)
                .unwrap(),
        ),
        ("garbage", "not-a-token".to_owned()),
    ] {
        let mut browser = shop.browser();
        browser.cookies.insert(
            SESSION_COOKIE.into(),
            ada.cookie(SESSION_COOKIE).unwrap().to_owned(),
        );
        browser
            .cookies
            .insert(IDENTITY_COOKIE.into(), token.clone());

        let answer = browser.get(ME_PATH).await;
        let me: Me = answer.json();
        assert_eq!(
            me.user.unwrap().email,
            ada_email,
            "{what}: from the session"
        );
        assert!(me.renewed, "{what}");
        let replaced = answer.cookie_value(IDENTITY_COOKIE).expect(what);
        assert_ne!(replaced, token, "{what}");
        let now_is = identity_of(&shop, &browser);
        assert_eq!(now_is.user_id, ada_is.user_id, "{what}");
        assert_eq!(now_is.session, ada_is.session, "{what}");
        assert_eq!(now_is.first_name, "Ada", "{what}");
        // Renewed once; the next answer keeps it.
        assert!(!browser.me().await.renewed, "{what}");
    }

    // The other signed-in answers renew it too.
    let mut browser = shop.browser();
    browser.cookies.insert(
        SESSION_COOKIE.into(),
        ada.cookie(SESSION_COOKIE).unwrap().to_owned(),
    );
    let answer = browser.get(PROFILE_PATH).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert!(answer.cookie_value(IDENTITY_COOKIE).is_some());
    assert_eq!(identity_of(&shop, &browser).user_id, ada_is.user_id);
}

async fn a_good_identity_cookie_is_kept_until_it_runs_low(shop: Shop) {
    let (mut ada, _) = shop.signed_up("Ada").await;
    let ada_is = identity_of(&shop, &ada);
    let answer = ada.get(ME_PATH).await;
    assert!(!answer.json::<Me>().renewed);
    assert!(answer.cookie(IDENTITY_COOKIE).is_none());

    // Issued 200 s ago, so 100 s left: less than the 150 s the BFF keeps in hand.
    let aging = service_signer(&shop)
        .sign(
            &ada_is.user_id,
            &ada_is.session,
            "Ada",
            identity::now() - 200,
        )
        .unwrap();
    ada.cookies.insert(IDENTITY_COOKIE.into(), aging.clone());
    let answer = ada.get(ME_PATH).await;
    assert!(answer.json::<Me>().renewed);
    let max_age = answer
        .cookie(IDENTITY_COOKIE)
        .unwrap()
        .split("; ")
        .find_map(|attribute| attribute.strip_prefix("Max-Age="))
        .unwrap()
        .parse::<u64>()
        .unwrap();
    assert!(max_age > 150, "a whole new lifetime: {max_age}");
    assert_ne!(ada.cookie(IDENTITY_COOKIE).unwrap(), aging);
    assert_eq!(identity_of(&shop, &ada).session, ada_is.session);
}

async fn an_identity_cookie_without_a_live_session_is_a_guest(shop: Shop) {
    let (ada, _) = shop.signed_up("Ada").await;
    let token = ada.cookie(IDENTITY_COOKIE).unwrap().to_owned();

    let mut token_only = shop.browser();
    token_only
        .cookies
        .insert(IDENTITY_COOKIE.into(), token.clone());
    let answer = token_only.get(ME_PATH).await;
    assert_eq!(answer.json::<Me>(), Me::default());
    assert!(answer.clears(IDENTITY_COOKIE), "{:?}", answer.set_cookies);
    let mut token_only = shop.browser();
    token_only.cookies.insert(IDENTITY_COOKIE.into(), token);
    let answer = token_only.get(PROFILE_PATH).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.text);
    assert_eq!(answer.code(), account_api::codes::SIGNED_OUT);
}
