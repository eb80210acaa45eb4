//! Limits on sign-in attempts, per account and per client, against password guessing.
//!
//! At most `max_per_account` failed attempts per account (the normalised email, whether or
//! not it has an account) and `max_per_client` per client (the address account-bff passes
//! in `Client-Address`) within a sliding `window`; past that, the next attempt is refused
//! before any password is checked, until the oldest counted failure leaves the window. A
//! successful sign-in clears its account's count.
//!
//! Each attempt is counted as failed when it is let in, and un-counted if it succeeds: so
//! attempts sent at the same moment cannot slip past the limit together.
//!
//! The counts live in this process's memory: each instance of the service counts on its
//! own, and a restart forgets them. For throttling that is acceptable — a restart gives a
//! guesser one more window's worth at most.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The counts and the limits.
pub struct SignInLimits {
    max_per_account: usize,
    max_per_client: usize,
    window: Duration,
    counts: Mutex<Counts>,
}

#[derive(Default)]
struct Counts {
    /// When each counted failure happened, oldest first.
    accounts: HashMap<String, VecDeque<Instant>>,
    clients: HashMap<String, VecDeque<Instant>>,
    swept_at: Option<Instant>,
}

/// An attempt let in; [`SignInLimits::succeeded`] un-counts it.
#[derive(Debug)]
pub struct Attempt {
    account: String,
    client: Option<String>,
    at: Instant,
}

/// An attempt refused: how long until one more is let in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyAttempts {
    /// Whole seconds, at least 1.
    pub retry_after_seconds: u64,
}

impl SignInLimits {
    pub fn new(max_per_account: u32, max_per_client: u32, window: Duration) -> Self {
        Self {
            max_per_account: max_per_account as usize,
            max_per_client: max_per_client as usize,
            window,
            counts: Mutex::default(),
        }
    }

    /// The limits of the contract (`account_service_api`).
    pub fn standard() -> Self {
        Self::new(
            account_service_api::MAX_FAILED_PER_ACCOUNT,
            account_service_api::MAX_FAILED_PER_CLIENT,
            Duration::from_secs(account_service_api::ATTEMPT_WINDOW_SECONDS),
        )
    }

    /// Lets an attempt at `account` from `client` in (counting it as failed), or refuses
    /// it when either has had its fill of failures within the window.
    pub fn admit(&self, account: &str, client: Option<&str>) -> Result<Attempt, TooManyAttempts> {
        self.admit_at(account, client, Instant::now())
    }

    fn admit_at(
        &self,
        account: &str,
        client: Option<&str>,
        now: Instant,
    ) -> Result<Attempt, TooManyAttempts> {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        self.sweep(&mut counts, now);
        let Counts {
            accounts, clients, ..
        } = &mut *counts;
        let account_failures = accounts.entry(account.to_owned()).or_default();
        let mut wait = self.wait(account_failures, self.max_per_account, now);
        let mut client_failures =
            client.map(|client| clients.entry(client.to_owned()).or_default());
        if let Some(failures) = &mut client_failures {
            wait = wait.max(self.wait(failures, self.max_per_client, now));
        }
        if let Some(wait) = wait {
            return Err(TooManyAttempts {
                retry_after_seconds: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            });
        }
        account_failures.push_back(now);
        if let Some(failures) = client_failures {
            failures.push_back(now);
        }
        Ok(Attempt {
            account: account.to_owned(),
            client: client.map(str::to_owned),
            at: now,
        })
    }

