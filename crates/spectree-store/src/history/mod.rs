//! Version history: item versions (full snapshots every [`versions::FULL_EVERY`] versions,
//! text patches in between), the automatic version being collected for an item (drafts),
//! project snapshots, and the retention hook that prunes automatic versions. Snapshots,
//! patches and messages pass through the sealing API.

pub mod clients;
pub mod drafts;
mod prune;
pub mod snapshots;
pub mod versions;

pub use prune::prune_automatic_versions;

use spectree_domain::history::Author;

use crate::{StoreError, StoreResult};

fn authors_json(a: &[Author]) -> StoreResult<String> {
    serde_json::to_string(a).map_err(|e| StoreError::Corrupt(format!("authors: {e}")))
}

fn authors_from(s: &str) -> StoreResult<Vec<Author>> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("authors: {e}")))
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}
