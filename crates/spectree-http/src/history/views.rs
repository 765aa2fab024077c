//! Wire types of version history.

use serde::{Deserialize, Serialize};
use spectree_app::history::{
    AttributedRange, Attribution, ItemRestore, PlaceRestore, RestoreOutcome, VersionDetail,
};
use spectree_app::store::history::snapshots::SnapshotMeta;
use spectree_app::store::history::versions::VersionMeta;
use spectree_domain::history::{Author, FieldChange, ItemSnapshot, TreeItem, VersionKind};
use spectree_domain::ids::{ProjectId, UserId};
use utoipa::{IntoParams, ToSchema};

use crate::views::time;

/// One version of an item (without its snapshot).
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionView {
    /// Number, from 1 per item.
    pub number: i64,
    /// `auto`, `named` or `restore`.
    pub kind: VersionKind,
    /// What closed it: `create`, `edit`, `move`, `trash`, `untrash`, `save`, `rollback`,
    /// `project_restore` or `baseline` (the state of an item made before history existed).
    pub cause: String,
    /// First change in it (RFC 3339).
    pub started_at: String,
    /// When it closed (RFC 3339).
    pub created_at: String,
    /// Everyone who changed the item in it.
    pub authors: Vec<Author>,
    /// Message of a named version or a restore.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Names of the fields it changed.
    pub fields: Vec<String>,
    /// The version a restore brought back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restored_from: Option<i64>,
}

impl From<&VersionMeta> for VersionView {
    fn from(v: &VersionMeta) -> Self {
        Self {
            number: v.number,
            kind: v.kind,
            cause: v.cause.clone(),
            started_at: time(v.started_at),
            created_at: time(v.created_at),
            authors: v.authors.clone(),
            message: v.message.clone(),
            fields: v.fields.clone(),
            restored_from: v.restored_from,
        }
    }
}

/// Which part of the version index to read.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VersionIndexQuery {
    /// Versions to return (1 to 10,000, default 10,000).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous answer.
    pub cursor: Option<String>,
}

// The database renders the index (decision 0024): this type documents the answer's shape.
/// One line of the version index: a version's metadata, with times as Unix milliseconds.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionEntryView {
    /// Number, from 1 per item.
    pub number: i64,
    /// `auto`, `named` or `restore`.
    pub kind: VersionKind,
    /// What closed it (as in the version list).
    pub cause: String,
    /// First change in it, milliseconds since the Unix epoch.
    pub started_at_ms: i64,
    /// When it closed, milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// Everyone who changed the item in it.
    pub authors: Vec<Author>,
    /// Message of a named version or a restore.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Names of the fields it changed.
    pub fields: Vec<String>,
    /// The version a restore brought back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restored_from: Option<i64>,
}

/// An item's version index, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionIndexView {
    /// Versions in this answer.
    pub count: usize,
    /// The versions, newest first.
    pub versions: Vec<VersionEntryView>,
    /// Pass as `cursor` for the older versions; absent when this answer reaches version 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// What an item restore did with the item's place in the tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceRestoreView {
    /// `restored` (moved back under the version's parent, at its position or the nearest free
    /// one), `unchanged` (it was there already) or `kept` (it stays where it is).
    pub status: &'static str,
    /// For `kept`: `parent_gone`, `move_into_own_subtree` or `rank_violation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    /// For `kept`: why, for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
}

impl From<PlaceRestore> for PlaceRestoreView {
    fn from(p: PlaceRestore) -> Self {
        let kept = match p {
            PlaceRestore::Kept(k) => Some(k),
            _ => None,
        };
        Self {
            status: p.code(),
            code: kept.map(|k| k.code()),
            reason: kept.map(|k| k.reason()),
        }
    }
}

/// The version an item restore made, and what it did with the item's place.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemRestoreView {
    /// The new version.
    #[serde(flatten)]
    pub version: VersionView,
    /// The item's place in the tree.
    pub place: PlaceRestoreView,
}

impl From<&ItemRestore> for ItemRestoreView {
    fn from(r: &ItemRestore) -> Self {
        Self {
            version: VersionView::from(&r.version),
            place: r.place.into(),
        }
    }
}

/// One version with the full item and the changes since the version before.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDetailView {
    /// The version.
    pub version: VersionView,
    /// The item as of this version.
    pub snapshot: ItemSnapshot,
    /// Field changes since the version before (every field, as `create`, for the first).
    pub changes: Vec<FieldChange>,
}

impl From<&VersionDetail> for VersionDetailView {
    fn from(d: &VersionDetail) -> Self {
        Self {
            version: VersionView::from(&d.meta),
            snapshot: d.snapshot.clone(),
            changes: d.changes.clone(),
        }
    }
}

