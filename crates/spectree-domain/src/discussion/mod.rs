//! Discussion rules: comment bodies (Markdown with a size cap, rendered to sanitised HTML),
//! `@handle` mentions, reaction emoji and where a thread may be anchored.

mod emoji;
mod markdown;

pub use emoji::validate_emoji;
pub use markdown::{handle_of_email, mentions, render_html};

/// Largest comment body, in bytes of Markdown.
pub const MAX_COMMENT_BYTES: usize = 10_000;

/// Largest quoted text kept with an anchored thread, in characters.
pub const MAX_QUOTE_CHARS: usize = 500;

/// Why a discussion input was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscussionRuleError {
    /// The body is empty or only whitespace.
    #[error("a comment needs a body")]
    EmptyBody,
    /// The body is over [`MAX_COMMENT_BYTES`].
    #[error("a comment body holds at most {MAX_COMMENT_BYTES} bytes")]
    BodyTooLong,
    /// Not a short emoji sequence.
    #[error("a reaction is one emoji (at most 32 bytes, no letters or spaces)")]
    InvalidEmoji,
    /// The anchor field is neither `description` nor `criterion:<id>`.
    #[error("an anchor is on \"description\" or \"criterion:<id>\"")]
    InvalidAnchorField,
}

/// Checks a comment body.
pub fn validate_body(body: &str) -> Result<(), DiscussionRuleError> {
    if body.trim().is_empty() {
        return Err(DiscussionRuleError::EmptyBody);
    }
    if body.len() > MAX_COMMENT_BYTES {
        return Err(DiscussionRuleError::BodyTooLong);
    }
    Ok(())
}

/// The text of an item a thread may be anchored to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnchorField {
    /// The Markdown description.
    Description,
    /// The text of the acceptance criterion with this id.
    Criterion(String),
}

impl AnchorField {
    /// Parses `description` or `criterion:<id>`.
    pub fn parse(s: &str) -> Result<Self, DiscussionRuleError> {
        match s.split_once(':') {
            None if s == "description" => Ok(AnchorField::Description),
            Some(("criterion", id)) if !id.is_empty() && id.len() <= 64 => {
                Ok(AnchorField::Criterion(id.to_owned()))
            }
            _ => Err(DiscussionRuleError::InvalidAnchorField),
        }
    }
}

impl std::fmt::Display for AnchorField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AnchorField::Description => f.write_str("description"),
            AnchorField::Criterion(id) => write!(f, "criterion:{id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_must_be_non_blank_and_under_the_cap() {
        assert_eq!(validate_body("  \n"), Err(DiscussionRuleError::EmptyBody));
        assert_eq!(
            validate_body(&"a".repeat(MAX_COMMENT_BYTES + 1)),
            Err(DiscussionRuleError::BodyTooLong)
        );
        assert!(validate_body(&"a".repeat(MAX_COMMENT_BYTES)).is_ok());
    }

    #[test]
    fn anchor_fields_round_trip_and_reject_others() {
        for s in ["description", "criterion:c1"] {
            assert_eq!(AnchorField::parse(s).unwrap().to_string(), s);
        }
        for s in ["title", "criterion:", "criterion", "fields:status", ""] {
            assert!(AnchorField::parse(s).is_err(), "{s}");
        }
    }
}
