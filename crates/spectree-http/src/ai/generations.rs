//! Starting, reading and cancelling generation jobs.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use spectree_app::ai::StartGeneration;
use spectree_domain::ids::{GenerationId, ItemId};

use super::views::{GenerateRequest, GenerationView};
use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;

/// Start AI generation into the item's live document (Editors and up). The job writes token
/// by token as an "AI" participant everyone in the item's room sees.
#[utoipa::path(post, path = "/api/v1/items/{item}/generate", tag = "ai",
    request_body = GenerateRequest,
    params(("item" = ItemId, Path, description = "Item id")),
    responses((status = 202, description = "Started", body = GenerationView),
        (status = 403, description = "Not allowed, or AI is off for the organization (`ai_disabled`)", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "A generation is already running on the item, or the item is in the trash", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "Bad prompt or kind", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn start_generation(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(item): ApiPath<ItemId>,
    ApiJson(req): ApiJson<GenerateRequest>,
) -> ApiResult<(StatusCode, Json<GenerationView>)> {
    let g = state
        .app
        .start_generation(
            &actor,
            item,
            StartGeneration {
                kind: req.kind,
                prompt: req.prompt,
                position: req.position,
            },
        )
        .await?;
    Ok((StatusCode::ACCEPTED, Json(GenerationView::from(&g))))
}

/// A generation job (Viewers and up of its item).
#[utoipa::path(get, path = "/api/v1/generations/{generation}", tag = "ai",
    params(("generation" = GenerationId, Path, description = "Generation id")),
    responses((status = 200, description = "The job", body = GenerationView),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn get_generation(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(id): ApiPath<GenerationId>,
) -> ApiResult<Json<GenerationView>> {
    let g = state.app.generation(&actor, id).await?;
    Ok(Json(GenerationView::from(&g)))
}

/// Cancel a running job (Editors and up); what it wrote stays. A job that already ended is
/// answered as it is.
#[utoipa::path(post, path = "/api/v1/generations/{generation}/cancel", tag = "ai",
    params(("generation" = GenerationId, Path, description = "Generation id")),
    responses((status = 200, description = "The job", body = GenerationView),
        (status = 403, description = "Not allowed", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn cancel_generation(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(id): ApiPath<GenerationId>,
) -> ApiResult<Json<GenerationView>> {
    let g = state.app.cancel_generation(&actor, id).await?;
    Ok(Json(GenerationView::from(&g)))
}
