//! Wire types of AI generation.

use serde::{Deserialize, Serialize};
use spectree_app::ai::Generation;
use spectree_domain::ai::{GenerationKind, GenerationState};
use spectree_domain::ids::{GenerationId, ItemId, UserId};
use utoipa::ToSchema;

use crate::views::time;

/// Start a generation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateRequest {
    /// `description` (text at the end, or at `position`), `acceptance_criteria` (new
    /// criteria, one per line) or `children` (new child items, one per line).
    pub kind: GenerationKind,
    /// What to write about (at most 4000 bytes; may be empty).
    #[serde(default)]
    pub prompt: String,
    /// For `description`: where to insert, in characters from the start. Default: the end.
    #[serde(default)]
    pub position: Option<usize>,
}

/// A generation job.
#[derive(Debug, Serialize, ToSchema)]
pub struct GenerationView {
    /// Id.
    pub id: GenerationId,
    /// The item written into.
    pub item_id: ItemId,
    /// Who started it (the AI writes for them).
    pub started_by: UserId,
    /// What it writes.
    pub kind: GenerationKind,
    /// `offline` or `openai`.
    pub provider: String,
    /// The prompt.
    pub prompt: String,
    /// `running`, `finished`, `cancelled` or `failed`.
    pub state: GenerationState,
    /// What it wrote: so far while it runs (saved about once a second), all of it once it
    /// ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// Tokens written (so far, while it runs).
    pub tokens: i64,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The Yjs client id its text and presence carry in the item's live document.
    pub client_id: u64,
    /// Started (RFC 3339).
    pub created_at: String,
    /// Ended (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
}

impl From<&Generation> for GenerationView {
    fn from(g: &Generation) -> Self {
        Self {
            id: g.id,
            item_id: g.item_id,
            started_by: g.started_by,
            kind: g.kind,
            provider: g.provider.clone(),
            prompt: g.prompt.clone(),
            state: g.state,
            output: g.output.clone(),
            tokens: g.tokens,
            error: g.error.clone(),
            client_id: g.client_id,
            created_at: time(g.created_at),
            finished_at: g.finished_at.map(time),
        }
    }
}

/// The organization's AI switch.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AiSettingsView {
    /// Whether members may start AI generation.
    pub enabled: bool,
}
