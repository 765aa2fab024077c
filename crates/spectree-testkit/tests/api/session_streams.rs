//! Streams that outlive a request end with the session or token that opened them: project
//! event streams and live-document sockets close at once on sign-out and revoke, and within
//! `auth.stream_recheck_interval` when the session expires.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use spectree_testkit::{Client, PASSWORD};
use tokio::io::AsyncReadExt;

use crate::collab::{peer, token};
use crate::support::{item, project_fixture_with};

const WAIT: Duration = Duration::from_secs(15);

/// Opens a project's event stream.
async fn open_stream(c: &Client, project: &str) -> reqwest::Response {
    let res = c
        .request(Method::GET, &format!("/api/v1/projects/{project}/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res
}

/// Reads the stream until the server ends it; fails if it is still open after `WAIT`.
async fn until_ended(mut res: reqwest::Response) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, res.chunk()).await {
            Ok(Ok(Some(_))) => {}
            Ok(Ok(None) | Err(_)) => return,
            Err(_) => panic!("the stream was still open"),
        }
    }
}

/// Asserts that the stream is still open after a short while.
async fn still_open(res: &mut reqwest::Response) {
    match tokio::time::timeout(Duration::from_millis(300), res.chunk()).await {
        Err(_) | Ok(Ok(Some(_))) => {}
        Ok(other) => panic!("the stream ended: {other:?}"),
    }
}

#[tokio::test]
async fn event_streams_end_on_sign_out_and_on_revoking_their_session() {
    // The periodic recheck is far away: only the immediate one can end these streams.
    let (server, owner, _, _, project) = project_fixture_with(|c| {
        c.auth.stream_recheck_interval = Duration::from_secs(3600);
    })
    .await;
    let mut other = open_stream(&owner, &project).await;
    let phone = server.client();
    assert_eq!(phone.login("admin@example.com", PASSWORD).await.status, 200);
    let mut on_phone = open_stream(&phone, &project).await;

    // Revoking the phone's session from the session list ends the phone's stream only.
    let list = owner.get("/api/v1/me/sessions").await;
    let phone_session = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    still_open(&mut on_phone).await;
    let r = owner
        .delete(&format!("/api/v1/me/sessions/{phone_session}"))
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    until_ended(on_phone).await;
    still_open(&mut other).await;

    // Signing out ends the stream opened with that session.
    let r = owner.post_empty("/api/v1/auth/logout").await;
    assert!(r.status < 300, "{}", r.body);
    until_ended(other).await;
    server.stop().await;
}

#[tokio::test]
async fn event_streams_end_when_their_session_expires() {
    let (server, owner, _, _, project) = project_fixture_with(|c| {
        c.auth.session_idle_timeout = Duration::from_secs(600);
        c.auth.stream_recheck_interval = Duration::from_millis(50);
    })
    .await;
    let mut res = open_stream(&owner, &project).await;
    server.clock.advance(Duration::from_secs(300));
    still_open(&mut res).await;
    server.clock.advance(Duration::from_secs(301));
    until_ended(res).await;
    assert_eq!(owner.get("/api/v1/me").await.code(), "unauthenticated");
    server.stop().await;
}

