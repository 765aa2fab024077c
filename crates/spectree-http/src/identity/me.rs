//! The current user, their sessions and their API tokens.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use spectree_app::AuthVia;
use spectree_domain::ids::{SessionId, TokenId};

use super::views::{
    CreateTokenRequest, MeView, MembershipView, SessionView, TokenCreatedView, TokenView, UserView,
};
use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use crate::views::{PageQuery, PageView};

/// The signed-in user and their organizations.
#[utoipa::path(get, path = "/api/v1/me", tag = "me",
    responses((status = 200, description = "The current user", body = MeView),
        (status = 401, description = "Not signed in", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn get_me(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<Json<MeView>> {
    let user = state.app.current_user(&actor).await?;
    let orgs = state.app.my_orgs(&actor).await?;
    Ok(Json(MeView {
        user: UserView::from(&user),
        organizations: orgs
            .into_iter()
            .map(|o| MembershipView {
                org_id: o.org.id,
                name: o.org.name,
                slug: o.org.slug,
                role: o.role,
            })
            .collect(),
        csrf_token: match actor.via {
            AuthVia::Session { csrf_token, .. } => Some(csrf_token),
            AuthVia::Token { .. } => None,
        },
    }))
}

/// The current user's live sessions.
#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "me", params(PageQuery),
    responses((status = 200, description = "Sessions", body = PageView<SessionView>)))]
pub(super) async fn list_sessions(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<PageView<SessionView>>> {
    let current = match &actor.via {
        AuthVia::Session { id, .. } => Some(*id),
        AuthVia::Token { .. } => None,
    };
    let page = state.app.list_sessions(&actor, &q.request()).await?;
    Ok(Json(PageView::from_page(page, |s| {
        SessionView::new(&s, current)
    })))
}

/// End one of the current user's sessions.
#[utoipa::path(delete, path = "/api/v1/me/sessions/{session}", tag = "me",
    params(("session" = SessionId, Path, description = "Session id")),
    responses((status = 204, description = "Revoked"),
        (status = 404, description = "No such live session", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn revoke_session(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(id): ApiPath<SessionId>,
) -> ApiResult<StatusCode> {
    state.app.revoke_session(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Create a personal API token; its secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "me", request_body = CreateTokenRequest,
    responses((status = 201, description = "Created", body = TokenCreatedView),
        (status = 422, description = "Invalid field", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn create_token(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiJson(req): ApiJson<CreateTokenRequest>,
) -> ApiResult<(StatusCode, Json<TokenCreatedView>)> {
    let t = state
        .app
        .create_token(&actor, &req.name, req.expires_in_days)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenCreatedView {
            token: TokenView::from(&t.token),
            secret: t.secret,
        }),
    ))
}

/// The current user's API tokens.
#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "me", params(PageQuery),
    responses((status = 200, description = "Tokens", body = PageView<TokenView>)))]
pub(super) async fn list_tokens(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<PageView<TokenView>>> {
    let page = state.app.list_tokens(&actor, &q.request()).await?;
    Ok(Json(PageView::from_page(page, |t| TokenView::from(&t))))
}

/// Revoke one of the current user's API tokens.
#[utoipa::path(delete, path = "/api/v1/me/tokens/{token}", tag = "me",
    params(("token" = TokenId, Path, description = "Token id")),
    responses((status = 204, description = "Revoked"),
        (status = 404, description = "No such token", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn revoke_token(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(id): ApiPath<TokenId>,
) -> ApiResult<StatusCode> {
    state.app.revoke_token(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
