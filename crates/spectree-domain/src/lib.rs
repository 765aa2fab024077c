//! Pure types and rules of Spec Tree. No I/O and no async: everything here is decided from
//! its inputs, so it is unit- and property-tested without a database or a clock.

pub mod activity;
pub mod ai;
pub mod audit;
pub mod clock;
pub mod discussion;
pub mod history;
pub mod identity;
pub mod ids;
pub mod notification;
pub mod org;
pub mod page;
pub mod shared_views;
pub mod spec;
pub mod webhooks;

pub use clock::{Clock, ManualClock, SystemClock, Timestamp};
