//! Signing up, in and out through account-bff against the real account-service: the two
//! HttpOnly cookies (the session's only for this BFF, both prefixed over HTTPS), a browser's
//! old site-wide session cookie moved, a new session at every sign-in, revocation seen at
//! once, the sign-in and sign-up limits passed on per client, and one answer for every
//! wrong combination.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use account_api::{codes, Me, PROFILE_PATH, SIGN_OUT_EVERYWHERE_PATH, SIGN_OUT_PATH};
use account_bff::cookies::SESSION_COOKIE;
use common::{spawn_shop, unique_email, Answer, Browser, Shop, PASSWORD};
use identity::IDENTITY_COOKIE;
use reqwest::{Method, StatusCode};

test_support::on_both_databases!(crate::spawn_shop =>
    signing_up_signs_in_with_two_http_only_cookies_and_no_secret_in_any_body,
    cookies_are_secure_when_the_shop_is_reached_over_https,
    every_sign_in_starts_a_new_session_and_ends_the_one_the_browser_had,
    signing_out_ends_the_session_at_once,
    signing_out_everywhere_ends_the_sessions_of_other_browsers,
    the_eleventh_wrong_password_within_a_minute_is_a_429_with_the_services_retry_after,
    an_unknown_email_and_a_wrong_password_get_the_same_answer,
    a_guest_is_answered_without_cookies,
    an_email_that_has_an_account_is_refused_unless_it_is_its_password,
    an_old_site_wide_session_cookie_keeps_working_and_is_moved,
    a_locked_out_client_does_not_lock_the_owner_out,
    the_sixth_sign_up_from_one_client_is_a_429_with_the_services_retry_after,
);

/// Where each cookie is sent: the session only to this BFF, the identity token everywhere.
fn path_of(name: &str) -> &'static str {
    if name.ends_with(SESSION_COOKIE) {
        "/api/account/"
    } else {
        "/"
    }
}

/// Asserts what every cookie of the shop is: HttpOnly, SameSite=Lax, sent where it is needed.
fn assert_shop_cookie(answer: &Answer, name: &str) -> u64 {
    let cookie = answer
        .cookie(name)
        .unwrap_or_else(|| panic!("no {name} cookie: {:?}", answer.set_cookies));
    let path = format!("; Path={};", path_of(name));
    for attribute in ["; HttpOnly", "; SameSite=Lax", path.as_str()] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    cookie
        .split("; ")
        .find_map(|attribute| attribute.strip_prefix("Max-Age="))
        .unwrap()
        .parse()
        .unwrap()
}

async fn signing_up_signs_in_with_two_http_only_cookies_and_no_secret_in_any_body(shop: Shop) {
    let mut browser = shop.browser();
    let email = unique_email();
    let answer = browser.sign_up("  Ada Lovelace ", &email, PASSWORD).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    assert_eq!(answer.headers["cache-control"], "no-store");
    let me: Me = answer.json();
    assert!(me.renewed, "a new identity cookie was set");
    let user = me.user.unwrap();
    assert_eq!(user.name, "Ada Lovelace");
    assert_eq!(user.first_name, "Ada");
    assert_eq!(user.email, email);
    let this_month = chrono::Utc::now().format("%B %Y").to_string();
    assert_eq!(user.member_since, this_month);

    let session_age = assert_shop_cookie(&answer, SESSION_COOKIE);
    assert!(session_age > 3600, "the session lasts: {session_age}");
    let identity_age = assert_shop_cookie(&answer, IDENTITY_COOKIE);
    assert!((1..=300).contains(&identity_age), "{identity_age}");
    assert!(answer
        .cookie(SESSION_COOKIE)
        .unwrap()
        .find("Secure")
        .is_none());
    let secret = browser.cookie(SESSION_COOKIE).unwrap().to_owned();
    let token = browser.cookie(IDENTITY_COOKIE).unwrap().to_owned();
    let identity = shop
        .verifier()
        .verify(&token)
        .expect("a token others trust");
    assert_eq!(identity.first_name, "Ada");
    assert!(!answer.text.contains(&secret) && !answer.text.contains(&token));

    // Signed in from now on: the cookies work, and a fresh token is not renewed.
    let me = browser.get(account_api::ME_PATH).await;
    assert_eq!(me.headers["cache-control"], "no-store");
    assert!(me.set_cookies.is_empty(), "{:?}", me.set_cookies);
    let me: Me = me.json();
    assert_eq!(me.user.unwrap().email, email);
    assert!(!me.renewed);
    let profile = browser.get(PROFILE_PATH).await;
    assert_eq!(profile.status, StatusCode::OK, "{}", profile.text);
    for text in [&me_text(&mut browser).await, &profile.text] {
        assert!(!text.contains(&secret) && !text.contains(&token), "{text}");
    }
}

