//! Signing up, and a user's own data: on SQLite and PostgreSQL.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use account_service_api::{codes, paths, User};
use common::*;
use reqwest::StatusCode;
use serde_json::json;
use test_support::account::AccountService;

test_support::on_both_databases!(test_support::account::spawn_service =>
    signing_up_signs_the_new_user_in,
);

async fn signing_up_signs_the_new_user_in(service: AccountService) {
    let email = unique_email();
    let answer = post_user(
        &service,
        &json!({ "email": format!("  {}  ", email.to_uppercase()), "name": " Ada King Lovelace ", "password": PASSWORD }),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let signed_in: account_service_api::SignedIn = serde_json::from_value(answer.body).unwrap();
    assert_eq!(signed_in.user.email, email, "normalised");
    assert_eq!(signed_in.user.name, "Ada King Lovelace", "trimmed");
    assert!(account_service_api::is_valid_id(&signed_in.user.id));
    assert_eq!(signed_in.session_secret.len(), 43);
    let verifier = identity::Verifier::from_file(&service.public_key_file).unwrap();
    let identity = verifier
        .verify(&signed_in.identity.token)
        .expect("a valid token");
    assert_eq!(identity.user_id, signed_in.user.id);
    assert_eq!(identity.first_name, "Ada");
    assert_eq!(identity.expires_at, signed_in.identity.expires_at);
    let in_thirty_days = identity::now() + 30 * 24 * 3600;
    assert!((signed_in.session_expires_at - in_thirty_days).abs() < 60);
    let (status, body) =
        test_support::http::get(&url(&service, &paths::user(&signed_in.user.id))).await;
    assert_eq!(status, StatusCode::OK);
    let user: User = serde_json::from_value(body).unwrap();
    assert_eq!(user, signed_in.user);
    let _ = codes::EMAIL_TAKEN;
}
