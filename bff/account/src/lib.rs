//! account-bff: the account micro-frontend's own backend.
//!
//! It answers `/api/account/...` in the shapes of `account-api` — sign-up, sign-in and
//! sign-out, who is signed in, the profile, the saved addresses — by calling
//! account-service through a guarded client, and it is the one place that holds the
//! shopper's session: two HttpOnly cookies that page code never reads ([`cookies`]).
//!
//! - `account_session` (sent only to `/api/account/`) holds the session's secret. Every
//!   request that needs the shopper asks account-service whether that session still lives,
//!   so a session revoked anywhere (sign-out, sign-out everywhere) is a guest here at once.
//! - `identity` (site-wide; `__Host-identity` over HTTPS) holds the short-lived signed
//!   token the *other* BFFs trust without asking anyone. account-bff renews it from the live
//!   session whenever the browser's is missing, not valid, someone else's, or about to run
//!   out — the header's account menu asks `/api/account/me` on every page, so a signed-in
//!   shopper's token stays fresh.
//!
//! Forms are checked with `account-api`'s own rules before anything is sent on, the
//! service's refusals pass through with their codes, and when account-service is down or
//! slow the answer is 503 `account_unavailable` within the deadline — never a hang, and
//! never a pretended guest.

pub mod configuration;
pub mod cookies;
pub mod presenter;
pub mod routes;
pub mod startup;
