//! Accounts: email addresses, passwords and the sign-up policy.

mod email;
mod password;
mod signup;

pub use email::{Email, InvalidEmail};
pub use password::{PasswordPolicy, PasswordRejected};
pub use signup::{SignupDenied, SignupMode, SignupPolicy};
