//! A work item's fields, their limits and the parent rule.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::{ItemType, Priority, Status};
use crate::ids::{ItemId, UserId};

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 500;
/// Largest description (Markdown), in bytes.
pub const MAX_DESCRIPTION_BYTES: usize = 256 * 1024;
/// Most acceptance criteria on one item.
pub const MAX_CRITERIA: usize = 200;
/// Longest acceptance criterion, in characters.
pub const MAX_CRITERION_CHARS: usize = 4000;
/// Longest criterion id.
const MAX_CRITERION_ID: usize = 64;

/// One acceptance criterion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// Stable id within the item (a UUID when the server makes it).
    pub id: String,
    /// The criterion, Markdown.
    pub text: String,
    /// Whether it is met.
    pub done: bool,
}

/// Why an item's fields or place in the tree are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecRuleError {
    /// The title is empty or too long.
    #[error("a title is 1 to {MAX_TITLE_CHARS} characters, without control characters")]
    InvalidTitle,
    /// The description is too large.
    #[error("a description is at most {MAX_DESCRIPTION_BYTES} bytes")]
    DescriptionTooLarge,
    /// Too many or too long criteria, or a bad or repeated id.
    #[error("{0}")]
    InvalidCriteria(String),
    /// The child's type does not rank below its parent's.
    #[error(
        "a {child} cannot be placed under a {parent}: a child ranks below its parent (epic > feature > story > task)"
    )]
    RankViolation {
        /// The child's type.
        child: ItemType,
        /// The parent's type.
        parent: ItemType,
    },
}

/// Checks that `child` may sit under `parent` (any type may sit at the root).
pub fn check_parent(child: ItemType, parent: Option<ItemType>) -> Result<(), SpecRuleError> {
    match parent {
        Some(p) if child.rank() >= p.rank() => {
            Err(SpecRuleError::RankViolation { child, parent: p })
        }
        _ => Ok(()),
    }
}

/// Trims and checks a title.
pub fn validate_title(title: &str) -> Result<String, SpecRuleError> {
    let t = title.trim();
    if t.is_empty() || t.chars().count() > MAX_TITLE_CHARS || t.chars().any(|c| c.is_control()) {
        return Err(SpecRuleError::InvalidTitle);
    }
    Ok(t.to_owned())
}

/// Checks a description's size.
pub fn validate_description(description: &str) -> Result<(), SpecRuleError> {
    if description.len() > MAX_DESCRIPTION_BYTES {
        Err(SpecRuleError::DescriptionTooLarge)
    } else {
        Ok(())
    }
}

/// Checks criteria: count, lengths, ids unique and well-formed; empty ids are filled with
/// `new_id()`.
pub fn validate_criteria(
    criteria: Vec<Criterion>,
    mut new_id: impl FnMut() -> String,
) -> Result<Vec<Criterion>, SpecRuleError> {
    if criteria.len() > MAX_CRITERIA {
        return Err(SpecRuleError::InvalidCriteria(format!(
            "at most {MAX_CRITERIA} acceptance criteria"
        )));
    }
    let mut seen = std::collections::HashSet::new();
    criteria
        .into_iter()
        .map(|mut c| {
            if c.id.is_empty() {
                c.id = new_id();
            }
            let id_ok = c.id.len() <= MAX_CRITERION_ID
                && c.id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !id_ok {
                return Err(SpecRuleError::InvalidCriteria(format!(
                    "criterion id {:?} must be 1 to {MAX_CRITERION_ID} letters, digits, '-' or '_'",
                    c.id
                )));
            }
            if !seen.insert(c.id.clone()) {
                return Err(SpecRuleError::InvalidCriteria(format!(
                    "criterion id {:?} appears twice",
                    c.id
                )));
            }
            if c.text.chars().count() > MAX_CRITERION_CHARS {
                return Err(SpecRuleError::InvalidCriteria(format!(
                    "a criterion is at most {MAX_CRITERION_CHARS} characters"
                )));
            }
            Ok(c)
        })
        .collect()
}

/// Every field of a work item that its ETag covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemFields {
    /// Id.
    pub id: ItemId,
    /// Parent, `None` at the project's root.
    pub parent_id: Option<ItemId>,
    /// Position among siblings.
    pub position: String,
    /// Type.
    pub item_type: ItemType,
    /// Status.
    pub status: Status,
    /// Priority.
    pub priority: Priority,
    /// Assignee.
    pub assignee_id: Option<UserId>,
    /// Title.
    pub title: String,
    /// Markdown description.
    pub description: String,
    /// Ordered acceptance criteria.
    pub acceptance_criteria: Vec<Criterion>,
}

impl ItemFields {
    /// A strong ETag: a hash of every field, so any change changes it.
    pub fn etag(&self) -> String {
        let body = serde_json::to_vec(self).unwrap_or_default();
        let digest = Sha256::digest(&body);
        format!("\"{}\"", hex::encode(&digest[..12]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_rank_below_their_parents_and_anything_sits_at_the_root() {
        use ItemType::*;
        for child in ItemType::ALL {
            assert!(check_parent(*child, None).is_ok());
            for parent in ItemType::ALL {
                let ok = check_parent(*child, Some(*parent)).is_ok();
                assert_eq!(ok, child.rank() < parent.rank(), "{child} under {parent}");
            }
        }
        assert!(check_parent(Task, Some(Story)).is_ok());
        assert!(check_parent(Epic, Some(Feature)).is_err());
        assert!(check_parent(Story, Some(Story)).is_err());
    }

    #[test]
    fn limits_are_enforced() {
        assert_eq!(validate_title("  Login  ").unwrap(), "Login");
        assert!(validate_title("").is_err());
        assert!(validate_title(&"x".repeat(MAX_TITLE_CHARS + 1)).is_err());
        assert!(validate_title("a\nb").is_err());
        assert!(validate_description(&"x".repeat(MAX_DESCRIPTION_BYTES)).is_ok());
        assert!(validate_description(&"x".repeat(MAX_DESCRIPTION_BYTES + 1)).is_err());
        let c = |id: &str| Criterion {
            id: id.into(),
            text: "t".into(),
            done: false,
        };
        let mut n = 0;
        let filled = validate_criteria(vec![c(""), c("a")], || {
            n += 1;
            format!("gen{n}")
        })
        .unwrap();
        assert_eq!(filled[0].id, "gen1");
        assert!(validate_criteria(vec![c("a"), c("a")], String::new).is_err());
        assert!(validate_criteria(vec![c("bad id")], String::new).is_err());
    }

    #[test]
    fn the_etag_changes_with_any_field() {
        let f = ItemFields {
            id: ItemId::new(),
            parent_id: None,
            position: "80".into(),
            item_type: ItemType::Story,
            status: Status::Draft,
            priority: Priority::Medium,
            assignee_id: None,
            title: "Login".into(),
            description: String::new(),
            acceptance_criteria: vec![],
        };
        let mut g = f.clone();
        assert_eq!(f.etag(), g.etag());
        g.status = Status::Done;
        assert_ne!(f.etag(), g.etag());
        let mut h = f.clone();
        h.description = "x".into();
        assert_ne!(f.etag(), h.etag());
    }
}
