//! The live unread count: Server-Sent Events on the project event hub (and its Redis
//! fan-out), one `unread` event at start and one whenever the count changes.

use std::convert::Infallible;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use spectree_app::events::inbox::InboxNext;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::state::AppState;

/// Follow the signed-in person's unread count as Server-Sent Events: an `unread` event with
/// `{"unread": n}` at once, then one each time the count changes (whichever node the change
/// happened on). Comments keep the connection alive.
#[utoipa::path(get, path = "/api/v1/me/notifications/stream", tag = "notifications",
    responses((status = 200, description = "An endless text/event-stream", body = String, content_type = "text/event-stream")))]
pub(crate) async fn stream_unread(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    // Subscribe before the first read, so a change committed in between is not missed.
    let subscription = state.app.subscribe_inbox(&actor);
    let first = state.app.unread_notifications(&actor).await?;
    let app = state.app.clone();
    let events = stream::unfold(
        (subscription, None::<i64>, Some(first)),
        move |(mut sub, mut last, mut pending)| {
            let (app, actor) = (app.clone(), actor.clone());
            async move {
                loop {
                    if let Some(n) = pending.take()
                        && last != Some(n)
                    {
                        last = Some(n);
                        let event = Event::default()
                            .event("unread")
                            .data(format!("{{\"unread\":{n}}}"));
                        return Some((Ok(event), (sub, last, None)));
                    }
                    match sub.next().await {
                        InboxNext::Changed | InboxNext::Recheck => {
                            match app.unread_notifications(&actor).await {
                                Ok(n) => pending = Some(n),
                                Err(e) => {
                                    tracing::warn!(error = %e, "reading the unread count failed");
                                }
                            }
                        }
                        InboxNext::Closed => return None,
                    }
                }
            }
        },
    );
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}
