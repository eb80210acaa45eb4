//! Signing in and out, sessions, and the limits on sign-in attempts: on SQLite and
//! PostgreSQL.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use account_service::entities::session;
use account_service_api::{
    codes, paths, SessionState, SignedIn, ATTEMPT_WINDOW_SECONDS,
    MAX_FAILED_PER_ACCOUNT_AND_CLIENT, MAX_FAILED_PER_CLIENT, SESSION_HEADER,
};
use common::*;
use reqwest::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::time::{Duration, Instant};
use test_support::account::AccountService;
use tokio::task::JoinSet;

test_support::on_both_databases!(test_support::account::spawn_service =>
    every_sign_in_starts_a_new_session,
    a_wrong_password_and_an_unknown_email_get_the_same_answer,
    an_unknown_email_takes_as_long_as_a_wrong_password,
    the_attempt_after_ten_failures_in_a_minute_is_refused_before_any_check,
    a_successful_sign_in_clears_the_account_count,
    a_session_check_answers_a_fresh_token_and_notes_its_use_once_a_minute,
    signing_out_revokes_only_that_session,
    signing_out_everywhere_revokes_every_session_of_the_user,
    an_expired_unknown_or_missing_session_is_signed_out,
    sign_in_bodies_that_do_not_fit_name_the_field,
    the_attempt_after_fifty_failures_from_one_client_is_refused,
);

fn signed_in(answer: &Answer) -> SignedIn {
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    serde_json::from_value(answer.body.clone()).unwrap()
}

fn state(answer: &Answer) -> SessionState {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    serde_json::from_value(answer.body.clone()).unwrap()
}

fn assert_signed_out(answer: &Answer) {
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.body);
    assert_eq!(answer.body["error"]["code"], codes::SIGNED_OUT);
}

async fn every_sign_in_starts_a_new_session(service: AccountService) {
    let first = sign_up(&service, "Ada Lovelace").await;
    let second = signed_in(&sign_in(&service, &first.user.email, PASSWORD, None).await);
    // The email as typed: any case, spaces around.
    let typed = format!("  {} ", first.user.email.to_uppercase());
    let third = signed_in(&sign_in(&service, &typed, PASSWORD, None).await);
    assert_eq!(second.user, first.user);
    assert_eq!(third.user, first.user);
    let secrets = [&first, &second, &third].map(|s| s.session_secret.expose_secret().to_owned());
    let mut handles = Vec::new();
    for secret in &secrets {
        handles.push(state(&session(&service, secret).await).handle);
    }
    for (i, j) in [(0, 1), (0, 2), (1, 2)] {
        assert_ne!(secrets[i], secrets[j]);
        assert_ne!(handles[i], handles[j]);
    }
    for handle in &handles {
        assert!(account_service_api::is_valid_id(handle), "{handle}");
    }
    let verifier = identity::Verifier::from_file(&service.public_key_file).unwrap();
    let identity = verifier
        .verify(third.identity.token.expose_secret())
        .unwrap();
    assert_eq!(identity.session, handles[2]);
    assert_eq!(identity.user_id, first.user.id);
    // Only the secrets' hashes are stored.
    assert_eq!(count(&service.db, "sessions", "1 = 1").await, 3);
    for secret in &secrets {
        assert_eq!(
            count(
                &service.db,
                "sessions",
                &format!("secret_hash LIKE '%{secret}%'")
            )
            .await,
            0
        );
    }
}

async fn a_wrong_password_and_an_unknown_email_get_the_same_answer(service: AccountService) {
    let user = sign_up(&service, "Ada Lovelace").await;
    let wrong = sign_in(&service, &user.user.email, "not the password at all", None).await;
    let unknown = sign_in(&service, &unique_email(), PASSWORD, None).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.body);
    assert_eq!(wrong.body["error"]["code"], codes::INVALID_CREDENTIALS);
    assert_eq!(unknown.status, wrong.status);
    assert_eq!(
        String::from_utf8_lossy(&unknown.bytes),
        String::from_utf8_lossy(&wrong.bytes)
    );
    assert!(wrong.headers.get("retry-after").is_none());
}

/// An unknown email is checked against a dummy hash: the answer costs one hash, like a
/// wrong password's (without it, it would come back in a few milliseconds instead).
async fn an_unknown_email_takes_as_long_as_a_wrong_password(service: AccountService) {
    let user = sign_up(&service, "Ada Lovelace").await;
    let mut wrong = Duration::MAX;
    let mut unknown = Duration::MAX;
    for _ in 0..2 {
        let started = Instant::now();
        let answer = sign_in(&service, &user.user.email, "not the password at all", None).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        wrong = wrong.min(started.elapsed());
        let started = Instant::now();
        let answer = sign_in(&service, &unique_email(), "not the password at all", None).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        unknown = unknown.min(started.elapsed());
    }
    assert!(
        unknown * 3 > wrong,
        "an unknown email answered in {unknown:?}, a wrong password in {wrong:?}"
    );
}

