//! cart-service: the system of record for carts and orders.
//!
//! It owns the cart database (SQLite by default, PostgreSQL when `DATABASE_URL` says so),
//! migrates it at start-up, and answers JSON over HTTP (the contract is
//! `cart-service-api`). It asks catalog-service for prices and stock while a cart is
//! filled, and places orders with a checkout saga ([`saga`]): reserve the stock in the
//! catalog, take the payment, commit the reservation — undoing what was done when a step
//! fails, and finishing or undoing checkouts whose worker is gone, on any replica
//! ([`recovery`]). [`failpoints`] stop a checkout between two steps, in test builds only.

pub mod carts;
pub mod catalog;
pub mod configuration;
pub mod database;
pub mod entities;
pub mod failpoints;
pub mod ids;
pub mod migration;
pub mod orders;
pub mod payment;
pub mod recovery;
pub mod routes;
pub mod saga;
pub mod startup;
