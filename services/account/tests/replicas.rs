//! Many replicas, one truth: two account-service instances on one database — each its own
//! server and connection pool, as two pods behind one Service — count sign-in and sign-up
//! attempts together. Requests alternate between them, or go to both at the same moment,
//! and the limits hold exactly as on one. On SQLite and PostgreSQL.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use account_service::attempts::Limits;
use account_service_api::{paths, CLIENT_HEADER};
use common::*;
use reqwest::StatusCode;
use std::time::Duration;
use test_support::account::AccountService;
use test_support::TestDatabase;
use tokio::task::JoinSet;

/// Two replicas with the shop's limits: 10 failures per account and client, 50 per client,
/// 100 per account, a minute; 5 sign-ups per client in ten minutes.
async fn two_replicas(database: TestDatabase) -> Option<Vec<AccountService>> {
    test_support::account::spawn_replicas(database, 2, Limits::default()).await
}

/// Two replicas whose windows last two seconds, so a test can see one pass.
async fn two_replicas_with_short_windows(database: TestDatabase) -> Option<Vec<AccountService>> {
    let limits = Limits {
        failed_per_account_and_client: 2,
        sign_in_window: Duration::from_secs(2),
        sign_up_window: Duration::from_secs(2),
        ..Limits::default()
    };
    test_support::account::spawn_replicas(database, 2, limits).await
}

test_support::on_both_databases!(crate::two_replicas =>
    failures_spread_over_two_replicas_lock_out_at_the_same_count_as_on_one,
    attempts_sent_to_both_replicas_at_once_let_exactly_the_limit_through,
    the_client_limit_holds_across_two_replicas_at_once,
    the_sign_up_limit_holds_across_two_replicas_at_once,
    the_owner_signs_in_through_either_replica_while_the_attackers_client_is_locked_out,
    a_success_on_one_replica_clears_the_failures_counted_on_the_other,
);

test_support::on_both_databases!(crate::two_replicas_with_short_windows =>
    after_the_window_both_replicas_let_attempts_in_and_old_rows_are_deleted,
);

const ATTACKER: &str = "203.0.113.66";
const OWNER: &str = "198.51.100.23";

fn status_counts(statuses: &[StatusCode]) -> (usize, usize) {
    let refused = |status: StatusCode| statuses.iter().filter(|s| **s == status).count();
    (
        refused(StatusCode::UNAUTHORIZED),
        refused(StatusCode::TOO_MANY_REQUESTS),
    )
}

/// `POST /sessions` to every replica in turn, `count` times at once; the statuses.
async fn sign_ins_at_once(
    replicas: &[AccountService],
    count: usize,
    email_of: impl Fn(usize) -> String,
    client_address: &str,
) -> Vec<StatusCode> {
    let mut attempts = JoinSet::new();
    for n in 0..count {
        let url = url(&replicas[n % replicas.len()], paths::SESSIONS);
        let body = serde_json::json!({ "email": email_of(n), "password": "a wrong guess" });
        let client_address = client_address.to_owned();
        attempts.spawn(async move {
            send(
                client()
                    .post(url)
                    .header(CLIENT_HEADER, client_address)
                    .json(&body),
            )
            .await
            .status
        });
    }
    attempts.join_all().await
}

