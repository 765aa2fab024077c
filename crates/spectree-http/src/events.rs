//! The project event stream: Server-Sent Events that tell browsers a project's spec tree
//! changed (item created, updated, moved, trashed, restored, purged) or an item's discussion
//! did (comments, resolutions, reactions), so they reload it.

use std::convert::Infallible;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use spectree_app::events::{Next, ProjectEvent};
use spectree_domain::ids::ProjectId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::ApiPath;
use crate::state::AppState;

/// The event stream routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(stream_events))
}

/// Follow a project's tree as Server-Sent Events. Each `item` event carries a JSON
/// `{project_id, kind, item_id}` (`kind`: created, updated, moved, trashed, restored, purged)
/// and is sent after its change committed; a `discussion` event carries the same with `kind`
/// commented, comment_edited, comment_deleted, thread_resolved, thread_reopened or reacted; a `resync` event means events were dropped and
/// the client should reload the tree. Comments keep the connection alive. The stream ends
/// when the follower loses access to the project, and when the session or API token that
/// opened it is signed out, revoked or expires (at once on this node, otherwise within
/// `auth.stream_recheck_interval`).
#[utoipa::path(get, path = "/api/v1/projects/{project}/events", tag = "items",
    params(("project" = ProjectId, Path, description = "Project id")),
    responses((status = 200, description = "An endless text/event-stream", body = String, content_type = "text/event-stream"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn stream_events(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(project): ApiPath<ProjectId>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let subscription = state.app.subscribe_project(&actor, project).await?;
    let watch = state.app.watch_credential(&actor);
    let app = state.app.clone();
    let events = stream::unfold((subscription, watch), move |(mut sub, mut watch)| {
        let (app, actor) = (app.clone(), actor.clone());
        async move {
            loop {
                let next = tokio::select! {
                    next = sub.next() => next,
                    // The session or token that opened the stream ended: so does the stream.
                    () = watch.ended() => return None,
                };
                let event = match next {
                    Next::Event(e) => item_event(&e),
                    Next::Resync => Event::default().event("resync").data("{}"),
                    // The follower's access changed: the stream ends unless they can still
                    // see the project.
                    Next::Recheck => match app.get_project(&actor, project).await {
                        Ok(_) => continue,
                        Err(_) => return None,
                    },
                    Next::Closed => return None,
                };
                return Some((Ok(event), (sub, watch)));
            }
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

fn item_event(e: &ProjectEvent) -> Event {
    let name = if e.kind.is_discussion() {
        "discussion"
    } else {
        "item"
    };
    match Event::default().event(name).json_data(e) {
        Ok(event) => event,
        Err(err) => {
            tracing::error!(error = %err, "serializing a project event failed");
            Event::default().event("resync").data("{}")
        }
    }
}
