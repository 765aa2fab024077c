//! Checks the real-Yjs test harness against the official `@y/websocket-server`, so that a
//! failing collaboration test later points at our server, not at the harness.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use serde_json::json;
use spectree_testkit::yjs::{ReferenceServer, YjsPeer};

const WAIT_MS: u64 = 10_000;

/// Two peers in one room of a fresh reference server, both synced.
async fn two_synced_peers(room: &str) -> (ReferenceServer, YjsPeer, YjsPeer) {
    let server = ReferenceServer::start().await.unwrap();
    let mut a = YjsPeer::connect(&server.url, room, Some("token-a"))
        .await
        .unwrap();
    let mut b = YjsPeer::connect(&server.url, room, None).await.unwrap();
    for peer in [&mut a, &mut b] {
        peer.call(json!({"cmd": "waitSynced", "timeoutMs": WAIT_MS}))
            .await
            .unwrap();
    }
    (server, a, b)
}

#[tokio::test]
async fn a_title_typed_on_one_peer_appears_on_the_other() {
    let (_server, mut a, mut b) = two_synced_peers("title").await;

    a.call(json!({"cmd": "insertText", "field": "title", "index": 0, "text": "Login page"}))
        .await
        .unwrap();
    b.call(
        json!({"cmd": "waitFor", "path": "title", "equals": "Login page", "timeoutMs": WAIT_MS}),
    )
    .await
    .unwrap();
    b.call(json!({"cmd": "deleteText", "field": "title", "index": 0, "length": 6}))
        .await
        .unwrap();
    a.call(json!({"cmd": "waitFor", "path": "title", "equals": "page", "timeoutMs": WAIT_MS}))
        .await
        .unwrap();

    let synced = b
        .wait_event("synced", Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(synced["synced"], true);
}

#[tokio::test]
async fn fields_and_criteria_reach_the_other_peer_as_plain_json() {
    let (_server, mut a, mut b) = two_synced_peers("fields").await;

    a.call(json!({"cmd": "setField", "key": "status", "value": "in_progress"}))
        .await
        .unwrap();
    a.call(json!({"cmd": "setField", "key": "assignee", "value": null}))
        .await
        .unwrap();
    a.call(json!({"cmd": "addCriterion", "id": "c1", "text": "User can sign in"}))
        .await
        .unwrap();
    a.call(
        json!({"cmd": "addCriterion", "id": "c0", "text": "Page loads", "done": true, "index": 0}),
    )
    .await
    .unwrap();
    b.call(json!({"cmd": "waitFor", "path": "criteriaCount", "equals": 2, "timeoutMs": WAIT_MS}))
        .await
        .unwrap();
    b.call(json!({"cmd": "setCriterionDone", "id": "c1", "done": true}))
        .await
        .unwrap();
    b.call(
        json!({"cmd": "editCriterionText", "id": "c1", "index": 5, "delete": 3, "insert": "may"}),
    )
    .await
    .unwrap();
    let criteria = json!([
        {"id": "c0", "text": "Page loads", "done": true},
        {"id": "c1", "text": "User may sign in", "done": true},
    ]);
    a.call(json!({"cmd": "waitFor", "path": "criteria", "equals": criteria, "timeoutMs": WAIT_MS}))
        .await
        .unwrap();
    let done = a
        .call(json!({"cmd": "waitFor", "path": "criteria.1.done", "equals": true, "timeoutMs": 0}))
        .await
        .unwrap();
    assert_eq!(done["value"], true);

    let snapshot = a.call(json!({"cmd": "snapshot"})).await.unwrap();
    assert_eq!(snapshot["criteria"], criteria);
    let fields = b.call(json!({"cmd": "getFields"})).await.unwrap();
    assert_eq!(
        fields["fields"],
        json!({"status": "in_progress", "assignee": null})
    );
    let status = b
        .call(json!({"cmd": "getField", "key": "status"}))
        .await
        .unwrap();
    assert_eq!(status["value"], "in_progress");
}

#[tokio::test]
async fn awareness_appears_on_the_other_peer_and_leaves_when_its_owner_disconnects() {
    let (_server, mut a, mut b) = two_synced_peers("awareness").await;

    a.call(json!({"cmd": "setAwareness", "state": {"user": {"id": "alice", "name": "Alice"}}}))
        .await
        .unwrap();
    b.call(json!({"cmd": "waitAwareness", "predicate": "hasUser", "userId": "alice", "timeoutMs": WAIT_MS}))
        .await
        .unwrap();
    a.call(json!({"cmd": "setAwarenessField", "key": "cursor", "value": {"anchor": 3}}))
        .await
        .unwrap();
    let states = b
        .call(json!({"cmd": "waitAwareness", "predicate": "count", "equals": 2, "timeoutMs": WAIT_MS}))
        .await
        .unwrap();
    assert!(
        states["states"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["state"]["user"]["id"] == "alice"),
        "{states}"
    );

    a.call(json!({"cmd": "disconnect"})).await.unwrap();
    b.call(json!({"cmd": "waitAwareness", "predicate": "hasUser", "userId": "alice", "present": false, "timeoutMs": WAIT_MS}))
        .await
        .unwrap();
    let close = a
        .wait_event("connection-close", Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(close["local"], true);
}

#[tokio::test]
async fn an_edit_made_offline_merges_on_reconnect() {
    let (_server, mut a, mut b) = two_synced_peers("offline").await;
    a.call(json!({"cmd": "insertText", "field": "description", "index": 0, "text": "middle"}))
        .await
        .unwrap();
    b.call(
        json!({"cmd": "waitFor", "path": "description", "equals": "middle", "timeoutMs": WAIT_MS}),
    )
    .await
    .unwrap();

    b.call(json!({"cmd": "disconnect"})).await.unwrap();
    b.call(json!({"cmd": "insertText", "field": "description", "index": 6, "text": " end"}))
        .await
        .unwrap();
    a.call(json!({"cmd": "insertText", "field": "description", "index": 0, "text": "start "}))
        .await
        .unwrap();
    b.call(json!({"cmd": "reconnect"})).await.unwrap();
    b.call(json!({"cmd": "waitSynced", "timeoutMs": WAIT_MS}))
        .await
        .unwrap();

    for peer in [&mut a, &mut b] {
        peer.call(json!({"cmd": "waitFor", "path": "description", "equals": "start middle end", "timeoutMs": WAIT_MS}))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_relative_position_follows_its_character_through_remote_edits() {
    let (_server, mut a, mut b) = two_synced_peers("relpos").await;
    a.call(json!({"cmd": "insertText", "field": "title", "index": 0, "text": "abcdef"}))
        .await
        .unwrap();
    b.call(json!({"cmd": "waitFor", "path": "title", "equals": "abcdef", "timeoutMs": WAIT_MS}))
        .await
        .unwrap();

    let relpos = a
        .call(json!({"cmd": "relPos", "field": "title", "index": 3}))
        .await
        .unwrap()["relpos"]
        .clone();
    b.call(json!({"cmd": "insertText", "field": "title", "index": 0, "text": "XY"}))
        .await
        .unwrap();
    a.call(json!({"cmd": "waitFor", "path": "title", "equals": "XYabcdef", "timeoutMs": WAIT_MS}))
        .await
        .unwrap();

    let resolved = a
        .call(json!({"cmd": "resolveRelPos", "relpos": relpos}))
        .await
        .unwrap();
    assert_eq!(resolved["index"], 5);
    assert_eq!(resolved["field"], "title");
}

#[tokio::test]
async fn a_bad_command_gets_an_error_reply_and_the_peer_keeps_working() {
    let mut peer = YjsPeer::spawn().await.unwrap();

    let err = peer.call(json!({"cmd": "fly"})).await.unwrap_err();
    assert!(err.to_string().contains("unknown command"), "{err}");
    let err = peer.call(json!({"cmd": "snapshot"})).await.unwrap_err();
    assert!(err.to_string().contains("not connected"), "{err}");

    let server = ReferenceServer::start().await.unwrap();
    peer.call(json!({"cmd": "connect", "url": server.url, "room": "bad", "clientId": 4242}))
        .await
        .unwrap();
    let err = peer
        .call(json!({"cmd": "insertText", "field": "summary", "index": 0, "text": "x"}))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("field must be one of"), "{err}");
    let err = peer
        .call(json!({"cmd": "waitFor", "path": "title", "equals": "never", "timeoutMs": 50}))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("last value: \"\""), "{err}");

    let id = peer.call(json!({"cmd": "clientId"})).await.unwrap();
    assert_eq!(id["clientId"], 4242);
    peer.call(json!({"cmd": "craftUpdate", "kind": "bigText", "field": "title", "bytes": 3}))
        .await
        .unwrap();
    let state = peer.call(json!({"cmd": "encodeState"})).await.unwrap();
    assert!(state["update"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(
        peer.call(json!({"cmd": "getText", "field": "title"}))
            .await
            .unwrap()["text"],
        "xxx"
    );
    peer.call(json!({"cmd": "close"})).await.unwrap();
    assert!(
        peer.events().iter().all(|e| e["event"] != "error"),
        "{:?}",
        peer.events()
    );
}
