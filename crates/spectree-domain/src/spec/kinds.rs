//! Item types (with their rank in the tree), statuses and priorities.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The text is not one of the allowed values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}")]
pub struct UnknownValue {
    /// What was being parsed.
    pub kind: &'static str,
    /// The text.
    pub value: String,
}

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident, $kind:literal, { $($(#[$vmeta:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        $(#[$meta])*
        // Every stable name is the snake_case of its variant; saying so on the enum (not per
        // variant) lets the OpenAPI document show the names the API takes.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stable name used in the API and the database.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                match s {
                    $($text => Ok($name::$variant),)*
                    _ => Err(UnknownValue { kind: $kind, value: s.to_owned() }),
                }
            }
        }
    };
}

text_enum!(
    /// What a work item is; decides where it may sit in the tree.
    ItemType, "item type", {
        /// A large body of work.
        Epic = "epic",
        /// A capability, part of an epic.
        Feature = "feature",
        /// A user story, part of a feature.
        Story = "story",
        /// A unit of work, part of a story.
        Task = "task",
    }
);

text_enum!(
    /// Where a work item stands.
    Status, "status", {
        /// Being written.
        Draft = "draft",
        /// Specified and ready to start.
        Ready = "ready",
        /// Being worked on.
        InProgress = "in_progress",
        /// Waiting for review.
        InReview = "in_review",
        /// Finished.
        Done = "done",
    }
);

text_enum!(
    /// How urgent a work item is.
    Priority, "priority", {
        /// Can wait.
        Low = "low",
        /// Normal.
        Medium = "medium",
        /// Soon.
        High = "high",
        /// Now.
        Urgent = "urgent",
    }
);

impl ItemType {
    /// Rank in the tree: a child's rank is below its parent's.
    pub fn rank(self) -> u8 {
        match self {
            ItemType::Epic => 4,
            ItemType::Feature => 3,
            ItemType::Story => 2,
            ItemType::Task => 1,
        }
    }
}

// Written out because the enums come from a macro shared with `ItemType`, which has no default.
#[allow(clippy::derivable_impls)]
impl Default for Status {
    fn default() -> Self {
        Status::Draft
    }
}

#[allow(clippy::derivable_impls)]
impl Default for Priority {
    fn default() -> Self {
        Priority::Medium
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_their_names() {
        for t in ItemType::ALL {
            assert_eq!(t.as_str().parse::<ItemType>().unwrap(), *t);
        }
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>().unwrap(), *s);
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for p in Priority::ALL {
            assert_eq!(p.as_str().parse::<Priority>().unwrap(), *p);
        }
        assert!("bug".parse::<ItemType>().is_err());
        assert_eq!(ItemType::Epic.rank(), 4);
        assert!(ItemType::Story.rank() > ItemType::Task.rank());
    }
}
