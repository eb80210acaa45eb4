//! Signing up (what it reveals, and its limits), and a user's own data: on SQLite and
//! PostgreSQL.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use account_service_api::{
    codes, paths, SignedIn, User, MAX_FAILED_PER_ACCOUNT_AND_CLIENT, MAX_SIGN_UPS_PER_CLIENT,
    SIGN_UP_WINDOW_SECONDS,
};
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use test_support::account::AccountService;
use tokio::task::JoinSet;

test_support::on_both_databases!(test_support::account::spawn_service =>
    signing_up_signs_the_new_user_in,
    an_email_with_an_account_and_another_password_is_refused_saying_nothing_more,
    signing_up_again_with_the_accounts_password_signs_its_owner_in,
    a_refused_sign_up_takes_as_long_as_a_new_one,
    the_sixth_sign_up_from_one_client_within_ten_minutes_is_refused_before_hashing,
    sign_ups_guessing_a_password_are_held_to_the_sign_in_limits,
    concurrent_sign_ups_with_one_email_make_one_user,
    concurrent_sign_ups_with_one_email_and_password_all_sign_in,
    bad_sign_ups_name_every_field_at_fault_and_store_nothing,
    names_in_any_script_are_accepted,
    renaming_changes_the_name_and_the_next_token,
    an_unknown_user_is_a_404,
);

