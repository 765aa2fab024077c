//! Wire types of the discussion routes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use spectree_app::discussion::{CommentDetails, MentionOutcome, Suggestion, ThreadDetails};
use utoipa::{IntoParams, ToSchema};

use crate::views::{time, time_opt};

/// Where a new thread is anchored: `description` or `criterion:<id>`, and the range as either
/// two Yjs relative positions (base64 of `Y.encodeRelativePosition`, start then end) or two
/// offsets into the field's current text (UTF-16 code units, as Yjs counts).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnchorRequest {
    /// `description` or `criterion:<id>`.
    pub field: String,
    /// Start position (base64 of an encoded Yjs relative position).
    pub start: Option<String>,
    /// End position.
    pub end: Option<String>,
    /// Start offset, when no positions are given.
    pub from: Option<u32>,
    /// End offset (exclusive).
    pub to: Option<u32>,
}

/// A new thread.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateThreadRequest {
    /// Markdown body of the first comment (at most 10,000 bytes).
    pub body: String,
    /// The anchor; absent for a general thread on the item.
    pub anchor: Option<AnchorRequest>,
}

/// A comment body (reply or edit).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentRequest {
    /// Markdown body (at most 10,000 bytes).
    pub body: String,
}

/// A reaction to toggle.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReactionRequest {
    /// One emoji (at most 32 bytes).
    pub emoji: String,
}

/// Query of the mention suggestions.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SuggestionQuery {
    /// What was typed after `@` (a handle or name prefix; empty lists the first members).
    pub q: Option<String>,
}

/// Where an anchored thread is.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnchorView {
    /// `description` or `criterion:<id>`.
    pub field: String,
    /// Start position (base64 of an encoded Yjs relative position).
    pub start: String,
    /// End position.
    pub end: String,
    /// The text the range held when the thread was opened.
    pub quote: String,
    /// Current start offset (UTF-16 code units); null when detached.
    pub from: Option<u32>,
    /// Current end offset; null when detached.
    pub to: Option<u32>,
    /// The text the range holds now.
    pub text: String,
    /// The range's text was deleted: the thread is kept but no longer points anywhere.
    pub detached: bool,
}

/// One emoji on a comment.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReactionView {
    /// The emoji.
    pub emoji: String,
    /// How many people reacted with it.
    pub count: usize,
    /// Who, in order.
    pub user_ids: Vec<String>,
}

/// A comment.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentView {
    /// Id.
    pub id: String,
    /// Its thread.
    pub thread_id: String,
    /// Author.
    pub author_id: String,
    /// Markdown body (empty once deleted).
    pub body: String,
    /// The body rendered to sanitised HTML.
    pub html: String,
    /// Created.
    pub created_at: String,
    /// Last edited (the "edited" mark); null if never.
    pub edited_at: Option<String>,
    /// Deleted: a tombstone that keeps the thread's order.
    pub deleted: bool,
    /// When it was deleted.
    pub deleted_at: Option<String>,
    /// Reactions by emoji.
    pub reactions: Vec<ReactionView>,
    /// Members mentioned who can see the item.
    pub mentioned_user_ids: Vec<String>,
}

impl From<CommentDetails> for CommentView {
    fn from(d: CommentDetails) -> Self {
        let c = d.comment;
        Self {
            id: c.id,
            thread_id: c.thread_id,
            author_id: c.author_id.to_string(),
            body: c.body,
            html: d.html,
            created_at: time(c.created_at),
            edited_at: time_opt(c.edited_at),
            deleted: c.deleted_at.is_some(),
            deleted_at: time_opt(c.deleted_at),
            reactions: d
                .reactions
                .into_iter()
                .map(|r| ReactionView {
                    emoji: r.emoji,
                    count: r.users.len(),
                    user_ids: r.users.iter().map(ToString::to_string).collect(),
                })
                .collect(),
            mentioned_user_ids: d.mentions.iter().map(ToString::to_string).collect(),
        }
    }
}

/// A comment thread on a work item.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThreadView {
    /// Id.
    pub id: String,
    /// The work item.
    pub item_id: String,
    /// The anchor; null for a general thread.
    pub anchor: Option<AnchorView>,
    /// Who opened it.
    pub created_by: String,
    /// When.
    pub created_at: String,
    /// Resolved.
    pub resolved: bool,
    /// When it was resolved.
    pub resolved_at: Option<String>,
    /// By whom.
    pub resolved_by: Option<String>,
    /// Comments, oldest first (tombstones included).
    pub comments: Vec<CommentView>,
}

impl From<ThreadDetails> for ThreadView {
    fn from(d: ThreadDetails) -> Self {
        let t = d.thread;
        let anchor = match (t.anchor, d.anchor) {
            (Some(a), Some(r)) => Some(AnchorView {
                field: a.field,
                start: STANDARD.encode(&a.start),
                end: STANDARD.encode(&a.end),
                quote: a.quote,
                from: r.start,
                to: r.end,
                text: r.text,
                detached: r.detached,
            }),
            _ => None,
        };
        Self {
            id: t.id,
            item_id: t.item_id.to_string(),
            anchor,
            created_by: t.created_by.to_string(),
            created_at: time(t.created_at),
            resolved: t.resolved_at.is_some(),
            resolved_at: time_opt(t.resolved_at),
            resolved_by: t.resolved_by.map(|u| u.to_string()),
            comments: d.comments.into_iter().map(CommentView::from).collect(),
        }
    }
}

/// What the mentions of a comment came to.
#[derive(Debug, Serialize, ToSchema)]
pub struct MentionsView {
    /// Members mentioned who can see the item.
    pub mentioned_user_ids: Vec<String>,
    /// Handles that name no member of the organization (or more than one).
    pub unresolved_mentions: Vec<String>,
    /// Handles of members who cannot see the item: they were not told about it.
    pub mentions_without_access: Vec<String>,
}

impl From<MentionOutcome> for MentionsView {
    fn from(m: MentionOutcome) -> Self {
        Self {
            mentioned_user_ids: m.mentioned.iter().map(ToString::to_string).collect(),
            unresolved_mentions: m.unresolved,
            mentions_without_access: m.without_access,
        }
    }
}

/// A thread just opened, and what its mentions came to.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThreadCreatedView {
    /// The thread.
    pub thread: ThreadView,
    /// The first comment's mentions.
    pub mentions: MentionsView,
}

/// A comment just written or edited, and what its mentions came to.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentWrittenView {
    /// The comment.
    pub comment: CommentView,
    /// Its mentions.
    pub mentions: MentionsView,
}

/// A member who can be mentioned.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionView {
    /// The member.
    pub user_id: String,
    /// Their handle (type `@handle`).
    pub handle: String,
    /// Their name.
    pub name: String,
}

impl From<Suggestion> for SuggestionView {
    fn from(s: Suggestion) -> Self {
        Self {
            user_id: s.user_id.to_string(),
            handle: s.handle,
            name: s.name,
        }
    }
}

/// The suggestions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionsView {
    /// Members who can see the item, best first (at most 10).
    pub items: Vec<SuggestionView>,
}
