//! The storefront's own tooling, as a library: `src/main.rs` is the `cargo xtask` command
//! line, and the browser tests (`e2e/`) reuse the same pieces so they run the shop exactly
//! as `cargo xtask up` does.

pub mod bench;
pub mod bench_ssr;
pub mod chromedriver;
pub mod css_scope;
pub mod gateway;
pub mod health;
pub mod load;
pub mod mfe;
pub mod postgres;
pub mod process;
pub mod site;
pub mod slices;
pub mod stack;
pub mod supervisor;
pub mod tools;
pub mod workspace;