async fn signing_up_signs_the_new_user_in(service: AccountService) {
    let email = unique_email();
    let answer = post_user(
        &service,
        &json!({
            "email": format!("  {}  ", email.to_uppercase()),
            "name": " Ada King Lovelace ",
            "password": PASSWORD,
        }),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let signed_in: SignedIn = serde_json::from_value(answer.body).unwrap();
    assert_eq!(signed_in.user.email, email, "normalised");
    assert_eq!(signed_in.user.name, "Ada King Lovelace", "trimmed");
    assert!(account_service_api::is_valid_id(&signed_in.user.id));
    assert_eq!(
        signed_in.session_secret.expose_secret().len(),
        43,
        "256 bits in base64url"
    );
    let in_thirty_days = identity::now() + 30 * 24 * 3600;
    assert!((signed_in.session_expires_at - in_thirty_days).abs() < 60);

    let verifier = identity::Verifier::from_file(&service.public_key_file).unwrap();
    let identity = verifier
        .verify(signed_in.identity.token.expose_secret())
        .expect("a token the public key verifies");
    assert_eq!(identity.user_id, signed_in.user.id);
    assert_eq!(identity.first_name, "Ada");
    assert_eq!(identity.expires_at, signed_in.identity.expires_at);
    let state = session(&service, signed_in.session_secret.expose_secret()).await;
    assert_eq!(state.status, StatusCode::OK, "{}", state.body);
    assert_eq!(identity.session, state.body["handle"].as_str().unwrap());

    let (status, body) =
        test_support::http::get(&url(&service, &paths::user(&signed_in.user.id))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_value::<User>(body).unwrap(),
        signed_in.user
    );
    // Only the hash is stored, and it is argon2id.
    assert_eq!(
        count(
            &service.db,
            "users",
            &format!("password_hash LIKE '$argon2id$v=19$m=19456,t=2,p=1$%' AND password_hash NOT LIKE '%{PASSWORD}%'")
        )
        .await,
        1
    );
    assert!(!body_mentions(&state.body, PASSWORD));
}

fn body_mentions(body: &Value, text: &str) -> bool {
    body.to_string().contains(text)
}

async fn an_email_with_an_account_and_another_password_is_refused_saying_nothing_more(
    service: AccountService,
) {
    let first = sign_up(&service, "Ada Lovelace").await;
    let mut answers = Vec::new();
    for email in [
        first.user.email.clone(),
        first.user.email.to_uppercase(),
        format!("\t {} ", first.user.email),
    ] {
        let answer = post_user(
            &service,
            &json!({ "email": email, "name": "Someone Else", "password": "another good passphrase" }),
        )
        .await;
        assert_eq!(answer.status, StatusCode::CONFLICT, "{}", answer.body);
        assert_eq!(answer.body["error"]["code"], codes::SIGN_UP_REFUSED);
        assert!(
            answer.body["error"].get("field").is_none(),
            "{}",
            answer.body
        );
        let text = String::from_utf8_lossy(&answer.bytes).to_lowercase();
        for word in [
            first.user.email.as_str(),
            "taken",
            "exists",
            "already registered",
        ] {
            assert!(!text.contains(word), "{word:?} in {text}");
        }
        answers.push(answer.bytes);
    }
    assert!(
        answers.windows(2).all(|pair| pair[0] == pair[1]),
        "one answer"
    );
    assert_eq!(users(&service).await, 1);
    assert_eq!(count(&service.db, "sessions", "1 = 1").await, 1);
}

/// Someone who already has an account and signs up again with its password is signed in,
/// with the very answer a new sign-up gets (their account as it is: the name they typed
/// now changes nothing).
async fn signing_up_again_with_the_accounts_password_signs_its_owner_in(service: AccountService) {
    let first = sign_up(&service, "Ada Lovelace").await;
    let answer = post_user(
        &service,
        &json!({ "email": first.user.email.to_uppercase(), "name": "Ada King", "password": PASSWORD }),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let again: SignedIn = serde_json::from_value(answer.body).unwrap();
    assert_eq!(again.user, first.user);
    assert_ne!(
        again.session_secret.expose_secret(),
        first.session_secret.expose_secret()
    );
    let state = session(&service, again.session_secret.expose_secret()).await;
    assert_eq!(state.status, StatusCode::OK, "{}", state.body);
    assert_eq!(users(&service).await, 1);
    assert_eq!(count(&service.db, "sessions", "1 = 1").await, 2);
}

/// A refusal costs what a sign-up costs (a password check instead of a hash): its time does
/// not tell that the email has an account. Without the check it would answer at once.
async fn a_refused_sign_up_takes_as_long_as_a_new_one(service: AccountService) {
    let first = sign_up(&service, "Ada Lovelace").await;
    let mut new = Duration::MAX;
    let mut refused = Duration::MAX;
    for _ in 0..2 {
        let started = Instant::now();
        let answer = post_user(
            &service,
            &json!({ "email": unique_email(), "name": "Someone", "password": "another good passphrase" }),
        )
        .await;
        assert_eq!(answer.status, StatusCode::CREATED);
        new = new.min(started.elapsed());
        let started = Instant::now();
        let answer = post_user(
            &service,
            &json!({ "email": first.user.email, "name": "Someone", "password": "another good passphrase" }),
        )
        .await;
        assert_eq!(answer.status, StatusCode::CONFLICT);
        refused = refused.min(started.elapsed());
    }
    assert!(
        refused * 3 > new,
        "a refused sign-up answered in {refused:?}, a new one in {new:?}"
    );
}

/// Sign-ups from one client are limited, before any password is hashed; other clients are
/// not held back.
async fn the_sixth_sign_up_from_one_client_within_ten_minutes_is_refused_before_hashing(
    service: AccountService,
) {
    const CLIENT: &str = "203.0.113.50";
    let taken = sign_up(&service, "Ada Lovelace").await;
    let mut took = Duration::ZERO;
    for n in 0..MAX_SIGN_UPS_PER_CLIENT {
        // New emails and a taken one alike: every sign-up counts.
        let email = if n == 0 {
            taken.user.email.clone()
        } else {
            unique_email()
        };
        let started = Instant::now();
        let answer = post_user_from(
            &service,
            &json!({ "email": email, "name": "Someone", "password": "another good passphrase" }),
            CLIENT,
        )
        .await;
        took = took.max(started.elapsed());
        assert!(
            [StatusCode::CREATED, StatusCode::CONFLICT].contains(&answer.status),
            "{}",
            answer.body
        );
    }
    let started = Instant::now();
    let refused = post_user_from(&service, &json!({ "email": unique_email(), "name": "Someone", "password": "another good passphrase" }), CLIENT).await;
    let refused_in = started.elapsed();
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.body
    );
    assert_eq!(refused.body["error"]["code"], codes::TOO_MANY_ATTEMPTS);
    let seconds: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (SIGN_UP_WINDOW_SECONDS - 60..=SIGN_UP_WINDOW_SECONDS).contains(&seconds),
        "Retry-After: {seconds}"
    );
    assert!(
        refused_in < took,
        "refused in {refused_in:?}: as long as a hash"
    );
    // Bad forms are refused as before, and do not count.
    let bad = post_user_from(
        &service,
        &json!({ "email": "nope", "name": "Someone", "password": "x" }),
        CLIENT,
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Another client signs up.
    let other = post_user_from(&service, &json!({ "email": unique_email(), "name": "Someone", "password": "another good passphrase" }), "198.51.100.7").await;
    assert_eq!(other.status, StatusCode::CREATED, "{}", other.body);
    assert_eq!(
        users(&service).await,
        i64::from(MAX_SIGN_UPS_PER_CLIENT) + 1
    );
}

/// Checking a taken email's password is a guess: sign-ups are held to the sign-in limits
/// (here without a client address, so that only the account's limit applies), and share
/// the count with sign-ins.
async fn sign_ups_guessing_a_password_are_held_to_the_sign_in_limits(service: AccountService) {
    let owner = sign_up(&service, "Ada Lovelace").await;
    for attempt in 1..=MAX_FAILED_PER_ACCOUNT_AND_CLIENT {
        let answer = post_user(
            &service,
            &json!({ "email": owner.user.email, "name": "Mallory", "password": format!("wrong guess number {attempt}") }),
        )
        .await;
        assert_eq!(answer.status, StatusCode::CONFLICT, "attempt {attempt}");
    }
    let refused = post_user(
        &service,
        &json!({ "email": owner.user.email, "name": "Mallory", "password": PASSWORD }),
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.body
    );
    let refused = sign_in(&service, &owner.user.email, PASSWORD, None).await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.body
    );
    // From another client, the owner gets in.
    let owner_elsewhere =
        sign_in(&service, &owner.user.email, PASSWORD, Some("198.51.100.1")).await;
    assert_eq!(
        owner_elsewhere.status,
        StatusCode::CREATED,
        "{}",
        owner_elsewhere.body
    );
}