async fn me_text(browser: &mut Browser) -> String {
    browser.get(account_api::ME_PATH).await.text
}

/// Over HTTPS the cookies are `Secure` and carry the prefix their path allows, which the
/// browser enforces: `__Host-identity` (site-wide: no sibling subdomain nor plain-HTTP
/// answer can set it) and `__Secure-account_session` (only this BFF's path).
async fn cookies_are_secure_when_the_shop_is_reached_over_https(shop: Shop) {
    const SESSION: &str = "__Secure-account_session";
    const IDENTITY: &str = "__Host-identity";
    let mut browser = shop.browser();
    browser
        .headers
        .push(("x-forwarded-proto", "https".to_owned()));
    let email = unique_email();
    let answer = browser.sign_up("Ada", &email, PASSWORD).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    for name in [SESSION, IDENTITY] {
        assert_shop_cookie(&answer, name);
        assert!(answer.cookie(name).unwrap().ends_with("; Secure"), "{name}");
    }
    assert!(answer.cookie(SESSION_COOKIE).is_none() && answer.cookie(IDENTITY_COOKIE).is_none());
    let token = browser.cookie(IDENTITY).unwrap().to_owned();
    assert!(shop.verifier().verify(&token).is_some());
    // The prefixed cookies are the ones read: signed in, nothing to renew.
    let me = browser.get(account_api::ME_PATH).await;
    assert!(me.set_cookies.is_empty(), "{:?}", me.set_cookies);
    assert_eq!(me.json::<Me>().user.unwrap().email, email);
    let answer = browser.sign_in(&email, PASSWORD).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert!(answer.cookie(SESSION).unwrap().ends_with("; Secure"));
    let answer = browser.write(Method::POST, SIGN_OUT_PATH, None).await;
    assert!(answer.clears(SESSION) && answer.clears(IDENTITY));
    assert!(answer.cookie(SESSION).unwrap().ends_with("; Secure"));
    // Over HTTPS, cookies under the plain names are not the shop's: a guest.
    let (plain, _) = shop.signed_up("Grace").await;
    let mut planted = shop.browser();
    planted.cookies = plain.cookies.clone();
    planted
        .headers
        .push(("x-forwarded-proto", "https".to_owned()));
    let answer = planted.get(account_api::ME_PATH).await;
    assert_eq!(answer.json::<Me>(), Me::default());
}

async fn every_sign_in_starts_a_new_session_and_ends_the_one_the_browser_had(shop: Shop) {
    let (mut browser, email) = shop.signed_up("Ada").await;
    let first = browser.cookie(SESSION_COOKIE).unwrap().to_owned();

    let answer = browser.sign_in(&email, PASSWORD).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let me: Me = answer.json();
    assert!(me.renewed);
    assert_eq!(me.user.unwrap().email, email);
    let second = answer.cookie_value(SESSION_COOKIE).unwrap().to_owned();
    assert_ne!(second, first, "a new session, not the old one kept");
    assert!(answer.cookie_value(IDENTITY_COOKIE).is_some());

    let answer = browser.sign_in(&email, PASSWORD).await;
    let third = answer.cookie_value(SESSION_COOKIE).unwrap().to_owned();
    assert!(third != first && third != second);

    // The sessions the browser held before are over; the last one works.
    for old in [&first, &second] {
        let mut stale = shop.browser();
        stale.cookies.insert(SESSION_COOKIE.into(), old.clone());
        assert_eq!(stale.me().await, Me::default());
        let answer = stale.get(PROFILE_PATH).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.text);
        assert_eq!(answer.code(), codes::SIGNED_OUT);
    }
    assert_eq!(browser.me().await.user.unwrap().email, email);
    assert_eq!(
        shop.count("sessions", "revoked_at IS NULL").await,
        1,
        "one live session left"
    );
}

