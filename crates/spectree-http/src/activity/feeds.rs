//! The activity feeds: project, team and person, newest first.

use axum::Json;
use axum::extract::State;
use spectree_app::activity::{ActivityScope, PersonRef};
use spectree_domain::ids::{ProjectId, TeamId};

use super::views::{ActivityView, FeedQuery, person};
use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::{ApiPath, ApiQuery};
use crate::state::AppState;
use crate::views::PageView;

/// A project's activity, newest first (Viewers and up): items created, edited (once per
/// editing session), moved, status changes, trash, comments, mentions, reactions,
/// versions and snapshots.
#[utoipa::path(get, path = "/api/v1/projects/{project}/activity", tag = "activity",
    params(("project" = ProjectId, Path, description = "Project id"), FeedQuery),
    responses((status = 200, description = "Activity", body = PageView<ActivityView>),
        (status = 400, description = "Bad kind or cursor", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn project_activity(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(project): ApiPath<ProjectId>,
    ApiQuery(q): ApiQuery<FeedQuery>,
) -> ApiResult<Json<PageView<ActivityView>>> {
    let page = state
        .app
        .activity_feed(
            &actor,
            &ActivityScope::Project(project),
            &q.filter()?,
            &q.page(),
        )
        .await?;
    Ok(Json(PageView::from_page(page, |a| ActivityView::from(&a))))
}

/// The activity of all of a team's projects, newest first (Viewers and up of the team).
#[utoipa::path(get, path = "/api/v1/teams/{team}/activity", tag = "activity",
    params(("team" = TeamId, Path, description = "Team id"), FeedQuery),
    responses((status = 200, description = "Activity", body = PageView<ActivityView>),
        (status = 400, description = "Bad kind or cursor", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn team_activity(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(team): ApiPath<TeamId>,
    ApiQuery(q): ApiQuery<FeedQuery>,
) -> ApiResult<Json<PageView<ActivityView>>> {
    let page = state
        .app
        .activity_feed(&actor, &ActivityScope::Team(team), &q.filter()?, &q.page())
        .await?;
    Ok(Json(PageView::from_page(page, |a| ActivityView::from(&a))))
}

/// What a person did, newest first, in the projects the reader may see (`me` for oneself).
/// A person who shares no organization with the reader answers 404.
#[utoipa::path(get, path = "/api/v1/users/{user}/activity", tag = "activity",
    params(("user" = String, Path, description = "User id, or `me`"), FeedQuery),
    responses((status = 200, description = "Activity", body = PageView<ActivityView>),
        (status = 400, description = "Bad kind or cursor", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn person_activity(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(user): ApiPath<String>,
    ApiQuery(q): ApiQuery<FeedQuery>,
) -> ApiResult<Json<PageView<ActivityView>>> {
    let user = match person(&user)? {
        PersonRef::Me => actor.user_id,
        PersonRef::User(u) => u,
    };
    let page = state
        .app
        .activity_feed(
            &actor,
            &ActivityScope::Person(user),
            &q.filter()?,
            &q.page(),
        )
        .await?;
    Ok(Json(PageView::from_page(page, |a| ActivityView::from(&a))))
}
