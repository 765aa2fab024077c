//! Errors of the identity use cases.

use std::time::Duration;

use spectree_domain::identity::{PasswordRejected, SignupDenied};
use spectree_store::StoreError;

use crate::secret::SecretError;

/// Why an identity use case did not go through.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// The email address is malformed.
    #[error("not a valid email address")]
    InvalidEmail,
    /// The name is empty or too long.
    #[error("{0}")]
    InvalidName(String),
    /// The password breaks the policy.
    #[error(transparent)]
    WeakPassword(#[from] PasswordRejected),
    /// An account with this email exists.
    #[error("an account with this email address already exists")]
    EmailTaken,
    /// The sign-up policy refused.
    #[error(transparent)]
    SignupDenied(#[from] SignupDenied),
    /// Wrong email or password.
    #[error("wrong email or password")]
    InvalidCredentials,
    /// The address must be verified first.
    #[error("verify your email address before signing in")]
    EmailNotVerified,
    /// Too many failed attempts.
    #[error("too many failed attempts; try again later")]
    RateLimited {
        /// When to try again.
        retry_after: Duration,
    },
    /// A mailed link or invitation token is unknown, used or expired.
    #[error("this link is invalid or has expired")]
    InvalidToken,
    /// The setup code is wrong.
    #[error("the setup code is wrong")]
    InvalidSetupCode,
    /// The instance already has an administrator.
    #[error("this instance is already set up")]
    AlreadySetUp,
    /// No such session or token of this user.
    #[error("not found")]
    NotFound,
    /// A field is out of range.
    #[error("{0}")]
    Invalid(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Randomness or hashing failed.
    #[error(transparent)]
    Secret(#[from] SecretError),
}
