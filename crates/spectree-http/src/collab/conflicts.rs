//! `GET /api/v1/items/{item}/conflicts`: concurrent changes to one scalar field of a live
//! document, with the value kept and the value lost and who wrote each.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use spectree_app::store::collab::conflicts::{ConflictSide, FieldConflict};
use spectree_domain::ids::ItemId;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::{ApiPath, ApiQuery};
use crate::state::AppState;
use crate::views::{PageQuery, PageView, time};

/// One side of a conflict.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConflictSideView {
    /// The value written (null: none, such as no assignee).
    pub value: Option<String>,
    /// Who wrote it (null when unknown, such as a value seeded from the item's row).
    pub user_id: Option<String>,
    /// The Yjs client id of the write.
    pub client_id: u64,
    /// The Yjs clock of the write.
    pub clock: u32,
}

impl From<ConflictSide> for ConflictSideView {
    fn from(s: ConflictSide) -> Self {
        Self {
            value: s.value,
            user_id: s.user_id.map(|u| u.to_string()),
            client_id: s.client,
            clock: s.clock,
        }
    }
}

/// Two changes to one field made without seeing each other; the document kept `kept`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldConflictView {
    /// Conflict id.
    pub id: String,
    /// The field (`status`, `priority`, `assignee`, `type`).
    pub field: String,
    /// The value the item has (last writer wins, deterministically).
    pub kept: ConflictSideView,
    /// The value that lost.
    pub lost: ConflictSideView,
    /// When the server saw the race.
    pub recorded_at: String,
}

impl From<FieldConflict> for FieldConflictView {
    fn from(f: FieldConflict) -> Self {
        Self {
            id: f.id,
            field: f.field,
            kept: f.winner.into(),
            lost: f.loser.into(),
            recorded_at: time(f.created_at),
        }
    }
}

/// Concurrent changes to one scalar field of the item (live editing), oldest first.
#[utoipa::path(get, path = "/api/v1/items/{item}/conflicts", tag = "collaboration",
    params(("item" = ItemId, Path, description = "Item id"), PageQuery),
    responses((status = 200, description = "Conflicts", body = PageView<FieldConflictView>),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn list_conflicts(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(item): ApiPath<ItemId>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<PageView<FieldConflictView>>> {
    let page = state
        .app
        .list_field_conflicts(&actor, item, &q.request())
        .await?;
    Ok(Json(PageView::from_page(page, FieldConflictView::from)))
}
