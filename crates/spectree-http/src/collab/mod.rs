//! The live-document socket, `/collab/{item}`: the y-websocket protocol over a WebSocket, so
//! stock `yjs` + `y-websocket` clients work unchanged. Authentication happens at the upgrade
//! (session cookie with an Origin check, or `?token=` with an API token or a ticket from
//! `POST /api/v1/items/{item}/collab-ticket`); without access the upgrade is refused.

use std::time::Duration;

use axum::Json;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use spectree_app::identity::CredentialWatch;
use spectree_collab::{Collab, Outgoing, Principal};
use spectree_domain::ids::ItemId;
use tokio::sync::mpsc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authenticated, ClientCtx, SESSION_COOKIE, cookie};
use crate::error::{ApiError, ApiResult, ErrorCode, ProblemView};
use crate::extract::ApiPath;
use crate::origin::origin_allowed;
use crate::state::AppState;

mod conflicts;

/// The socket route (not part of the JSON API document).
pub fn socket_router() -> axum::Router<AppState> {
    axum::Router::new().route("/collab/{item}", axum::routing::get(socket))
}

/// The ticket and conflict routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_ticket))
        .routes(routes!(conflicts::list_conflicts))
}

/// A ticket that opens an item's socket once.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketView {
    /// Pass as `?token=` when opening `/collab/{item}`.
    pub ticket: String,
    /// Seconds it stays valid.
    pub expires_in: u64,
}

/// Issue a single-use ticket (valid one minute) for opening the item's live-document socket,
/// for clients that cannot send the session cookie.
#[utoipa::path(post, path = "/api/v1/items/{item}/collab-ticket", tag = "collaboration",
    params(("item" = ItemId, Path, description = "Item id")),
    responses((status = 201, description = "Issued", body = TicketView),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(crate) async fn create_ticket(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(item): ApiPath<ItemId>,
) -> ApiResult<(StatusCode, Json<TicketView>)> {
    let ticket = state.app.collab_ticket(&actor, item).await?;
    Ok((
        StatusCode::CREATED,
        Json(TicketView {
            ticket,
            expires_in: spectree_app::collab::TICKET_TTL.as_secs(),
        }),
    ))
}

/// Bytes read from a socket at a time (see `socket`). Every open socket keeps this much
/// resident; presence and edit frames are a few hundred bytes, and larger messages (a first
/// sync) take more reads (a 400 KB document, 200 of them). 2 KiB rather than 8 saves 6 MB at
/// 1,000 sockets.
const SOCKET_READ_BUFFER: usize = 2 * 1024;

#[derive(Debug, Deserialize)]
struct SocketQuery {
    token: Option<String>,
}

async fn socket(
    State(state): State<AppState>,
    ApiPath(item): ApiPath<ItemId>,
    Query(q): Query<SocketQuery>,
    ClientCtx(ctx): ClientCtx,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> ApiResult<Response> {
    // The session or token behind the socket, watched so the socket closes when it ends.
    let opened_by;
    let principal = match q.token.as_deref() {
        Some(t) if t.starts_with(spectree_app::collab::TICKET_PREFIX) => {
            let (p, asked_by) = state
                .app
                .redeem_ticket(t, item, &ctx)
                .await?
                .ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::Unauthenticated,
                        "the ticket is unknown, used or expired",
                    )
                })?;
            opened_by = asked_by;
            p
        }
        Some(t) => {
            let actor = state.app.authenticate_token(t, ctx).await?.ok_or_else(|| {
                ApiError::new(
                    ErrorCode::Unauthenticated,
                    "the API token is unknown, revoked or expired",
                )
            })?;
            let p = state.app.collab_principal(&actor, item).await?;
            opened_by = Some(actor);
            p
        }
        None => {
            // Browsers send cookies on cross-site WebSocket upgrades: the Origin must be ours.
            let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
            if let Some(o) = origin
                && !origin_allowed(o, &state.settings.public_url, host)
            {
                return Err(ApiError::new(
                    ErrorCode::OriginMismatch,
                    format!("sockets from {o} are not accepted"),
                ));
            }
            let secret = cookie(&headers, SESSION_COOKIE)
                .ok_or_else(|| ApiError::code(ErrorCode::Unauthenticated))?;
            let actor = state
                .app
                .authenticate_session(secret, ctx)
                .await?
                .ok_or_else(|| ApiError::code(ErrorCode::Unauthenticated))?;
            let p = state.app.collab_principal(&actor, item).await?;
            opened_by = Some(actor);
            p
        }
    };
    let watch = opened_by.map(|a| state.app.watch_credential(&a));
    let collab = state.app.collab().clone();
    let max = collab.settings().max_message_bytes;
    // tungstenite zero-fills its read buffer up to `read_buffer_size` before every read: at
    // the default 128 KiB that was 128 KiB resident per idle socket and a memset per frame.
    // Presence and edits are small; larger messages grow the buffer as they arrive.
    Ok(ws
        .read_buffer_size(SOCKET_READ_BUFFER)
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| pump(socket, collab, item, principal, watch)))
}