    /// The attempt succeeded: its account's count starts over, and the client's forgets it.
    pub fn succeeded(&self, attempt: Attempt) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.accounts.remove(&attempt.account);
        if let Some(failures) = attempt
            .client
            .as_ref()
            .and_then(|client| counts.clients.get_mut(client))
        {
            if let Some(position) = failures.iter().position(|at| *at == attempt.at) {
                failures.remove(position);
            }
        }
    }

    /// Drops failures that left the window from `failures`; how long until there is room
    /// for one more under `max`, or `None` when there is room now.
    fn wait(&self, failures: &mut VecDeque<Instant>, max: usize, now: Instant) -> Option<Duration> {
        while failures
            .front()
            .is_some_and(|at| now.duration_since(*at) >= self.window)
        {
            failures.pop_front();
        }
        if failures.len() < max {
            return None;
        }
        let oldest = failures.front()?;
        Some((self.window - now.duration_since(*oldest)).max(Duration::from_secs(1)))
    }

    /// Once per window, forgets accounts and clients without a failure in it, so that
    /// guesses at many emails cannot fill the memory.
    fn sweep(&self, counts: &mut Counts, now: Instant) {
        if counts
            .swept_at
            .is_some_and(|at| now.duration_since(at) < self.window)
        {
            return;
        }
        counts.swept_at = Some(now);
        let window = self.window;
        let recent = |failures: &mut VecDeque<Instant>| {
            failures
                .back()
                .is_some_and(|at| now.duration_since(*at) < window)
        };
        counts.accounts.retain(|_, failures| recent(failures));
        counts.clients.retain(|_, failures| recent(failures));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn the_attempt_after_the_limit_waits_for_the_oldest_failure_to_leave_the_window() {
        let limits = SignInLimits::new(3, 100, MINUTE);
        let start = Instant::now();
        for second in 0..3 {
            limits
                .admit_at("ada@example.org", None, start + Duration::from_secs(second))
                .unwrap();
        }
        let refused = limits
            .admit_at(
                "ada@example.org",
                None,
                start + Duration::from_millis(20_500),
            )
            .unwrap_err();
        assert_eq!(refused.retry_after_seconds, 40, "60 - 20.5, rounded up");
        // Another account is not held back.
        limits
            .admit_at("bob@example.org", None, start + Duration::from_secs(21))
            .unwrap();
        // The first failure leaves the window at 60 s: one more attempt, then none.
        limits
            .admit_at("ada@example.org", None, start + MINUTE)
            .unwrap();
        let refused = limits
            .admit_at("ada@example.org", None, start + MINUTE)
            .unwrap_err();
        assert_eq!(refused.retry_after_seconds, 1);
    }

    #[test]
    fn a_success_clears_the_account_but_not_other_failures_of_the_client() {
        let limits = SignInLimits::new(2, 3, MINUTE);
        let now = Instant::now();
        limits
            .admit_at("ada@example.org", Some("10.0.0.1"), now)
            .unwrap();
        limits
            .admit_at("bob@example.org", Some("10.0.0.1"), now)
            .unwrap();
        let attempt = limits
            .admit_at("ada@example.org", Some("10.0.0.1"), now)
            .unwrap();
        limits.succeeded(attempt);
        // ada's count starts over; the client keeps its two failures.
        limits
            .admit_at("ada@example.org", Some("10.0.0.1"), now)
            .unwrap();
        assert!(limits
            .admit_at("ada@example.org", Some("10.0.0.1"), now)
            .is_err());
        assert!(limits
            .admit_at("cyd@example.org", Some("10.0.0.1"), now)
            .is_err());
        // Without a client address, only the account counts.
        limits.admit_at("cyd@example.org", None, now).unwrap();
    }

    #[test]
    fn the_client_limit_holds_across_accounts() {
        let limits = SignInLimits::new(10, 50, MINUTE);
        let now = Instant::now();
        for n in 0..50 {
            limits
                .admit_at(&format!("user{n}@example.org"), Some("10.0.0.9"), now)
                .unwrap();
        }
        let refused = limits
            .admit_at("someone.new@example.org", Some("10.0.0.9"), now)
            .unwrap_err();
        assert_eq!(refused.retry_after_seconds, 60);
        limits
            .admit_at("someone.new@example.org", Some("10.0.0.10"), now)
            .unwrap();
    }

    #[test]
    fn stale_entries_are_swept() {
        let limits = SignInLimits::new(10, 50, MINUTE);
        let now = Instant::now();
        for n in 0..100 {
            limits
                .admit_at(&format!("user{n}@example.org"), Some("10.0.0.9"), now)
                .ok();
        }
        limits
            .admit_at("late@example.org", None, now + 2 * MINUTE)
            .unwrap();
        let counts = limits.counts.lock().unwrap();
        assert_eq!(counts.accounts.len(), 1);
        assert!(counts.clients.is_empty());
    }
}