/// A version or snapshot message.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveVersionRequest {
    /// 1 to 1000 characters.
    pub message: String,
}

/// Rendering of a diff.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DiffFormat {
    /// JSON.
    #[default]
    Json,
    /// Markdown with word diffs in `[-removed-]{+added+}` form.
    Markdown,
}

/// Which versions (or snapshots) to compare.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The older side: a version (or snapshot) number.
    pub from: i64,
    /// The newer side: a number; absent compares with the current state.
    pub to: Option<i64>,
    /// `json` (default) or `markdown`.
    pub format: Option<DiffFormat>,
}

/// Export formats of history.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum HistoryExportFormat {
    /// JSON Lines: one version (or snapshot) per line.
    Jsonl,
    /// A Markdown changelog.
    Markdown,
}

/// History export query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryExportQuery {
    /// `jsonl` or `markdown`.
    pub format: HistoryExportFormat,
}

impl From<HistoryExportFormat> for spectree_app::history::HistoryFormat {
    fn from(f: HistoryExportFormat) -> Self {
        match f {
            HistoryExportFormat::Jsonl => Self::Jsonl,
            HistoryExportFormat::Markdown => Self::Markdown,
        }
    }
}

/// A run of text and who wrote it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RangeView {
    /// First character (Unicode scalar values, from 0).
    pub start: usize,
    /// One past the last character.
    pub end: usize,
    /// The text.
    pub text: String,
    /// The author, absent when unknown: `{kind: "user", user_id}` for a person, `{kind: "ai",
    /// user_id}` for text an AI wrote for the person who started it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<Author>,
}

impl From<&AttributedRange> for RangeView {
    fn from(r: &AttributedRange) -> Self {
        Self {
            start: r.start,
            end: r.end,
            text: r.text.clone(),
            author: r
                .user_id
                .map(|u| if r.ai { Author::ai(u) } else { Author::user(u) }),
        }
    }
}

/// Attribution of one criterion.
#[derive(Debug, Serialize, ToSchema)]
pub struct CriterionAttributionView {
    /// Criterion id.
    pub id: String,
    /// Ranges of its text.
    pub ranges: Vec<RangeView>,
}

/// Who wrote each range of the current description and criteria.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttributionView {
    /// Ranges of the description.
    pub description: Vec<RangeView>,
    /// Ranges of each criterion, in order.
    pub acceptance_criteria: Vec<CriterionAttributionView>,
}

impl From<&Attribution> for AttributionView {
    fn from(a: &Attribution) -> Self {
        Self {
            description: a.description.iter().map(RangeView::from).collect(),
            acceptance_criteria: a
                .criteria
                .iter()
                .map(|(id, r)| CriterionAttributionView {
                    id: id.clone(),
                    ranges: r.iter().map(RangeView::from).collect(),
                })
                .collect(),
        }
    }
}

/// A project snapshot (without its items).
#[derive(Debug, Serialize, ToSchema)]
pub struct SnapshotView {
    /// Project.
    pub project_id: ProjectId,
    /// Number, from 1 per project.
    pub number: i64,
    /// Message.
    pub message: String,
    /// `manual`, or `before_restore` for the one taken automatically before a restore.
    pub cause: String,
    /// Who took it.
    pub created_by: UserId,
    /// When (RFC 3339).
    pub created_at: String,
    /// Items in it.
    pub item_count: i64,
}

impl From<&SnapshotMeta> for SnapshotView {
    fn from(s: &SnapshotMeta) -> Self {
        Self {
            project_id: s.project_id,
            number: s.number,
            message: s.message.clone(),
            cause: s.cause.clone(),
            created_by: s.created_by,
            created_at: time(s.created_at),
            item_count: s.item_count,
        }
    }
}

/// A project snapshot with every item.
#[derive(Debug, Serialize, ToSchema)]
pub struct SnapshotDetailView {
    /// The snapshot.
    pub snapshot: SnapshotView,
    /// Every live item at that moment, with its full content.
    pub items: Vec<TreeItem>,
}

/// What a project restore did.
#[derive(Debug, Serialize, ToSchema)]
pub struct RestoreOutcomeView {
    /// The snapshot restored.
    pub restored: i64,
    /// The snapshot taken of the project just before the restore.
    pub saved_before: i64,
    /// Items whose content, fields, place or trash state changed.
    pub changed: usize,
    /// Items recreated because they had been purged.
    pub recreated: usize,
    /// Items made after the snapshot, moved to the trash.
    pub trashed: usize,
}

impl From<&RestoreOutcome> for RestoreOutcomeView {
    fn from(o: &RestoreOutcome) -> Self {
        Self {
            restored: o.restored,
            saved_before: o.saved_before,
            changed: o.changed,
            recreated: o.recreated,
            trashed: o.trashed,
        }
    }
}
