//! account-service: the system of record for users, their credentials, sessions and saved
//! addresses, and the only holder of the key that signs identity tokens.
//!
//! It owns the account database (SQLite by default, PostgreSQL when `DATABASE_URL` says
//! so), migrates it at start-up, and answers JSON over HTTP to account-bff only (the
//! contract is `account-service-api`).
//!
//! - Passwords are checked against NIST SP 800-63B's rules ([`domain`]) and kept as
//!   argon2id hashes, made and checked on blocking threads ([`passwords`]); no password
//!   is ever logged, stored or answered.
//! - Sign-in attempts are limited per account and client, per client and per account, and
//!   sign-ups per client, counted in the database so every replica counts the same ones
//!   ([`attempts`]). A sign-up with an email that has an account signs its owner in with its
//!   password and otherwise says only that it cannot be done.
//! - Sessions are kept server-side; their secrets only as SHA-256 ([`sessions`]). Every
//!   sign-up, sign-in and session check answers a fresh identity token signed with the
//!   private key (`ACCOUNT_SERVICE__SIGNING_KEY_FILE`, made on first start when missing).

pub mod addresses;
pub mod attempts;
pub mod configuration;
pub mod database;
pub mod domain;
pub mod entities;
pub mod ids;
pub mod migration;
pub mod passwords;
pub mod routes;
pub mod sessions;
pub mod startup;
pub mod users;
