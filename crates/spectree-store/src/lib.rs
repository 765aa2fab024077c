//! Persistence for Spec Tree. One store serves SQLite (the embedded default) and PostgreSQL:
//! queries are written once in the SQL both understand and run through sqlx's `Any` driver;
//! each backend has its own migrations producing the same schema semantics (see
//! `docs/decisions/0002-one-store-over-sqlx-any.md`).
//!
//! Repository functions live in one folder per domain and take a `&mut AnyConnection`, so the
//! same function runs inside a use case's transaction or on a pooled read connection.

pub mod activity;
pub mod ai;
pub mod audit;
pub mod blob;
pub mod collab;
mod db;
pub mod discussion;
mod error;
pub mod history;
pub mod identity;
pub mod notification;
pub mod org;
mod row;
pub mod seal;
pub mod shared_views;
pub mod spec;
mod tx;
pub mod webhooks;
mod writes;

pub use db::{Conn, Dialect, Store, StoreOptions};
pub use error::StoreError;
pub use sqlx::AnyConnection;
pub use tx::Tx;
pub use writes::{Binder, Writes};

/// Result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// `n` numbered bind parameters from `$first`, comma-separated, for an `IN (…)` list.
pub(crate) fn param_list(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}
