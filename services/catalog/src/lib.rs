//! catalog-service: the system of record for products, categories and stock.
//!
//! It owns the catalog database (SQLite by default, PostgreSQL when `DATABASE_URL` says
//! so), migrates and seeds it at start-up, and answers JSON over HTTP. Nothing else reads
//! its tables; clients use the contract in `catalog-service-api`.

pub mod configuration;
pub mod database;
pub mod domain;
pub mod entities;
pub mod migration;
pub mod routes;
pub mod seed;
pub mod startup;
pub mod storage;
