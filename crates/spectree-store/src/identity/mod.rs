//! Accounts: users, the first-run setup code, sessions, API tokens and mailed one-time tokens.

pub mod api_tokens;
pub mod sessions;
pub mod setup;
pub mod user_tokens;
pub mod users;
