//! AI generation: what a job writes (`kind`), how it stands (`state`), the built-in offline
//! generator that derives text from an item's context, and the reading of an
//! OpenAI-compatible streamed answer. All pure; the I/O lives in `spectree-app`.

mod offline;
mod sse;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use offline::{GenerationContext, offline_text, split_tokens};
pub use sse::{SseEvent, SseReader};

/// Longest prompt accepted, in bytes.
pub const MAX_PROMPT_BYTES: usize = 4000;

/// What a generation writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GenerationKind {
    /// Text appended to (or inserted into) the description.
    Description,
    /// New acceptance criteria, one per line of output.
    AcceptanceCriteria,
    /// New child items, one per line of output (the line is the child's title).
    Children,
}

/// How a generation job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GenerationState {
    /// Writing.
    Running,
    /// Wrote everything the provider gave.
    Finished,
    /// Stopped by a person; what was written stays.
    Cancelled,
    /// The provider failed; what was written stays, the reason is recorded.
    Failed,
}

/// A stored name that is not one of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value {0:?}")]
pub struct UnknownValue(pub String);

macro_rules! names {
    ($t:ty, $($v:ident = $s:literal),*) => {
        impl $t {
            /// The stable name used in the API and the database.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s,)* }
            }
        }
        impl FromStr for $t {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                match s { $($s => Ok(Self::$v),)* _ => Err(UnknownValue(s.to_owned())) }
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

names!(
    GenerationKind,
    Description = "description",
    AcceptanceCriteria = "acceptance_criteria",
    Children = "children"
);
names!(
    GenerationState,
    Running = "running",
    Finished = "finished",
    Cancelled = "cancelled",
    Failed = "failed"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in [
            GenerationKind::Description,
            GenerationKind::AcceptanceCriteria,
            GenerationKind::Children,
        ] {
            assert_eq!(k.as_str().parse::<GenerationKind>(), Ok(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        assert!("other".parse::<GenerationState>().is_err());
    }
}
