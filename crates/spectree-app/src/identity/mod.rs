//! Accounts and authentication: first-run setup, sign-up, log-in and log-out, sessions, API
//! tokens, email verification and password reset.

mod authenticate;
mod ended;
mod error;
mod limiter;
mod login;
mod password_reset;
mod recent;
mod setup;
mod signup;
mod tokens;

pub use ended::{CredentialEnds, CredentialWatch, Ended};
pub use error::IdentityError;
pub use limiter::LoginLimiter;
pub use login::NewSession;
pub(crate) use recent::RecentCredentials;
pub use signup::{SignupInput, SignupOutcome};
pub use tokens::NewToken;