/// Reads raw WebSocket frames from the server until a Close frame; returns its code.
async fn close_code(io: &mut reqwest::Upgraded) -> u16 {
    let mut buf: Vec<u8> = Vec::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        // Parse complete frames at the front of the buffer (server frames are unmasked).
        while buf.len() >= 2 {
            let opcode = buf[0] & 0x0f;
            let (len, head) = match buf[1] & 0x7f {
                126 if buf.len() >= 4 => (usize::from(u16::from_be_bytes([buf[2], buf[3]])), 4),
                127 if buf.len() >= 10 => (
                    usize::try_from(u64::from_be_bytes(buf[2..10].try_into().unwrap())).unwrap(),
                    10,
                ),
                126 | 127 => break,
                n => (usize::from(n), 2),
            };
            if buf.len() < head + len {
                break;
            }
            let payload: Vec<u8> = buf.drain(..head + len).skip(head).collect();
            if opcode == 0x8 {
                return u16::from_be_bytes([payload[0], payload[1]]);
            }
        }
        let mut chunk = [0u8; 4096];
        let n = tokio::time::timeout_at(deadline, io.read(&mut chunk))
            .await
            .expect("a close frame in time")
            .unwrap();
        assert!(n > 0, "the socket ended without a close frame");
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Asks for a WebSocket upgrade of `path`.
async fn upgrade(c: &Client, path: &str) -> reqwest::Response {
    c.request(Method::GET, path)
        .header("connection", "Upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn live_document_sockets_close_when_their_session_or_token_ends_tickets_included() {
    let (server, owner, _, _, project) = project_fixture_with(|c| {
        c.auth.stream_recheck_interval = Duration::from_secs(3600);
    })
    .await;
    let id = item(&owner, &project, json!({"type": "story", "title": "T"})).await;

    // A socket opened with an API token (a stock npm client) closes when the token is
    // revoked.
    let secret = token(&owner).await;
    let mut p = peer(&server, &id, &secret).await;
    let tokens = owner.get("/api/v1/me/tokens").await;
    let token_id = tokens.body["items"][0]["id"].as_str().unwrap().to_owned();
    let r = owner.delete(&format!("/api/v1/me/tokens/{token_id}")).await;
    assert!(r.status < 300, "{}", r.body);
    let closed = p.wait_event("connection-close", WAIT).await.unwrap();
    assert_eq!(closed["code"], 4401, "{closed}");

    // A ticket remembers the session that asked for it: its socket closes with that session.
    let r = owner
        .post(&format!("/api/v1/items/{id}/collab-ticket"), &json!({}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mut by_ticket = peer(&server, &id, r.body["ticket"].as_str().unwrap()).await;
    // And a ticket asked for with a token revoked since opens nothing.
    let secret = token(&owner).await;
    let asker = server.client().with_token(&secret);
    let r = asker
        .post(&format!("/api/v1/items/{id}/collab-ticket"), &json!({}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let stale = r.body["ticket"].as_str().unwrap().to_owned();
    let tokens = owner.get("/api/v1/me/tokens").await;
    let token_id = tokens.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["revoked_at"].is_null())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = owner.delete(&format!("/api/v1/me/tokens/{token_id}")).await;
    assert!(r.status < 300, "{}", r.body);
    let res = upgrade(&server.client(), &format!("/collab/{id}?token={stale}")).await;
    assert_eq!(res.status(), 401);

    // A socket opened with the session cookie closes when the session signs out.
    let res = upgrade(&owner, &format!("/collab/{id}")).await;
    assert_eq!(res.status(), 101);
    let mut io = res.upgrade().await.unwrap();
    let r = owner.post_empty("/api/v1/auth/logout").await;
    assert!(r.status < 300, "{}", r.body);
    assert_eq!(close_code(&mut io).await, 4401);
    let closed = by_ticket
        .wait_event("connection-close", WAIT)
        .await
        .unwrap();
    assert_eq!(closed["code"], 4401, "{closed}");
    server.stop().await;
}

/// A stream's loop drops `ended()` whenever another branch of its `select!` is ready first
/// (a live document's socket sends awareness frames all the time). An end taken from the
/// broadcast before such a drop must still be honoured at the next call, not wait for the
/// periodic recheck.
#[tokio::test]
async fn a_credential_end_survives_the_watch_being_dropped_mid_check() {
    use futures_util::FutureExt;

    let (server, owner, _, _, _) = project_fixture_with(|c| {
        c.auth.stream_recheck_interval = Duration::from_secs(3600);
    })
    .await;
    let secret = token(&owner).await;
    let actor = server
        .app()
        .authenticate_token(&secret, spectree_app::RequestCtx::default())
        .await
        .unwrap()
        .expect("the token authenticates");
    let mut watch = server.app().watch_credential(&actor);
    let tokens = owner.get("/api/v1/me/tokens").await;
    let token_id = tokens.body["items"][0]["id"].as_str().unwrap().to_owned();
    let r = owner.delete(&format!("/api/v1/me/tokens/{token_id}")).await;
    assert!(r.status < 300, "{}", r.body);

    // One poll takes the event and starts the storage read, which is not ready yet; the
    // future is then dropped, as a `select!` whose other branch won drops it.
    if watch.ended().now_or_never().is_none() {
        tokio::time::timeout(WAIT, watch.ended())
            .await
            .expect("the end taken before the drop was still checked");
    }
    server.stop().await;
}