/// Close code of a socket whose session or token ended (signed out, revoked, expired).
const CLOSE_CREDENTIAL_ENDED: u16 = 4401;

/// Watches the credential behind a socket and, when it ends, queues the socket's close
/// behind the frames already queued. A task of its own: inside the socket's `select!` the
/// watch was polled at every frame the socket sent.
async fn close_when_ended(mut watch: CredentialWatch, queue: mpsc::WeakSender<Outgoing>) {
    watch.ended().await;
    if let Some(q) = queue.upgrade() {
        let reason = "the session or token that opened this socket ended";
        let _ = q
            .send(Outgoing::Close {
                code: CLOSE_CREDENTIAL_ENDED,
                reason: reason.into(),
            })
            .await;
    }
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How long a frame may wait for the client to take it before the socket is given up.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// Sends a frame; false when the socket failed or the client took longer than
/// [`SEND_TIMEOUT`]. Almost every frame goes straight into the socket's buffer, so the timer
/// is set only for a send that has to wait.
async fn send_in_time<S>(sink: &mut S, msg: Message) -> bool
where
    S: futures_util::Sink<Message> + Unpin,
{
    let mut send = sink.send(msg);
    match futures_util::FutureExt::now_or_never(&mut send) {
        Some(sent) => sent.is_ok(),
        None => matches!(tokio::time::timeout(SEND_TIMEOUT, send).await, Ok(Ok(()))),
    }
}

/// Moves messages between the socket and the room until either side ends. Reading and
/// writing share one task (splitting them into two measured no less CPU and 1 MB more memory
/// at 1,000 sockets); the credential's watch has a task of its own ([`close_when_ended`]).
async fn pump(
    socket: WebSocket,
    collab: Collab,
    item: ItemId,
    principal: Principal,
    watch: Option<CredentialWatch>,
) {
    let (out_tx, mut out_rx) = mpsc::channel::<Outgoing>(collab.settings().client_queue);
    // Weak: the queue must still end when the room lets go of the connection.
    let closer = out_tx.downgrade();
    let (mut sink, mut stream) = socket.split();
    // Boxed, like every large future awaited once: the task keeps its largest state for as
    // long as the socket is open.
    let conn = match Box::pin(collab.join(item, principal, out_tx)).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(%item, error = %e, "joining a document failed");
            let _ = sink
                .send(Message::Close(Some(CloseFrame {
                    code: 1011,
                    reason: "document unavailable".into(),
                })))
                .await;
            return;
        }
    };
    let _watch = watch.map(|w| AbortOnDrop(tokio::spawn(close_when_ended(w, closer))));
    loop {
        tokio::select! {
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Binary(data))) => {
                    // Copied out: handing the room a view of tungstenite's read buffer made
                    // it allocate a new one per message (1.4 MB more at peak).
                    if conn.send(data.to_vec()).await.is_err() {
                        break;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            outgoing = out_rx.recv() => match outgoing {
                Some(Outgoing::Frame(f)) => {
                    if !send_in_time(&mut sink, Message::Binary(f)).await {
                        break;
                    }
                }
                Some(Outgoing::Close { code, reason }) => {
                    let close = Message::Close(Some(CloseFrame { code, reason: reason.into() }));
                    let _ = send_in_time(&mut sink, close).await;
                    break;
                }
                None => break,
            },
        }
    }
    drop(conn);
}
