//! Limits on sign-in and sign-up attempts, against password guessing and email probing —
//! counted in the account database, so every replica of the service counts the same ones.
//!
//! **Sign-in** (and a sign-up's check of the password of an email that has an account,
//! which is a guess like any other): within a sliding [`Limits::sign_in_window`], at most
//! - [`Limits::failed_per_account_and_client`] failures at one account (the normalised
//!   email, whether or not it has an account) from one client (the address account-bff
//!   passes in `Client-Address`): an attacker's client is locked out of the account, while
//!   its owner, from anywhere else, still gets in;
//! - [`Limits::failed_per_client`] failures from one client, at any accounts;
//! - [`Limits::failed_per_account`] failures at one account from all clients together: a
//!   ceiling on guessing spread over many addresses. Reaching it locks the owner out too,
//!   until failures leave the window: that is its price.
//!
//! Past any of them, the next attempt is refused before any password is checked, with the
//! time until enough failures have left the window. Each attempt is counted as failed when
//! it is let in, and taken back when it succeeds — with the other failures of its account
//! from its client: the owner's typos — so attempts sent at the same moment cannot slip
//! past a limit together. Without a client address only the account's limits apply.
//!
//! **Sign-up**: at most [`Limits::sign_ups_per_client`] per client within
//! [`Limits::sign_up_window`]. Every sign-up the service gets as far as checking counts
//! (each may tell its sender whether an email has an account).
//!
//! **Concurrency.** An admission is one transaction: it first writes the lock row of each
//! key it counts under (`attempt_locks`: the account, then the client — always in that
//! order), then counts, then adds its attempt. On PostgreSQL the written lock row stays
//! locked until commit, so admissions that share a key take turns while others run side by
//! side; on SQLite the first write takes the database's single write lock. Either way, on
//! one replica or six, no two admissions count the same rows at once.
//!
//! **Clean-up.** Attempts older than their window, and lock rows untouched for the longest
//! window, are deleted by each replica as it goes, at most once per sign-in window. Deleting
//! is idempotent and skips rows another transaction holds, so replicas sweeping at the same
//! moment neither clash nor wait for each other.

use crate::entities::attempt::{self, Kind};
use crate::entities::attempt_lock;
use sea_orm::sea_query::{Expr, LockBehavior, LockType, OnConflict, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use sha2::{Digest, Sha256};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The limits (defaults: `account_service_api`'s constants; `ACCOUNT_SERVICE__…` variables
/// set others, see `Configuration`). Every replica must be given the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most failed sign-ins at one account from one client within the window (10).
    pub failed_per_account_and_client: u32,
    /// Most failed sign-ins from one client within the window, at any accounts (50).
    pub failed_per_client: u32,
    /// Most failed sign-ins at one account within the window, from all clients (100).
    pub failed_per_account: u32,
    /// The sign-in window (a minute).
    pub sign_in_window: Duration,
    /// Most sign-ups from one client within the sign-up window (5).
    pub sign_ups_per_client: u32,
    /// The sign-up window (ten minutes).
    pub sign_up_window: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            failed_per_account_and_client: account_service_api::MAX_FAILED_PER_ACCOUNT_AND_CLIENT,
            failed_per_client: account_service_api::MAX_FAILED_PER_CLIENT,
            failed_per_account: account_service_api::MAX_FAILED_PER_ACCOUNT_FROM_ALL_CLIENTS,
            sign_in_window: Duration::from_secs(account_service_api::ATTEMPT_WINDOW_SECONDS),
            sign_ups_per_client: account_service_api::MAX_SIGN_UPS_PER_CLIENT,
            sign_up_window: Duration::from_secs(account_service_api::SIGN_UP_WINDOW_SECONDS),
        }
    }
}

/// The attempts, counted in the database with these limits.
pub struct Attempts {
    db: DatabaseConnection,
    limits: Limits,
    /// When this replica last deleted old rows: only spares it the work, nothing any other
    /// replica needs to agree with.
    swept_at: Mutex<Option<Instant>>,
}

/// A sign-in attempt let in (and counted as failed); [`Attempts::succeeded`] takes it back.
#[derive(Debug)]
pub struct Attempt {
    account: String,
    client: String,
}

/// An attempt refused: how long until one more is let in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyAttempts {
    /// Whole seconds, at least 1.
    pub retry_after_seconds: u64,
}

impl TooManyAttempts {
    fn after_ms(wait_ms: i64) -> Self {
        let wait = u64::try_from(wait_ms).unwrap_or(0);
        Self {
            retry_after_seconds: wait.div_ceil(1000).max(1),
        }
    }
}

