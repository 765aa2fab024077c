//! Organizations, teams, roles and the one function that decides every access.

mod permission;
mod role;
mod slug;

pub use permission::{Access, Action, Decision, ResourceKind, authorize};
pub use role::{Role, UnknownRole};
pub use slug::{InvalidName, InvalidSlug, validate_name, validate_slug};
