//! Version history use cases: recording versions of work items (automatic ones collected
//! from live and REST edits and closed when the item goes idle or the version reaches its
//! maximum length; immediate ones for moves, trash and restores), named versions, diffs,
//! rollback through the live document, attribution of text to its authors, project
//! snapshots, and history export.

mod attribution;
mod conflicts;
mod error;
mod export;
mod record;
mod snapshots;
mod versions;

pub use attribution::{AttributedRange, Attribution};
pub use error::HistoryError;
pub use export::HistoryFormat;
pub use record::snapshot_of;
pub use snapshots::{RestoreOutcome, SnapshotTarget};
pub use versions::{
    DiffTarget, ItemRestore, PlaceKept, PlaceRestore, VERSION_INDEX_MAX, VersionDetail,
};

/// Most rows one history page may hold.
pub const MAX_PAGE: u32 = 200;