async fn signing_out_ends_the_session_at_once(shop: Shop) {
    let (mut browser, _) = shop.signed_up("Ada").await;
    let held = browser.cookies.clone();

    let answer = browser.write(Method::POST, SIGN_OUT_PATH, None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.json::<Me>(), Me::default());
    assert!(answer.clears(SESSION_COOKIE), "{:?}", answer.set_cookies);
    assert!(answer.clears(IDENTITY_COOKIE), "{:?}", answer.set_cookies);
    assert!(browser.cookies.is_empty());
    assert_eq!(browser.me().await, Me::default());

    // A copy of the cookies (another tab that missed the answer, a thief) is a guest too,
    // though its identity token is still valid for the other BFFs.
    let mut copy = shop.browser();
    copy.cookies = held;
    let answer = copy.get(PROFILE_PATH).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.text);
    assert_eq!(answer.code(), codes::SIGNED_OUT);
    assert!(answer.clears(SESSION_COOKIE) && answer.clears(IDENTITY_COOKIE));
    assert!(copy.cookies.is_empty(), "the 401 cleared both");
}

async fn signing_out_everywhere_ends_the_sessions_of_other_browsers(shop: Shop) {
    let (mut phone, email) = shop.signed_up("Ada").await;
    let mut laptop = shop.browser();
    assert_eq!(
        laptop.sign_in(&email, PASSWORD).await.status,
        StatusCode::OK
    );
    let (mut someone_else, _) = shop.signed_up("Grace").await;

    let answer = laptop
        .write(Method::POST, SIGN_OUT_EVERYWHERE_PATH, None)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.json::<Me>(), Me::default());
    assert!(answer.clears(SESSION_COOKIE) && answer.clears(IDENTITY_COOKIE));

    let answer = phone.get(PROFILE_PATH).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.text);
    assert_eq!(phone.me().await, Me::default());
    assert_eq!(laptop.me().await, Me::default());
    assert!(
        someone_else.me().await.signed_in(),
        "other shoppers stay signed in"
    );
    // Without a session there is nobody to sign out everywhere.
    let answer = laptop
        .write(Method::POST, SIGN_OUT_EVERYWHERE_PATH, None)
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.text);
    assert_eq!(answer.code(), codes::SIGNED_OUT);
}

async fn the_eleventh_wrong_password_within_a_minute_is_a_429_with_the_services_retry_after(
    shop: Shop,
) {
    let (_, email) = shop.signed_up("Ada").await;
    let mut attacker = shop.browser();
    for attempt in 1..=10 {
        let answer = attacker.sign_in(&email, "not the password at all").await;
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}: {}",
            answer.text
        );
        assert_eq!(answer.code(), codes::INVALID_CREDENTIALS);
    }
    // What the service says right before and right after the BFF answers: its count-down
    // only goes down, so a Retry-After passed on lies between the two.
    let before = service_retry_after(&shop, &email).await;
    let answer = attacker.sign_in(&email, "not the password at all").await;
    let after = service_retry_after(&shop, &email).await;
    assert_eq!(
        answer.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        answer.text
    );
    assert_eq!(answer.code(), codes::TOO_MANY_ATTEMPTS);
    let retry_after: u64 = answer.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (after..=before).contains(&retry_after),
        "{after} <= {retry_after} <= {before}"
    );
    assert_eq!(answer.headers["cache-control"], "no-store");
    // The right password is held back too, until the window has passed.
    let answer = shop.browser().sign_in(&email, PASSWORD).await;
    assert_eq!(
        answer.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        answer.text
    );
    assert!(answer.cookie(SESSION_COOKIE).is_none());
}

