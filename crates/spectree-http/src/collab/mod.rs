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
/// sync) take more reads. 4 KiB rather than 8 saves 4 MB at 1,000 sockets.
const SOCKET_READ_BUFFER: usize = 4 * 1024;

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

/// Resolves when the watched credential ends (for a ticket, the session or token that asked
/// for it); never when there is none (a ticket issued before tickets recorded it).
async fn credential_ended(watch: &mut Option<CredentialWatch>) {
    match watch {
        Some(w) => w.ended().await,
        None => std::future::pending().await,
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

/// Moves messages between the socket and the room until either side ends.
async fn pump(
    socket: WebSocket,
    collab: Collab,
    item: ItemId,
    principal: Principal,
    mut watch: Option<CredentialWatch>,
) {
    let (out_tx, mut out_rx) = mpsc::channel::<Outgoing>(collab.settings().client_queue);
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
    // One future for the whole socket: made anew on every turn of the loop it subscribed
    // to the credential broadcast per frame.
    let ended = credential_ended(&mut watch);
    tokio::pin!(ended);
    loop {
        tokio::select! {
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Binary(data))) => {
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
                    let _ = sink.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
                    break;
                }
                None => break,
            },
            () = &mut ended => {
                let reason = "the session or token that opened this socket ended";
                let _ = sink.send(Message::Close(Some(CloseFrame { code: CLOSE_CREDENTIAL_ENDED, reason: reason.into() }))).await;
                break;
            }
        }
    }
    drop(conn);
}
