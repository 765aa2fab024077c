//! Live activity as Server-Sent Events: each `activity` event (id = the activity's id)
//! carries an [`ActivityView`] and is sent once the activity committed. A client resumes
//! with `Last-Event-ID` (browsers send it on reconnect) or `?after=`; a `resync` event means
//! activity may have been missed and the client should reload the feed. The stream ends when
//! the follower loses access.

use std::convert::Infallible;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use spectree_app::activity::{ActivityScope, ActivitySubscription, LiveNext, PersonRef};
use spectree_app::{Actor, App};
use spectree_domain::ids::{ProjectId, TeamId};

use super::views::{ActivityView, StreamQuery, person};
use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::{ApiPath, ApiQuery};
use crate::state::AppState;

/// Follow a project's activity live (Server-Sent Events, `activity` and `resync` events).
#[utoipa::path(get, path = "/api/v1/projects/{project}/activity/stream", tag = "activity",
    params(("project" = ProjectId, Path, description = "Project id"), StreamQuery,
        ("Last-Event-ID" = Option<String>, Header, description = "Resume after this activity id")),
    responses((status = 200, description = "An endless text/event-stream", body = String, content_type = "text/event-stream"),
        (status = 400, description = "Bad kind or resume id", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn stream_project_activity(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(project): ApiPath<ProjectId>,
    ApiQuery(q): ApiQuery<StreamQuery>,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    follow(
        &state.app,
        &actor,
        ActivityScope::Project(project),
        &q,
        &headers,
    )
    .await
}

/// Follow a team's activity live (all its projects).
#[utoipa::path(get, path = "/api/v1/teams/{team}/activity/stream", tag = "activity",
    params(("team" = TeamId, Path, description = "Team id"), StreamQuery,
        ("Last-Event-ID" = Option<String>, Header, description = "Resume after this activity id")),
    responses((status = 200, description = "An endless text/event-stream", body = String, content_type = "text/event-stream"),
        (status = 400, description = "Bad kind or resume id", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn stream_team_activity(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(team): ApiPath<TeamId>,
    ApiQuery(q): ApiQuery<StreamQuery>,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    follow(&state.app, &actor, ActivityScope::Team(team), &q, &headers).await
}

/// Follow what a person does live, in the projects the reader may see (`me` for oneself).
#[utoipa::path(get, path = "/api/v1/users/{user}/activity/stream", tag = "activity",
    params(("user" = String, Path, description = "User id, or `me`"), StreamQuery,
        ("Last-Event-ID" = Option<String>, Header, description = "Resume after this activity id")),
    responses((status = 200, description = "An endless text/event-stream", body = String, content_type = "text/event-stream"),
        (status = 400, description = "Bad kind or resume id", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn stream_person_activity(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(user): ApiPath<String>,
    ApiQuery(q): ApiQuery<StreamQuery>,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let user = match person(&user)? {
        PersonRef::Me => actor.user_id,
        PersonRef::User(u) => u,
    };
    follow(
        &state.app,
        &actor,
        ActivityScope::Person(user),
        &q,
        &headers,
    )
    .await
}

async fn follow(
    app: &App,
    actor: &Actor,
    scope: ActivityScope,
    q: &StreamQuery,
    headers: &HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>> + use<>>> {
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| q.after.clone());
    let sub = app
        .subscribe_activity(actor, scope, q.filter()?, resume.as_deref())
        .await?;
    let events = stream::unfold(sub, |mut sub: ActivitySubscription| async move {
        let event = match sub.next().await {
            LiveNext::Activity(a) => activity_event(&ActivityView::from(a.as_ref())),
            LiveNext::Resync => Event::default().event("resync").data("{}"),
            LiveNext::Ended => return None,
        };
        Some((Ok(event), sub))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

fn activity_event(view: &ActivityView) -> Event {
    match Event::default()
        .event("activity")
        .id(view.id.to_string())
        .json_data(view)
    {
        Ok(event) => event,
        Err(err) => {
            tracing::error!(error = %err, "serializing an activity failed");
            Event::default().event("resync").data("{}")
        }
    }
}