/// The `Retry-After` of account-service's own 429 for a sign-in as `email`, from the
/// client the BFF names for a browser on this machine.
async fn service_retry_after(shop: &Shop, email: &str) -> u64 {
    let response = reqwest::Client::new()
        .post(format!(
            "{}{}",
            shop.account.url,
            account_service_api::paths::SESSIONS
        ))
        .header(account_service_api::CLIENT_HEADER, "127.0.0.1")
        .json(&serde_json::json!({ "email": email, "password": "not the password at all" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn an_unknown_email_and_a_wrong_password_get_the_same_answer(shop: Shop) {
    let (_, email) = shop.signed_up("Ada").await;
    let wrong_password = shop
        .browser()
        .sign_in(&email, "not the password at all")
        .await;
    let unknown_email = shop
        .browser()
        .sign_in(&unique_email(), "not the password at all")
        .await;
    assert_eq!(wrong_password.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_password.code(), codes::INVALID_CREDENTIALS);
    assert_eq!(unknown_email.status, wrong_password.status);
    assert_eq!(unknown_email.text, wrong_password.text, "byte for byte");
    for answer in [&wrong_password, &unknown_email] {
        assert!(answer.set_cookies.is_empty());
        assert!(answer.headers.get("retry-after").is_none());
    }
}

async fn a_guest_is_answered_without_cookies(shop: Shop) {
    let mut guest = shop.browser();
    let answer = guest.get(account_api::ME_PATH).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json::<Me>(), Me::default());
    assert!(answer.set_cookies.is_empty(), "{:?}", answer.set_cookies);
    assert_eq!(answer.headers["cache-control"], "no-store");
    // Signing out without being signed in is done already.
    let answer = guest.write(Method::POST, SIGN_OUT_PATH, None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json::<Me>(), Me::default());
    // A session cookie nobody issued is a guest, and forgotten.
    guest
        .cookies
        .insert(SESSION_COOKIE.into(), "made-up-secret".into());
    let answer = guest.get(account_api::ME_PATH).await;
    assert_eq!(answer.json::<Me>(), Me::default());
    assert!(answer.clears(SESSION_COOKIE));
}

async fn an_email_that_has_an_account_is_refused_unless_it_is_its_password(shop: Shop) {
    let (_, email) = shop.signed_up("Ada").await;
    let mut other = shop.browser();
    let typed = format!("  {}  ", email.to_uppercase());
    let answer = other
        .sign_up("Someone", &typed, "another good passphrase")
        .await;
    assert_eq!(answer.status, StatusCode::CONFLICT, "{}", answer.text);
    assert_eq!(answer.code(), codes::SIGN_UP_REFUSED);
    assert_eq!(answer.field(), "", "no field named");
    assert!(!answer.text.contains(&email) && !answer.text.contains("taken"));
    assert!(answer.set_cookies.is_empty());
    assert_eq!(shop.users().await, 1);
    // Its owner, who forgot they had signed up, is simply signed in.
    let answer = other.sign_up("Ada again", &typed, PASSWORD).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    let me: Me = answer.json();
    assert_eq!(me.user.unwrap().name, "Ada", "their account, as it is");
    assert_shop_cookie(&answer, SESSION_COOKIE);
    assert_shop_cookie(&answer, IDENTITY_COOKIE);
    assert_eq!(shop.users().await, 1);
}

/// A browser that still holds the session cookie from before it was scoped to
/// `/api/account/` (`session`, `Path=/`) stays signed in: the first answer keeps that
/// session under the new cookie and clears the old one.
async fn an_old_site_wide_session_cookie_keeps_working_and_is_moved(shop: Shop) {
    let (signed_up, email) = shop.signed_up("Ada").await;
    let secret = signed_up.cookie(SESSION_COOKIE).unwrap().to_owned();
    let mut old = shop.browser();
    old.cookies.insert("session".into(), secret.clone());

    // An answer that does not look at the session (a mistyped sign-in) leaves it be.
    let answer = old.sign_in(&email, "not the password at all").await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(answer.set_cookies.is_empty(), "{:?}", answer.set_cookies);

    let answer = old.get(account_api::ME_PATH).await;
    let me: Me = answer.json();
    assert_eq!(me.user.unwrap().email, email);
    assert!(answer.clears("session"), "{:?}", answer.set_cookies);
    let cleared = answer.cookie("session").unwrap();
    assert!(cleared.contains("; Path=/;"), "{cleared}");
    assert_eq!(answer.cookie_value(SESSION_COOKIE), Some(secret.as_str()));
    let age = assert_shop_cookie(&answer, SESSION_COOKIE);
    assert!(age > 29 * 24 * 3600, "as long as the session lives: {age}");
    assert!(old.cookie("session").is_none());
    // From now on the new cookie alone does it, and nothing is set again.
    let answer = old.get(account_api::ME_PATH).await;
    assert!(answer.json::<Me>().signed_in());
    assert!(answer.set_cookies.is_empty(), "{:?}", answer.set_cookies);
    assert_eq!(
        old.get(PROFILE_PATH).await.status,
        StatusCode::OK,
        "the profile too"
    );

    // An old cookie of a session that is over: a guest, and both are cleared.
    let mut stale = shop.browser();
    stale
        .cookies
        .insert("session".into(), "made-up-secret".into());
    let answer = stale.get(PROFILE_PATH).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(answer.clears("session") && answer.clears(SESSION_COOKIE));
    // Signing out with only an old cookie ends that session.
    let mut leaving = shop.browser();
    leaving.cookies.insert("session".into(), secret);
    let answer = leaving.write(Method::POST, SIGN_OUT_PATH, None).await;
    assert!(answer.clears("session") && answer.clears(SESSION_COOKIE));
    assert_eq!(shop.count("sessions", "revoked_at IS NULL").await, 0);
}

/// Ten wrong passwords from one client lock that client out of the account, not its owner
/// on another (the client is the address nginx appended to `X-Forwarded-For`).
async fn a_locked_out_client_does_not_lock_the_owner_out(shop: Shop) {
    let (_, email) = shop.signed_up("Ada").await;
    let mut attacker = shop.browser();
    attacker
        .headers
        .push(("x-forwarded-for", "203.0.113.66".to_owned()));
    for _ in 0..10 {
        let answer = attacker.sign_in(&email, "not the password at all").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.text);
    }
    let answer = attacker.sign_in(&email, PASSWORD).await;
    assert_eq!(
        answer.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        answer.text
    );
    let mut owner = shop.browser();
    owner
        .headers
        .push(("x-forwarded-for", "198.51.100.23".to_owned()));
    let answer = owner.sign_in(&email, PASSWORD).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert!(answer.cookie(SESSION_COOKIE).is_some());
}

async fn the_sixth_sign_up_from_one_client_is_a_429_with_the_services_retry_after(shop: Shop) {
    let from = |address: &str| {
        let mut browser = shop.browser();
        browser
            .headers
            .push(("x-forwarded-for", address.to_owned()));
        browser
    };
    for _ in 0..account_service_api::MAX_SIGN_UPS_PER_CLIENT {
        let answer = from("203.0.113.80")
            .sign_up("Someone", &unique_email(), PASSWORD)
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    }
    let answer = from("203.0.113.80")
        .sign_up("Someone", &unique_email(), PASSWORD)
        .await;
    assert_eq!(
        answer.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        answer.text
    );
    assert_eq!(answer.code(), codes::TOO_MANY_ATTEMPTS);
    let retry_after: u64 = answer.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((540..=600).contains(&retry_after), "{retry_after}");
    assert!(answer.set_cookies.is_empty());
    let answer = from("198.51.100.80")
        .sign_up("Someone Else", &unique_email(), PASSWORD)
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
}
