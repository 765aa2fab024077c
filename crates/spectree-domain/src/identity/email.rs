//! Email addresses, normalized so one mailbox is one account.

use std::fmt;

/// A syntactically valid email address, trimmed and lowercased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

/// The text is not an email address we accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid email address")]
pub struct InvalidEmail;

/// Longest address (RFC 5321 path limit).
pub const MAX_EMAIL_LEN: usize = 254;

impl Email {
    /// Parses and normalizes an address: one `@`, a non-empty local part, a domain with a dot
    /// and no empty labels, no whitespace or control characters.
    pub fn parse(s: &str) -> Result<Email, InvalidEmail> {
        let s = s.trim().to_lowercase();
        if s.is_empty() || s.len() > MAX_EMAIL_LEN {
            return Err(InvalidEmail);
        }
        let (local, domain) = s.split_once('@').ok_or(InvalidEmail)?;
        let bad_char = |c: char| c.is_whitespace() || c.is_control() || "<>()[],;:\"\\".contains(c);
        if local.is_empty()
            || local.len() > 64
            || domain.contains('@')
            || s.chars().any(bad_char)
            || !domain.contains('.')
            || domain
                .split('.')
                .any(|label| label.is_empty() || label.starts_with('-'))
        {
            return Err(InvalidEmail);
        }
        Ok(Email(s))
    }

    /// The normalized address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or_default()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_normalized() {
        let e = Email::parse("  Ada@Example.COM ").unwrap();
        assert_eq!(e.as_str(), "ada@example.com");
        assert_eq!(e.domain(), "example.com");
    }

    #[test]
    fn bad_addresses_are_refused() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "a@@b.com",
            "a@b..com",
            "a@-b.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }
}
