//! Preference routes: read and change the signed-in person's notification channels.

use axum::Json;
use axum::extract::State;
use spectree_domain::notification::{ChannelSet, PreferenceChange};

use super::views::{PreferenceView, PreferencesRequest, PreferencesView};
use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::ApiJson;
use crate::state::AppState;

/// Every notification kind with the channels it goes to (`is_default` until chosen).
#[utoipa::path(get, path = "/api/v1/me/notification-preferences", tag = "notifications",
    responses((status = 200, description = "Preferences", body = PreferencesView)))]
pub(crate) async fn get_preferences(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<Json<PreferencesView>> {
    let all = state.app.notification_preferences(&actor).await?;
    Ok(Json(PreferencesView {
        preferences: all.into_iter().map(PreferenceView::from).collect(),
    }))
}

/// Change the channels of the kinds given; the others keep theirs. All or nothing: an
/// unknown kind, a kind given twice, or email together with digest is refused with
/// `invalid_notification_preference`.
#[utoipa::path(put, path = "/api/v1/me/notification-preferences", tag = "notifications",
    request_body = PreferencesRequest,
    responses((status = 200, description = "Preferences now", body = PreferencesView),
        (status = 422, description = "Invalid preferences", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn set_preferences(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiJson(req): ApiJson<PreferencesRequest>,
) -> ApiResult<Json<PreferencesView>> {
    let changes: Vec<PreferenceChange> = req
        .preferences
        .into_iter()
        .map(|p| PreferenceChange {
            kind: p.kind,
            channels: ChannelSet {
                in_app: p.in_app,
                email: p.email,
                digest: p.digest,
            },
        })
        .collect();
    let all = state
        .app
        .set_notification_preferences(&actor, &changes)
        .await?;
    Ok(Json(PreferencesView {
        preferences: all.into_iter().map(PreferenceView::from).collect(),
    }))
}
