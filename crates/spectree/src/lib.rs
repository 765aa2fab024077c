//! The Spec Tree server: configuration, and the wiring of store, use cases and HTTP into one
//! process. `main.rs` is the command line on top of this library; the test harness starts
//! servers through [`server::start`].

#![forbid(unsafe_code)]

pub mod activity;
pub mod audit;
pub mod config;
pub mod server;