async fn failures_spread_over_two_replicas_lock_out_at_the_same_count_as_on_one(
    replicas: Vec<AccountService>,
) {
    let user = sign_up(&replicas[0], "Ada Lovelace").await;
    let email = &user.user.email;
    for attempt in 0..account_service_api::MAX_FAILED_PER_ACCOUNT_AND_CLIENT as usize {
        let replica = &replicas[attempt % 2];
        let answer = sign_in(replica, email, "a wrong guess", Some(ATTACKER)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    for replica in &replicas {
        let refused = sign_in(replica, email, PASSWORD, Some(ATTACKER)).await;
        assert_eq!(
            refused.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            refused.body
        );
        let wait: u64 = refused.headers["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&wait), "Retry-After: {wait}");
    }
}

/// Thirty wrong passwords for one account from one client, half to each replica, all at
/// once: exactly ten are checked, twenty refused — none slipped through on either.
async fn attempts_sent_to_both_replicas_at_once_let_exactly_the_limit_through(
    replicas: Vec<AccountService>,
) {
    let user = sign_up(&replicas[1], "Ada Lovelace").await;
    let statuses = sign_ins_at_once(&replicas, 30, |_| user.user.email.clone(), ATTACKER).await;
    assert_eq!(status_counts(&statuses), (10, 20), "{statuses:?}");
    for replica in &replicas {
        let refused = sign_in(replica, &user.user.email, PASSWORD, Some(ATTACKER)).await;
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    }
    assert_eq!(
        count(&replicas[0].db, "attempts", "kind = 'sign_in'").await,
        10
    );
}

/// Sixty failures from one client at thirty accounts (two each: none near its own limit),
/// half to each replica, all at once: exactly fifty are checked.
async fn the_client_limit_holds_across_two_replicas_at_once(replicas: Vec<AccountService>) {
    let emails: Vec<String> = (0..30).map(|_| unique_email()).collect();
    let statuses = sign_ins_at_once(&replicas, 60, |n| emails[n % 30].clone(), ATTACKER).await;
    assert_eq!(status_counts(&statuses), (50, 10), "{statuses:?}");
    // Another client is not held back, on either replica.
    for replica in &replicas {
        let answer = sign_in(replica, &unique_email(), "a wrong guess", Some(OWNER)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
}

/// Eight sign-ups from one client, half to each replica, all at once: exactly five are let
/// in; afterwards either replica refuses, and another client still signs up.
async fn the_sign_up_limit_holds_across_two_replicas_at_once(replicas: Vec<AccountService>) {
    let mut sign_ups = JoinSet::new();
    for n in 0..8 {
        let url = url(&replicas[n % 2], paths::USERS);
        let body = serde_json::to_value(new_user(&unique_email(), "Someone", PASSWORD)).unwrap();
        sign_ups.spawn(async move {
            send(
                client()
                    .post(url)
                    .header(CLIENT_HEADER, ATTACKER)
                    .json(&body),
            )
            .await
        });
    }
    let answers = sign_ups.join_all().await;
    let statuses: Vec<StatusCode> = answers.iter().map(|answer| answer.status).collect();
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((created, refused), (5, 3), "{statuses:?}");
    assert_eq!(users(&replicas[0]).await, 5);
    for replica in &replicas {
        let body = serde_json::to_value(new_user(&unique_email(), "Someone", PASSWORD)).unwrap();
        assert_eq!(
            post_user_from(replica, &body, ATTACKER).await.status,
            StatusCode::TOO_MANY_REQUESTS
        );
        assert_eq!(
            post_user_from(replica, &body, OWNER).await.status,
            StatusCode::CREATED
        );
    }
}

/// An attacker who knows the owner's email locks only their own client out: the owner, on
/// another client, signs in through either replica.
async fn the_owner_signs_in_through_either_replica_while_the_attackers_client_is_locked_out(
    replicas: Vec<AccountService>,
) {
    let owner = sign_up(&replicas[0], "Ada Lovelace").await;
    let email = &owner.user.email;
    let statuses = sign_ins_at_once(&replicas, 12, |_| email.clone(), ATTACKER).await;
    assert_eq!(status_counts(&statuses), (10, 2), "{statuses:?}");
    for replica in &replicas {
        let attacker = sign_in(replica, email, PASSWORD, Some(ATTACKER)).await;
        assert_eq!(attacker.status, StatusCode::TOO_MANY_REQUESTS);
        let answer = sign_in(replica, email, PASSWORD, Some(OWNER)).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    }
}

/// The owner mistypes nine times on one replica, then gets it right on the other: the
/// count of their client starts over, wherever it was kept.
async fn a_success_on_one_replica_clears_the_failures_counted_on_the_other(
    replicas: Vec<AccountService>,
) {
    let owner = sign_up(&replicas[0], "Ada Lovelace").await;
    let email = &owner.user.email;
    for _ in 1..account_service_api::MAX_FAILED_PER_ACCOUNT_AND_CLIENT {
        let answer = sign_in(&replicas[1], email, "a typo", Some(OWNER)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    let answer = sign_in(&replicas[0], email, PASSWORD, Some(OWNER)).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    for attempt in 1..account_service_api::MAX_FAILED_PER_ACCOUNT_AND_CLIENT {
        let answer = sign_in(&replicas[1], email, "a typo", Some(OWNER)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
}

/// Failures leave the window on both replicas alike, and rows older than the window are
/// deleted as the replicas go (here windows of two seconds, two failures per account and
/// client).
async fn after_the_window_both_replicas_let_attempts_in_and_old_rows_are_deleted(
    replicas: Vec<AccountService>,
) {
    let owner = sign_up(&replicas[0], "Ada Lovelace").await;
    let email = &owner.user.email;
    for replica in &replicas {
        let answer = sign_in(replica, email, "a wrong guess", Some(ATTACKER)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    let refused = sign_in(&replicas[1], email, PASSWORD, Some(ATTACKER)).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&wait), "Retry-After: {wait}");
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    for replica in &replicas {
        let answer = sign_in(replica, email, "a wrong guess", Some(ATTACKER)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.body);
    }
    // Each replica swept as it went (at most once a window): only the two new ones are left.
    assert_eq!(
        count(&replicas[0].db, "attempts", "kind = 'sign_in'").await,
        2
    );
}
