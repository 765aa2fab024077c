//! Names and slugs of organizations and teams. Slugs appear in the web app's URLs, so they
//! are short, lowercase and URL-safe; API paths use ids.

/// A slug that breaks the rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a slug is 2 to 48 characters of lowercase letters, digits and single hyphens, not starting or ending with a hyphen"
)]
pub struct InvalidSlug;

/// A display name that breaks the rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a name is 1 to {max} characters and not only whitespace", max = MAX_NAME_CHARS)]
pub struct InvalidName;

/// Longest display name, in characters.
pub const MAX_NAME_CHARS: usize = 120;

/// Checks a slug.
pub fn validate_slug(s: &str) -> Result<(), InvalidSlug> {
    let ok_chars = s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if (2..=48).contains(&s.len())
        && ok_chars
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
    {
        Ok(())
    } else {
        Err(InvalidSlug)
    }
}

/// Trims and checks a display name.
pub fn validate_name(s: &str) -> Result<String, InvalidName> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > MAX_NAME_CHARS || t.chars().any(char::is_control) {
        Err(InvalidName)
    } else {
        Ok(t.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_the_rules() {
        for good in ["acme", "a1", "platform-team", "x-2-y"] {
            assert!(validate_slug(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "a",
            "Acme",
            "-acme",
            "acme-",
            "ac--me",
            "ac me",
            "ac_me",
            &"a".repeat(49),
        ] {
            assert!(validate_slug(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(validate_name("  Acme  ").unwrap(), "Acme");
        assert!(validate_name("   ").is_err());
        assert!(validate_name(&"x".repeat(121)).is_err());
        assert!(validate_name("a\u{0}b").is_err());
    }
}