async fn concurrent_sign_ups_with_one_email_make_one_user(service: AccountService) {
    let email = unique_email();
    let mut sign_ups = JoinSet::new();
    for n in 0..6 {
        let body = json!({
            "email": if n % 2 == 0 { email.clone() } else { email.to_uppercase() },
            "name": format!("Twin {n}"),
            "password": format!("{PASSWORD} {n}"),
        });
        let url = url(&service, paths::USERS);
        sign_ups.spawn(async move { send(client().post(url).json(&body)).await.status });
    }
    let statuses = sign_ups.join_all().await;
    let created = statuses
        .iter()
        .filter(|status| **status == StatusCode::CREATED)
        .count();
    let refused = statuses
        .iter()
        .filter(|status| **status == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, refused), (1, 5), "{statuses:?}");
    assert_eq!(users(&service).await, 1);
    assert_eq!(count(&service.db, "sessions", "1 = 1").await, 1);
}

/// The same person pressing "Sign up" in several tabs at once: one account, every tab
/// signed in to it.
async fn concurrent_sign_ups_with_one_email_and_password_all_sign_in(service: AccountService) {
    let email = unique_email();
    let mut sign_ups = JoinSet::new();
    for n in 0..4 {
        let body = json!({ "email": email, "name": format!("Tab {n}"), "password": PASSWORD });
        let url = url(&service, paths::USERS);
        sign_ups.spawn(async move { send(client().post(url).json(&body)).await });
    }
    let mut ids = Vec::new();
    for answer in sign_ups.join_all().await {
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        ids.push(answer.body["user"]["id"].as_str().unwrap().to_owned());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(users(&service).await, 1);
    assert_eq!(count(&service.db, "sessions", "1 = 1").await, 4);
}

async fn bad_sign_ups_name_every_field_at_fault_and_store_nothing(service: AccountService) {
    let email = unique_email();
    let ten_kilobytes = "n".repeat(10 * 1024);
    // Bodies that do not fit: a 400 naming the (first) field at fault.
    for (body, field) in [
        (json!({}), "email"),
        (json!({ "email": email, "name": "Ada" }), "password"),
        (
            json!({ "email": 42, "name": ["Ada"], "password": 1_234_567_890_123_u64 }),
            "email",
        ),
        (
            json!({ "email": email, "name": "Ada", "password": 1_234_567_890_123_u64 }),
            "password",
        ),
        (
            json!({ "email": email, "name": "Ada", "password": true }),
            "password",
        ),
    ] {
        let answer = post_user(&service, &body).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{body} → {}",
            answer.body
        );
        assert_eq!(answer.body["error"]["field"], field, "{body}");
        let text = String::from_utf8_lossy(&answer.bytes);
        assert!(!text.contains("1234567890123"), "echoed: {text}");
    }
    // Values the rules refuse: a 422 naming every field at fault.
    let cases: Vec<(Value, &[&str])> = vec![
        (
            json!({ "email": "not-an-email", "name": " ", "password": "short" }),
            &["email", "name", "password"],
        ),
        (
            json!({ "email": email, "name": ten_kilobytes, "password": PASSWORD }),
            &["name"],
        ),
        (
            json!({ "email": email, "name": "Ada\nLovelace", "password": PASSWORD }),
            &["name"],
        ),
        (
            json!({ "email": email, "name": "Ada", "password": "nine char" }),
            &["password"],
        ),
        (
            json!({ "email": email, "name": "Ada", "password": "x".repeat(129) }),
            &["password"],
        ),
        (
            json!({ "email": email, "name": "Ada", "password": "Password123" }),
            &["password"],
        ),
        (
            json!({ "email": email, "name": "Ada", "password": "QWERTYUIOP" }),
            &["password"],
        ),
        (
            json!({ "email": email, "name": "Ada", "password": email.to_uppercase() }),
            &["password"],
        ),
    ];
    let malformed_emails = [
        "",
        "ada",
        "ada@",
        "@example.org",
        "ada@example",
        "ada@@example.org",
        "ada lovelace@example.org",
        "ada@example..org",
    ];
    let long_email = format!("{}@example.org", "a".repeat(250));
    let cases = cases.into_iter().chain(
        malformed_emails
            .iter()
            .copied()
            .chain([long_email.as_str()])
            .map(|bad| {
                (
                    json!({ "email": bad, "name": "Ada", "password": PASSWORD }),
                    &["email"][..],
                )
            }),
    );
    for (body, fields) in cases {
        let answer = post_user(&service, &body).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body} → {}",
            answer.body
        );
        assert_eq!(answer.body["error"]["code"], "unprocessable");
        assert_eq!(fields_named(&answer.body), fields.to_vec(), "{body}");
        let text = String::from_utf8_lossy(&answer.bytes);
        if let Some(password) = body["password"].as_str() {
            assert!(!text.contains(password), "echoed the password: {text}");
        }
    }
    for raw in ["{\"email\": ", "[1, 2, 3]", "\"a password as the body\""] {
        let answer = send(
            client()
                .post(url(&service, paths::USERS))
                .header("Content-Type", "application/json")
                .body(raw),
        )
        .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{raw}");
        assert!(answer.body["error"]["message"].is_string());
        assert!(!String::from_utf8_lossy(&answer.bytes).contains("a password"));
    }
    assert_eq!(users(&service).await, 0);
}