/// One limit: at most `max` attempts among the `rows` of the last `window_ms`.
struct Limit {
    max: u32,
    rows: Condition,
}

impl Attempts {
    pub fn new(db: DatabaseConnection, limits: Limits) -> Self {
        Self {
            db,
            limits,
            swept_at: Mutex::new(None),
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Lets a sign-in at `email` from `client` in (counting it as failed), or refuses it
    /// when the account, the client, or the two together have had their fill of failures.
    pub async fn admit_sign_in(
        &self,
        email: &str,
        client: Option<&str>,
    ) -> Result<Result<Attempt, TooManyAttempts>, DbErr> {
        self.admit_sign_in_at(email, client, now_ms()).await
    }

    async fn admit_sign_in_at(
        &self,
        email: &str,
        client: Option<&str>,
        now: i64,
    ) -> Result<Result<Attempt, TooManyAttempts>, DbErr> {
        let account = account_key(email);
        let client = client.map(client_key);
        let sign_ins = || Condition::all().add(attempt::Column::Kind.eq(Kind::SignIn));
        let of_account = || sign_ins().add(attempt::Column::Account.eq(&account));
        let mut limits = vec![
            Limit {
                max: self.limits.failed_per_account_and_client,
                rows: of_account()
                    .add(attempt::Column::Client.eq(client.clone().unwrap_or_default())),
            },
            Limit {
                max: self.limits.failed_per_account,
                rows: of_account(),
            },
        ];
        let mut locks = vec![format!("sign_in/account/{account}")];
        if let Some(client) = &client {
            limits.push(Limit {
                max: self.limits.failed_per_client,
                rows: sign_ins().add(attempt::Column::Client.eq(client)),
            });
            locks.push(format!("sign_in/client/{client}"));
        }
        let attempt = Attempt {
            account,
            client: client.unwrap_or_default(),
        };
        let admitted = self
            .admit(
                Kind::SignIn,
                &locks,
                &limits,
                self.limits.sign_in_window,
                &attempt,
                now,
            )
            .await?;
        Ok(admitted.map(|()| attempt))
    }

    /// The attempt succeeded: it no longer counts, nor do the other failures of its account
    /// from its client. Failures at the account from other clients still count (someone
    /// else's guessing does not stop because the owner signed in).
    pub async fn succeeded(&self, attempt: Attempt) -> Result<(), DbErr> {
        attempt::Entity::delete_many()
            .filter(attempt::Column::Kind.eq(Kind::SignIn))
            .filter(attempt::Column::Account.eq(attempt.account))
            .filter(attempt::Column::Client.eq(attempt.client))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Lets a sign-up from `client` in (counting it), or refuses it when the client has had
    /// its fill. Without a client address there is no limit (account-bff always gives one).
    pub async fn admit_sign_up(
        &self,
        client: Option<&str>,
    ) -> Result<Result<(), TooManyAttempts>, DbErr> {
        self.admit_sign_up_at(client, now_ms()).await
    }

    async fn admit_sign_up_at(
        &self,
        client: Option<&str>,
        now: i64,
    ) -> Result<Result<(), TooManyAttempts>, DbErr> {
        let Some(client) = client.map(client_key) else {
            return Ok(Ok(()));
        };
        let limits = [Limit {
            max: self.limits.sign_ups_per_client,
            rows: Condition::all()
                .add(attempt::Column::Kind.eq(Kind::SignUp))
                .add(attempt::Column::Client.eq(&client)),
        }];
        let locks = [format!("sign_up/client/{client}")];
        let attempt = Attempt {
            account: String::new(),
            client,
        };
        self.admit(
            Kind::SignUp,
            &locks,
            &limits,
            self.limits.sign_up_window,
            &attempt,
            now,
        )
        .await
    }

    /// The admission: lock `locks` in order, count each limit's rows within `window`, and
    /// add the attempt when every limit has room — in one transaction.
    async fn admit(
        &self,
        kind: Kind,
        locks: &[String],
        limits: &[Limit],
        window: Duration,
        attempt: &Attempt,
        now: i64,
    ) -> Result<Result<(), TooManyAttempts>, DbErr> {
        let window = millis(window);
        let since = now - window;
        let tx = self.db.begin().await?;
        for key in locks {
            lock(&tx, key, now).await?;
        }
        let mut wait_ms = 0;
        for limit in limits {
            let in_window = || {
                attempt::Entity::find()
                    .filter(limit.rows.clone())
                    .filter(attempt::Column::AtMs.gt(since))
            };
            let counted = in_window().count(&tx).await?;
            if counted < u64::from(limit.max) {
                continue;
            }
            // Room for one more once the oldest `counted - max + 1` have left the window.
            let oldest_to_leave: Option<i64> = in_window()
                .select_only()
                .column(attempt::Column::AtMs)
                .order_by_asc(attempt::Column::AtMs)
                .offset(counted - u64::from(limit.max))
                .limit(1)
                .into_tuple()
                .one(&tx)
                .await?;
            let wait = oldest_to_leave.map_or(window, |at| at + window - now);
            wait_ms = wait_ms.max(wait);
        }
        let admitted = if wait_ms > 0 {
            tx.rollback().await?;
            Err(TooManyAttempts::after_ms(wait_ms))
        } else {
            attempt::Entity::insert(attempt::ActiveModel {
                kind: Set(kind),
                account: Set(attempt.account.clone()),
                client: Set(attempt.client.clone()),
                at_ms: Set(now),
                ..Default::default()
            })
            .exec_without_returning(&tx)
            .await?;
            tx.commit().await?;
            Ok(())
        };
        self.sweep_now_and_then(now).await;
        Ok(admitted)
    }

    /// Sweeps unless this replica did within the sign-in window. A failed sweep is logged:
    /// the next one deletes what this one left.
    async fn sweep_now_and_then(&self, now: i64) {
        let due = {
            let mut swept_at = self.swept_at.lock().unwrap_or_else(PoisonError::into_inner);
            let due = swept_at.is_none_or(|at| at.elapsed() >= self.limits.sign_in_window);
            if due {
                *swept_at = Some(Instant::now());
            }
            due
        };
        if due {
            if let Err(error) = self.sweep(now).await {
                tracing::warn!(%error, "old sign-in and sign-up attempts were not deleted");
            }
        }
    }

    /// Deletes attempts older than their window and lock rows untouched for the longest
    /// window; how many attempts it deleted. Rows another transaction holds are skipped
    /// (PostgreSQL's `SKIP LOCKED`; SQLite has one writer at a time anyway), so this never
    /// waits for an admission nor makes one wait.
    pub async fn sweep(&self, now: i64) -> Result<u64, DbErr> {
        let mut deleted = 0;
        for (kind, window) in [
            (Kind::SignIn, self.limits.sign_in_window),
            (Kind::SignUp, self.limits.sign_up_window),
        ] {
            let old = Query::select()
                .column(attempt::Column::Id)
                .from(attempt::Entity)
                .and_where(attempt::Column::Kind.eq(kind))
                .and_where(attempt::Column::AtMs.lte(now - millis(window)))
                .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
                .to_owned();
            deleted += attempt::Entity::delete_many()
                .filter(attempt::Column::Id.in_subquery(old))
                .exec(&self.db)
                .await?
                .rows_affected;
        }
        let longest = self.limits.sign_in_window.max(self.limits.sign_up_window);
        let untouched = Query::select()
            .column(attempt_lock::Column::Key)
            .from(attempt_lock::Entity)
            .and_where(attempt_lock::Column::TouchedMs.lte(now - millis(longest)))
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .to_owned();
        attempt_lock::Entity::delete_many()
            .filter(attempt_lock::Column::Key.in_subquery(untouched))
            .exec(&self.db)
            .await?;
        if deleted > 0 {
            tracing::debug!(deleted, "old attempts deleted");
        }
        Ok(deleted)
    }
}

/// Writes the lock row `key`: held until the transaction ends (PostgreSQL: the row; SQLite:
/// the database's write lock).
async fn lock<C: ConnectionTrait>(db: &C, key: &str, now: i64) -> Result<(), DbErr> {
    attempt_lock::Entity::insert(attempt_lock::ActiveModel {
        key: Set(key.to_owned()),
        touched_ms: Set(now),
    })
    .on_conflict(
        OnConflict::column(attempt_lock::Column::Key)
            .value(attempt_lock::Column::TouchedMs, Expr::value(now))
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// An account as the attempts know it: SHA-256 of the normalised email, in hex — one
/// length whatever was typed, and no typed email kept.
fn account_key(email: &str) -> String {
    Sha256::digest(crate::domain::normalise_email(email).as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// A client as the attempts know it: its address, at most 64 characters (an address is
/// shorter; anything longer is cut, still one key per value).
fn client_key(client: &str) -> String {
    client.chars().take(64).collect()
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;
    use test_support::TestDatabase;

    const MINUTE: i64 = 60_000;

    fn limits(per_pair: u32, per_client: u32, per_account: u32) -> Limits {
        Limits {
            failed_per_account_and_client: per_pair,
            failed_per_client: per_client,
            failed_per_account: per_account,
            sign_in_window: Duration::from_secs(60),
            sign_ups_per_client: 2,
            sign_up_window: Duration::from_secs(600),
        }
    }

    /// The attempts of a fresh database of `kind`; `None` when it is not available here.
    async fn attempts(kind: TestDatabase, limits: Limits) -> Option<(Attempts, impl Drop)> {
        let database = kind.create().await?;
        let db = crate::database::connect_and_prepare(
            &database.url,
            platform::database::Pool::new(4, std::time::Duration::from_secs(5)),
        )
        .await
        .unwrap();
        Some((Attempts::new(db, limits), database))
    }

    async fn rows(attempts: &Attempts) -> u64 {
        attempt::Entity::find().count(&attempts.db).await.unwrap()
    }

    async fn the_attempt_after_the_limit_waits_for_the_oldest_failure_to_leave_the_window(
        kind: TestDatabase,
    ) {
        let Some((attempts, _db)) = attempts(kind, limits(3, 100, 100)).await else {
            return;
        };
        let start = now_ms();
        for second in 0..3 {
            attempts
                .admit_sign_in_at("ada@example.org", None, start + second * 1000)
                .await
                .unwrap()
                .unwrap();
        }
        let refused = attempts
            .admit_sign_in_at(" ADA@example.org", None, start + 20_500)
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(refused.retry_after_seconds, 40, "60 - 20.5, rounded up");
        // Another account is not held back.
        attempts
            .admit_sign_in_at("bob@example.org", None, start + 21_000)
            .await
            .unwrap()
            .unwrap();
        // The first failure leaves the window at 60 s: one more attempt, then none.
        attempts
            .admit_sign_in_at("ada@example.org", None, start + MINUTE)
            .await
            .unwrap()
            .unwrap();
        let refused = attempts
            .admit_sign_in_at("ada@example.org", None, start + MINUTE)
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(refused.retry_after_seconds, 1);
    }

    async fn a_success_clears_the_pair_but_not_the_clients_other_failures(kind: TestDatabase) {
        let Some((attempts, _db)) = attempts(kind, limits(2, 3, 100)).await else {
            return;
        };
        let now = now_ms();
        let admit = |email: &'static str, client: &'static str| {
            let attempts = &attempts;
            async move {
                attempts
                    .admit_sign_in_at(email, Some(client), now)
                    .await
                    .unwrap()
            }
        };
        admit("ada@example.org", "10.0.0.1").await.unwrap();
        admit("bob@example.org", "10.0.0.1").await.unwrap();
        let attempt = admit("ada@example.org", "10.0.0.1").await.unwrap();
        attempts.succeeded(attempt).await.unwrap();
        // ada's failures from this client are forgotten; bob's still count for the client.
        admit("ada@example.org", "10.0.0.1").await.unwrap();
        admit("ada@example.org", "10.0.0.1").await.unwrap();
        assert!(admit("ada@example.org", "10.0.0.1").await.is_err());
        assert!(admit("cyd@example.org", "10.0.0.1").await.is_err());
        // Without a client address, only the account counts.
        attempts
            .admit_sign_in_at("cyd@example.org", None, now)
            .await
            .unwrap()
            .unwrap();
    }

    async fn a_pair_locked_out_leaves_the_owner_in_until_the_account_ceiling(kind: TestDatabase) {
        let Some((attempts, _db)) = attempts(kind, limits(2, 50, 5)).await else {
            return;
        };
        let now = now_ms();
        let admit = |client: String| {
            let attempts = &attempts;
            async move {
                attempts
                    .admit_sign_in_at("ada@example.org", Some(&client), now)
                    .await
                    .unwrap()
            }
        };
        admit("attacker".into()).await.unwrap();
        admit("attacker".into()).await.unwrap();
        assert!(admit("attacker".into()).await.is_err());
        // The owner, elsewhere, still gets in.
        admit("owner".into()).await.unwrap();
        // Three more clients fill the account's ceiling of five: now nobody does.
        for n in 0..2 {
            admit(format!("helper-{n}")).await.unwrap();
        }
        let refused = admit("owner".into()).await.unwrap_err();
        assert_eq!(refused.retry_after_seconds, 60);
    }

    async fn sign_ups_count_per_client_and_never_come_back(kind: TestDatabase) {
        let Some((attempts, _db)) = attempts(kind, limits(10, 50, 100)).await else {
            return;
        };
        let start = now_ms();
        for second in 0..2 {
            attempts
                .admit_sign_up_at(Some("10.0.0.1"), start + second * 1000)
                .await
                .unwrap()
                .unwrap();
        }
        let refused = attempts
            .admit_sign_up_at(Some("10.0.0.1"), start + 2_000)
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(refused.retry_after_seconds, 598);
        attempts
            .admit_sign_up_at(Some("10.0.0.2"), start + 2_000)
            .await
            .unwrap()
            .unwrap();
        attempts
            .admit_sign_up_at(None, start + 2_000)
            .await
            .unwrap()
            .unwrap();
        // Sign-ups do not count as sign-in failures, nor the other way round.
        attempts
            .admit_sign_in_at("ada@example.org", Some("10.0.0.1"), start + 2_000)
            .await
            .unwrap()
            .unwrap();
        attempts
            .admit_sign_up_at(Some("10.0.0.1"), start + 600_000)
            .await
            .unwrap()
            .unwrap();
    }

    async fn old_rows_are_swept_and_recent_ones_kept(kind: TestDatabase) {
        let Some((attempts, _db)) = attempts(kind, limits(10, 500, 100)).await else {
            return;
        };
        let long_ago = now_ms() - 20 * MINUTE;
        for n in 0..30 {
            attempts
                .admit_sign_in_at(&format!("user{n}@example.org"), Some("10.0.0.9"), long_ago)
                .await
                .unwrap()
                .unwrap();
        }
        attempts
            .admit_sign_up_at(Some("10.0.0.9"), long_ago)
            .await
            .unwrap()
            .unwrap();
        // That admission's sweep found nothing old yet; this replica does not sweep again
        // within the window, so the sweep is asked for directly.
        let now = now_ms();
        attempts
            .admit_sign_in_at("late@example.org", Some("10.0.0.10"), now)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(rows(&attempts).await, 32);
        assert_eq!(attempts.sweep(now).await.unwrap(), 31);
        assert_eq!(rows(&attempts).await, 1);
        let locks = attempt_lock::Entity::find()
            .all(&attempts.db)
            .await
            .unwrap();
        let keys: Vec<&str> = locks.iter().map(|lock| lock.key.as_str()).collect();
        assert_eq!(keys.len(), 2, "{keys:?}");
        assert!(keys.contains(&"sign_in/client/10.0.0.10"), "{keys:?}");
        // Sweeping again, as another replica would, deletes nothing more.
        assert_eq!(attempts.sweep(now).await.unwrap(), 0);
    }

    async fn the_table_keeps_no_email(kind: TestDatabase) {
        let Some((attempts, _db)) = attempts(kind, limits(10, 50, 100)).await else {
            return;
        };
        attempts
            .admit_sign_in("Ada.Lovelace@example.org", Some("10.0.0.1"))
            .await
            .unwrap()
            .unwrap();
        let row = attempt::Entity::find()
            .one(&attempts.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.account, account_key("ada.lovelace@example.org "));
        assert_eq!(row.account.len(), 64);
        assert!(!row.account.contains("ada"));
        assert_eq!(row.client, "10.0.0.1");
    }

    #[test]
    fn a_wait_is_whole_seconds_rounded_up_and_at_least_one() {
        assert_eq!(TooManyAttempts::after_ms(39_500).retry_after_seconds, 40);
        assert_eq!(TooManyAttempts::after_ms(40_000).retry_after_seconds, 40);
        assert_eq!(TooManyAttempts::after_ms(1).retry_after_seconds, 1);
        assert_eq!(TooManyAttempts::after_ms(0).retry_after_seconds, 1);
    }

    #[test]
    fn long_client_addresses_are_cut() {
        assert_eq!(client_key("203.0.113.7"), "203.0.113.7");
        assert_eq!(client_key(&"x".repeat(500)).len(), 64);
    }

    macro_rules! on_both_databases {
        ($($name:ident),* $(,)?) => {
            $(
                mod $name {
                    #[tokio::test]
                    async fn sqlite() {
                        super::$name(test_support::TestDatabase::Sqlite).await;
                    }

                    #[tokio::test]
                    async fn postgres() {
                        super::$name(test_support::TestDatabase::Postgres).await;
                    }
                }
            )*
        };
    }

    on_both_databases!(
        the_attempt_after_the_limit_waits_for_the_oldest_failure_to_leave_the_window,
        a_success_clears_the_pair_but_not_the_clients_other_failures,
        a_pair_locked_out_leaves_the_owner_in_until_the_account_ceiling,
        sign_ups_count_per_client_and_never_come_back,
        old_rows_are_swept_and_recent_ones_kept,
        the_table_keeps_no_email,
    );
}
