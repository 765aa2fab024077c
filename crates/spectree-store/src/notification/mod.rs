//! Watching, notification preferences, the per-user inbox and the digest queue. Watches,
//! inbox entries and digest lines are tenant rows (scoped by organization where the caller
//! knows it, and always by user); preferences belong to the person, across organizations.

pub mod digest;
pub mod inbox;
pub mod preferences;
pub mod watches;