async fn names_in_any_script_are_accepted(service: AccountService) {
    for name in [
        "Zoë Ōkubo-Łukasz",
        "李小龍",
        "Ngũgĩ wa Thiong'o",
        "Ἀριστοτέλης",
    ] {
        let signed_in = sign_up(&service, name).await;
        assert_eq!(signed_in.user.name, name);
        let verifier = identity::Verifier::from_file(&service.public_key_file).unwrap();
        let identity = verifier
            .verify(signed_in.identity.token.expose_secret())
            .unwrap();
        assert_eq!(identity.first_name, name.split(' ').next().unwrap());
    }
    let hundred = "é".repeat(100);
    assert_eq!(sign_up(&service, &hundred).await.user.name, hundred);
    assert_eq!(users(&service).await, 5);
}

async fn renaming_changes_the_name_and_the_next_token(service: AccountService) {
    let signed_in = sign_up(&service, "Ada Lovelace").await;
    let user_url = url(&service, &paths::user(&signed_in.user.id));
    let answer = send(
        client()
            .patch(&user_url)
            .json(&json!({ "name": "  Augusta Ada King " })),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let user: User = serde_json::from_value(answer.body).unwrap();
    assert_eq!(user.name, "Augusta Ada King");
    assert_eq!(user.email, signed_in.user.email);

    let state = session(&service, signed_in.session_secret.expose_secret()).await;
    let verifier = identity::Verifier::from_file(&service.public_key_file).unwrap();
    let token = state.body["identity"]["token"].as_str().unwrap();
    assert_eq!(verifier.verify(token).unwrap().first_name, "Augusta");

    for (body, status) in [
        (json!({ "name": " " }), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({ "name": 7 }), StatusCode::BAD_REQUEST),
        (json!({}), StatusCode::BAD_REQUEST),
    ] {
        let answer = send(client().patch(&user_url).json(&body)).await;
        assert_eq!(answer.status, status, "{body}");
        assert_eq!(fields_named(&answer.body), ["name"]);
    }
    let (_, body) = test_support::http::get(&user_url).await;
    assert_eq!(body["name"], "Augusta Ada King");

    let unknown = url(&service, &paths::user("0123456789abcdef01234567"));
    let answer = send(client().patch(&unknown).json(&json!({ "name": "Nobody" }))).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
}

async fn an_unknown_user_is_a_404(service: AccountService) {
    let (status, body) =
        test_support::http::get(&url(&service, &paths::user("0123456789abcdef01234567"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "not_found");
    let (status, body) = test_support::http::get(&url(&service, "/users/not%20an%20id")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["field"], "user_id");
}