fn retry_after(answer: &Answer) -> u64 {
    assert_eq!(
        answer.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        answer.body
    );
    assert_eq!(answer.body["error"]["code"], codes::TOO_MANY_ATTEMPTS);
    let seconds: u64 = answer.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=ATTEMPT_WINDOW_SECONDS).contains(&seconds),
        "Retry-After: {seconds}"
    );
    seconds
}

async fn the_attempt_after_ten_failures_in_a_minute_is_refused_before_any_check(
    service: AccountService,
) {
    let user = sign_up(&service, "Ada Lovelace").await;
    let email = user.user.email.to_uppercase();
    for attempt in 1..=MAX_FAILED_PER_ACCOUNT_AND_CLIENT {
        let answer = sign_in(&service, &email, &format!("wrong guess {attempt}"), None).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    // The right password too: refused before it is checked, so a guesser learns nothing.
    let started = Instant::now();
    let refused = sign_in(&service, &user.user.email, PASSWORD, None).await;
    retry_after(&refused);
    let refused_in = started.elapsed();
    // Another account is not held back (and its hash takes the time a check takes).
    let other = sign_up(&service, "Charles Babbage").await;
    let started = Instant::now();
    signed_in(&sign_in(&service, &other.user.email, PASSWORD, None).await);
    assert!(
        refused_in < started.elapsed(),
        "the refusal took {refused_in:?}: as long as a password check"
    );
    // An email nobody has is limited the same way.
    let nobody = unique_email();
    for _ in 0..MAX_FAILED_PER_ACCOUNT_AND_CLIENT {
        assert_eq!(
            sign_in(&service, &nobody, PASSWORD, None).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    retry_after(&sign_in(&service, &nobody, PASSWORD, None).await);
}

async fn a_successful_sign_in_clears_the_account_count(service: AccountService) {
    let user = sign_up(&service, "Ada Lovelace").await;
    for _ in 1..MAX_FAILED_PER_ACCOUNT_AND_CLIENT {
        sign_in(&service, &user.user.email, "a wrong guess", None).await;
    }
    signed_in(&sign_in(&service, &user.user.email, PASSWORD, None).await);
    // Nine failures were forgotten: nine more are answered, not refused.
    for attempt in 1..MAX_FAILED_PER_ACCOUNT_AND_CLIENT {
        let answer = sign_in(&service, &user.user.email, "a wrong guess", None).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
}

async fn the_attempt_after_fifty_failures_from_one_client_is_refused(service: AccountService) {
    const CLIENT: &str = "203.0.113.7";
    let user = sign_up(&service, "Ada Lovelace").await;
    let started = Instant::now();
    // Fifty failures spread over many emails, none of them near its own limit, sent at
    // once: each is counted when it is let in, so none slips past the limit meanwhile.
    let emails: Vec<String> = (0..25).map(|_| unique_email()).collect();
    let mut attempts = JoinSet::new();
    for n in 0..MAX_FAILED_PER_CLIENT as usize {
        let email = emails[n % emails.len()].clone();
        let url = url(&service, paths::SESSIONS);
        attempts.spawn(async move {
            send(
                client()
                    .post(url)
                    .header(account_service_api::CLIENT_HEADER, CLIENT)
                    .json(&serde_json::json!({ "email": email, "password": "a wrong guess" })),
            )
            .await
            .status
        });
    }
    for status in attempts.join_all().await {
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(ATTEMPT_WINDOW_SECONDS - 10),
        "fifty password checks took {took:?}: too long to judge a {ATTEMPT_WINDOW_SECONDS} s window"
    );
    // The 51st, with a right password and an email of its own: refused.
    retry_after(&sign_in(&service, &user.user.email, PASSWORD, Some(CLIENT)).await);
    // The same account from another client, or with no client address, is let in.
    signed_in(&sign_in(&service, &user.user.email, PASSWORD, Some("198.51.100.1")).await);
    signed_in(&sign_in(&service, &user.user.email, PASSWORD, None).await);
    retry_after(&sign_in(&service, &unique_email(), PASSWORD, Some(CLIENT)).await);
}

async fn a_session_check_answers_a_fresh_token_and_notes_its_use_once_a_minute(
    service: AccountService,
) {
    let user = sign_up(&service, "Grace Brewster Hopper").await;
    let checked = state(&session(&service, user.session_secret.expose_secret()).await);
    assert_eq!(checked.user, user.user);
    assert_eq!(checked.session_expires_at, user.session_expires_at);
    let verifier = identity::Verifier::from_file(&service.public_key_file).unwrap();
    let identity = verifier
        .verify(checked.identity.token.expose_secret())
        .unwrap();
    assert_eq!(identity.user_id, user.user.id);
    assert_eq!(identity.session, checked.handle);
    assert_eq!(identity.first_name, "Grace");
    assert_eq!(identity.expires_at, checked.identity.expires_at);
    assert!(checked.identity.expires_at > identity::now() + 200);

    let last_seen = || async {
        session::Entity::find_by_id(checked.handle.clone())
            .one(&service.db)
            .await
            .unwrap()
            .unwrap()
            .last_seen_at
    };
    let two_minutes_ago = chrono::Utc::now() - chrono::TimeDelta::minutes(2);
    session::Entity::update_many()
        .col_expr(session::Column::LastSeenAt, Expr::value(two_minutes_ago))
        .filter(session::Column::Handle.eq(&checked.handle))
        .exec(&service.db)
        .await
        .unwrap();
    state(&session(&service, user.session_secret.expose_secret()).await);
    let noted = last_seen().await;
    assert!(
        noted > chrono::Utc::now() - chrono::TimeDelta::seconds(30),
        "{noted}"
    );
    // Within the minute: not written again.
    state(&session(&service, user.session_secret.expose_secret()).await);
    assert_eq!(last_seen().await, noted);
}

async fn signing_out_revokes_only_that_session(service: AccountService) {
    let user = sign_up(&service, "Ada Lovelace").await;
    let other = signed_in(&sign_in(&service, &user.user.email, PASSWORD, None).await);
    let sign_out = || async {
        send(
            client()
                .delete(url(&service, paths::SESSION))
                .header(SESSION_HEADER, user.session_secret.expose_secret()),
        )
        .await
    };
    assert_eq!(sign_out().await.status, StatusCode::NO_CONTENT);
    assert_signed_out(&session(&service, user.session_secret.expose_secret()).await);
    // Done already: the same answer.
    assert_eq!(sign_out().await.status, StatusCode::NO_CONTENT);
    state(&session(&service, other.session_secret.expose_secret()).await);
    assert_eq!(
        count(&service.db, "sessions", "revoked_at IS NOT NULL").await,
        1
    );
}

async fn signing_out_everywhere_revokes_every_session_of_the_user(service: AccountService) {
    let user = sign_up(&service, "Ada Lovelace").await;
    let second = signed_in(&sign_in(&service, &user.user.email, PASSWORD, None).await);
    let third = signed_in(&sign_in(&service, &user.user.email, PASSWORD, None).await);
    let stranger = sign_up(&service, "Charles Babbage").await;
    assert_eq!(
        everywhere(&service, second.session_secret.expose_secret())
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    for secret in [
        user.session_secret.expose_secret(),
        second.session_secret.expose_secret(),
        third.session_secret.expose_secret(),
    ] {
        assert_signed_out(&session(&service, secret).await);
    }
    state(&session(&service, stranger.session_secret.expose_secret()).await);
    // A revoked session cannot say whose sessions to end.
    assert_signed_out(&everywhere(&service, third.session_secret.expose_secret()).await);
    // Signing in again starts a live session.
    let again = signed_in(&sign_in(&service, &user.user.email, PASSWORD, None).await);
    state(&session(&service, again.session_secret.expose_secret()).await);
}

async fn everywhere(service: &AccountService, secret: &str) -> Answer {
    send(
        client()
            .delete(url(service, paths::SESSIONS))
            .header(SESSION_HEADER, secret),
    )
    .await
}

async fn an_expired_unknown_or_missing_session_is_signed_out(service: AccountService) {
    let user = sign_up(&service, "Ada Lovelace").await;
    let handle = state(&session(&service, user.session_secret.expose_secret()).await).handle;
    session::Entity::update_many()
        .col_expr(
            session::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::TimeDelta::seconds(1)),
        )
        .filter(session::Column::Handle.eq(&handle))
        .exec(&service.db)
        .await
        .unwrap();
    assert_signed_out(&session(&service, user.session_secret.expose_secret()).await);
    assert_signed_out(&session(&service, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").await);
    assert_signed_out(&session(&service, &handle).await);
    assert_signed_out(&send(client().get(url(&service, paths::SESSION))).await);
    assert_signed_out(&send(client().delete(url(&service, paths::SESSIONS))).await);
}

async fn sign_in_bodies_that_do_not_fit_name_the_field(service: AccountService) {
    for (body, field) in [
        (serde_json::json!({}), "email"),
        (serde_json::json!({ "email": "a@b.co" }), "password"),
        (
            serde_json::json!({ "email": "a@b.co", "password": 98_765_432_101_u64 }),
            "password",
        ),
        (
            serde_json::json!({ "email": ["a@b.co"], "password": "a wrong guess" }),
            "email",
        ),
    ] {
        let answer = send(client().post(url(&service, paths::SESSIONS)).json(&body)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(answer.body["error"]["field"], field, "{body}");
        assert!(!String::from_utf8_lossy(&answer.bytes).contains("98765432101"));
    }
}
