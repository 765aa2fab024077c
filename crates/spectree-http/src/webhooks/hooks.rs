//! Hook routes: create, list, read, change, delete, rotate the secret, ping.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use spectree_app::webhooks::{NewWebhook, WebhookChanges};
use spectree_domain::ids::TeamId;
use uuid::Uuid;

use super::views::{
    CreateWebhookRequest, DeliveryView, UpdateWebhookRequest, WebhookSecretView, WebhookView,
};
use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use crate::views::{PageQuery, PageView};

/// The team's webhooks (team Admins).
#[utoipa::path(get, path = "/api/v1/teams/{team}/webhooks", tag = "webhooks",
    params(("team" = TeamId, Path, description = "Team id"), PageQuery),
    responses((status = 200, description = "Webhooks", body = PageView<WebhookView>),
        (status = 403, description = "Not a team Admin", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn list_webhooks(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(team): ApiPath<TeamId>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<PageView<WebhookView>>> {
    let page = state.app.list_webhooks(&actor, team, &q.request()).await?;
    Ok(Json(PageView::from_page(page, WebhookView::from)))
}

/// Create a webhook on the team (team Admins). The answer holds the signing secret, shown
/// this once.
#[utoipa::path(post, path = "/api/v1/teams/{team}/webhooks", tag = "webhooks",
    params(("team" = TeamId, Path, description = "Team id")),
    request_body = CreateWebhookRequest,
    responses((status = 201, description = "Created, with its secret", body = WebhookSecretView),
        (status = 403, description = "Not a team Admin", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "Invalid or refused URL, or invalid event kinds", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn create_webhook(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(team): ApiPath<TeamId>,
    ApiJson(req): ApiJson<CreateWebhookRequest>,
) -> ApiResult<(StatusCode, Json<WebhookSecretView>)> {
    let made = state
        .app
        .create_webhook(
            &actor,
            team,
            NewWebhook {
                url: req.url,
                events: req.events,
                active: req.active,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(WebhookSecretView {
            webhook: made.webhook.into(),
            secret: made.secret,
        }),
    ))
}

/// One webhook (team Admins).
#[utoipa::path(get, path = "/api/v1/webhooks/{webhook}", tag = "webhooks",
    params(("webhook" = Uuid, Path, description = "Webhook id")),
    responses((status = 200, description = "The webhook", body = WebhookView),
        (status = 403, description = "Not a team Admin", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn get_webhook(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(webhook): ApiPath<Uuid>,
) -> ApiResult<Json<WebhookView>> {
    let w = state.app.get_webhook(&actor, &webhook.to_string()).await?;
    Ok(Json(w.into()))
}

/// Change a webhook's URL, event kinds or active flag (team Admins).
#[utoipa::path(patch, path = "/api/v1/webhooks/{webhook}", tag = "webhooks",
    params(("webhook" = Uuid, Path, description = "Webhook id")),
    request_body = UpdateWebhookRequest,
    responses((status = 200, description = "Changed", body = WebhookView),
        (status = 403, description = "Not a team Admin", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "Invalid or refused URL, or invalid event kinds", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn update_webhook(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(webhook): ApiPath<Uuid>,
    ApiJson(req): ApiJson<UpdateWebhookRequest>,
) -> ApiResult<Json<WebhookView>> {
    let w = state
        .app
        .update_webhook(
            &actor,
            &webhook.to_string(),
            WebhookChanges {
                url: req.url,
                events: req.events,
                active: req.active,
            },
        )
        .await?;
    Ok(Json(w.into()))
}

/// Delete a webhook and its delivery log (team Admins).
#[utoipa::path(delete, path = "/api/v1/webhooks/{webhook}", tag = "webhooks",
    params(("webhook" = Uuid, Path, description = "Webhook id")),
    responses((status = 204, description = "Deleted"),
        (status = 403, description = "Not a team Admin", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn delete_webhook(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(webhook): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    state
        .app
        .delete_webhook(&actor, &webhook.to_string())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replace the webhook's signing secret (team Admins); the new one is shown this once and
/// signs every delivery sent from now on.
#[utoipa::path(post, path = "/api/v1/webhooks/{webhook}/rotate-secret", tag = "webhooks",
    params(("webhook" = Uuid, Path, description = "Webhook id")),
    responses((status = 200, description = "The new secret", body = WebhookSecretView),
        (status = 403, description = "Not a team Admin", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn rotate_secret(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(webhook): ApiPath<Uuid>,
) -> ApiResult<Json<WebhookSecretView>> {
    let made = state
        .app
        .rotate_webhook_secret(&actor, &webhook.to_string())
        .await?;
    Ok(Json(WebhookSecretView {
        webhook: made.webhook.into(),
        secret: made.secret,
    }))
}

/// Queue a `ping` delivery to the webhook, whatever event kinds it picks (team Admins).
#[utoipa::path(post, path = "/api/v1/webhooks/{webhook}/ping", tag = "webhooks",
    params(("webhook" = Uuid, Path, description = "Webhook id")),
    responses((status = 202, description = "Queued", body = DeliveryView),
        (status = 403, description = "Not a team Admin", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn ping_webhook(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(webhook): ApiPath<Uuid>,
) -> ApiResult<(StatusCode, Json<DeliveryView>)> {
    let d = state.app.ping_webhook(&actor, &webhook.to_string()).await?;
    Ok((StatusCode::ACCEPTED, Json(d.into())))
}
