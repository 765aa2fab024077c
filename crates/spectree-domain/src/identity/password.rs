//! What a password must be. Kept deliberately simple (NIST SP 800-63B): a minimum length, a
//! maximum to bound hashing work, and not the same as the email address.

/// The rules a new password must meet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Fewest characters.
    pub min_chars: usize,
}

/// Most characters accepted, to bound the work of hashing.
pub const MAX_PASSWORD_CHARS: usize = 256;

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self { min_chars: 10 }
    }
}

/// Why a password was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRejected {
    /// Too short.
    #[error("the password must have at least {0} characters")]
    TooShort(usize),
    /// Too long.
    #[error("the password must have at most {MAX_PASSWORD_CHARS} characters")]
    TooLong,
    /// Same as the account's email address.
    #[error("the password must not be the email address")]
    SameAsEmail,
}

impl PasswordPolicy {
    /// Checks a candidate password for an account with this email address.
    pub fn check(&self, password: &str, email: &str) -> Result<(), PasswordRejected> {
        let n = password.chars().count();
        if n < self.min_chars {
            return Err(PasswordRejected::TooShort(self.min_chars));
        }
        if n > MAX_PASSWORD_CHARS {
            return Err(PasswordRejected::TooLong);
        }
        if password.eq_ignore_ascii_case(email) {
            return Err(PasswordRejected::SameAsEmail);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_checks_length_and_email() {
        let p = PasswordPolicy::default();
        assert_eq!(
            p.check("short", "a@b.co"),
            Err(PasswordRejected::TooShort(10))
        );
        assert_eq!(
            p.check(&"x".repeat(257), "a@b.co"),
            Err(PasswordRejected::TooLong)
        );
        assert_eq!(
            p.check("ada@example.com", "ada@example.com"),
            Err(PasswordRejected::SameAsEmail)
        );
        assert!(p.check("correct horse battery", "a@b.co").is_ok());
    }
}
