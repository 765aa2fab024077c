//! Several nodes on one database, sharing live documents through Redis.

use std::time::Duration;

use serde_json::json;
use spectree_testkit::TestServer;
use spectree_testkit::redis::RedisProcess;
use spectree_testkit::yjs::YjsPeer;

use crate::spec_events::Events;
use crate::support::item;

const WAIT: u64 = 20_000;

type Nodes = (
    TestServer,
    TestServer,
    spectree_testkit::Client,
    String,
    String,
);

async fn two_nodes(redis_url: String) -> Nodes {
    two_nodes_with(redis_url, |_| {}).await
}

async fn two_nodes_with(
    redis_url: String,
    tweak: impl FnOnce(&mut spectree::config::Config),
) -> Nodes {
    let a = TestServer::start_with(|c| {
        c.redis_url = Some(spectree::config::Secret::new(redis_url));
        tweak(c);
    })
    .await;
    let b = a.another_node().await;
    let owner = a.admin().await;
    let org = owner.create_org("Acme", "acme").await;
    let team = owner.create_team(&org, "Core", "core").await;
    let project = owner
        .post(
            &format!("/api/v1/teams/{team}/projects"),
            &json!({"name": "P", "slug": "pp"}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Shared"}),
    )
    .await;
    let token = owner
        .post("/api/v1/me/tokens", &json!({"name": "t"}))
        .await
        .body["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    (a, b, owner, id, token)
}

async fn peer(node: &TestServer, id: &str, token: &str) -> YjsPeer {
    let mut p = YjsPeer::connect(&node.collab_url(), id, Some(token))
        .await
        .unwrap();
    p.call(json!({"cmd": "waitSynced", "timeoutMs": WAIT}))
        .await
        .unwrap();
    p
}

#[tokio::test]
async fn clients_on_two_nodes_converge_and_see_each_others_presence() {
    // The CI's Redis when it names one; a private one otherwise.
    let private = std::env::var("SPECTREE_TEST_REDIS_URL")
        .is_err()
        .then(RedisProcess::start);
    let url = std::env::var("SPECTREE_TEST_REDIS_URL")
        .unwrap_or_else(|_| private.as_ref().unwrap().url());
    let (a, b, owner, id, token) = two_nodes(url).await;
    let owner_id = owner.user_id().await;
    let mut pa = peer(&a, &id, &token).await;
    let mut pb = peer(&b, &id, &token).await;
    pa.call(json!({"cmd": "insertText", "field": "title", "index": 6, "text": " on A"}))
        .await
        .unwrap();
    pb.call(json!({"cmd": "waitFor", "path": "title", "equals": "Shared on A", "timeoutMs": WAIT}))
        .await
        .unwrap();
    pb.call(json!({"cmd": "insertText", "field": "title", "index": 0, "text": "B: "}))
        .await
        .unwrap();
    pb.call(json!({"cmd": "setField", "key": "status", "value": "ready"}))
        .await
        .unwrap();
    for p in [&mut pa, &mut pb] {
        p.call(json!({"cmd": "waitFor", "path": "title", "equals": "B: Shared on A", "timeoutMs": WAIT})).await.unwrap();
        p.call(json!({"cmd": "waitFor", "path": "fields.status", "equals": "ready", "timeoutMs": WAIT})).await.unwrap();
    }
    pa.call(json!({"cmd": "setAwareness", "state": {"cursor": {"anchor": 2}}}))
        .await
        .unwrap();
    pb.call(json!({"cmd": "setAwareness", "state": {"cursor": {"anchor": 3}}}))
        .await
        .unwrap();
    // Both peers are the same user here; each sees one other state.
    pa.call(json!({"cmd": "waitAwareness", "predicate": "hasUser", "userId": owner_id, "present": true, "timeoutMs": WAIT})).await.unwrap();
    pb.call(json!({"cmd": "waitAwareness", "predicate": "hasUser", "userId": owner_id, "present": true, "timeoutMs": WAIT})).await.unwrap();
    pa.call(json!({"cmd": "close"})).await.unwrap();
    pb.call(json!({"cmd": "waitAwareness", "predicate": "count", "equals": 1, "timeoutMs": WAIT}))
        .await
        .unwrap();
    // A third client on either node gets the merged document from the database.
    let mut pc = peer(&a, &id, &token).await;
    pc.call(
        json!({"cmd": "waitFor", "path": "title", "equals": "B: Shared on A", "timeoutMs": WAIT}),
    )
    .await
    .unwrap();
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn a_node_catches_up_from_the_database_after_redis_restarts() {
    let mut redis = RedisProcess::start();
    let (a, b, _owner, id, token) = two_nodes(redis.url()).await;
    let mut pa = peer(&a, &id, &token).await;
    let mut pb = peer(&b, &id, &token).await;
    pa.call(json!({"cmd": "insertText", "field": "title", "index": 6, "text": " 1"}))
        .await
        .unwrap();
    pb.call(json!({"cmd": "waitFor", "path": "title", "equals": "Shared 1", "timeoutMs": WAIT}))
        .await
        .unwrap();
    // Redis dies: edits on A are stored but cannot be published.
    redis.kill();
    pa.call(json!({"cmd": "insertText", "field": "title", "index": 8, "text": " 2"}))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    redis.restart();
    // B resubscribes and reloads what it missed from the log; later edits flow again.
    pb.call(json!({"cmd": "waitFor", "path": "title", "equals": "Shared 1 2", "timeoutMs": WAIT}))
        .await
        .unwrap();
    pa.call(json!({"cmd": "insertText", "field": "title", "index": 10, "text": " 3"}))
        .await
        .unwrap();
    pb.call(
        json!({"cmd": "waitFor", "path": "title", "equals": "Shared 1 2 3", "timeoutMs": WAIT}),
    )
    .await
    .unwrap();
    pb.call(json!({"cmd": "insertText", "field": "title", "index": 0, "text": "0 "}))
        .await
        .unwrap();
    pa.call(
        json!({"cmd": "waitFor", "path": "title", "equals": "0 Shared 1 2 3", "timeoutMs": WAIT}),
    )
    .await
    .unwrap();
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn a_race_on_one_field_across_two_nodes_is_recorded_once() {
    let private = std::env::var("SPECTREE_TEST_REDIS_URL")
        .is_err()
        .then(RedisProcess::start);
    let url = std::env::var("SPECTREE_TEST_REDIS_URL")
        .unwrap_or_else(|_| private.as_ref().unwrap().url());
    let (a, b, owner, id, token) = two_nodes(url).await;
    let mut pa = peer(&a, &id, &token).await;
    let mut pb = peer(&b, &id, &token).await;
    pa.call(json!({"cmd": "disconnect"})).await.unwrap();
    pb.call(json!({"cmd": "disconnect"})).await.unwrap();
    pa.call(json!({"cmd": "setField", "key": "priority", "value": "high"}))
        .await
        .unwrap();
    pb.call(json!({"cmd": "setField", "key": "priority", "value": "low"}))
        .await
        .unwrap();
    pa.call(json!({"cmd": "reconnect"})).await.unwrap();
    pb.call(json!({"cmd": "reconnect"})).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_millis(WAIT);
    // Both nodes apply both writes and find the same race; one record is kept.
    let first = loop {
        let r = owner.get(&format!("/api/v1/items/{id}/conflicts")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        if let Some(c) = r.body["items"].as_array().and_then(|a| a.first()) {
            break c.clone();
        }
        assert!(std::time::Instant::now() < deadline, "no conflict recorded");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(first["field"], "priority");
    let value = first["kept"]["value"].as_str().unwrap().to_owned();
    for p in [&mut pa, &mut pb] {
        p.call(json!({"cmd": "waitFor", "path": "fields.priority", "equals": value, "timeoutMs": WAIT}))
            .await
            .unwrap();
    }
    // A later change that went through both nodes after the race: by then each node has
    // applied everything before it.
    pb.call(json!({"cmd": "setField", "key": "status", "value": "ready"}))
        .await
        .unwrap();
    pa.call(
        json!({"cmd": "waitFor", "path": "fields.status", "equals": "ready", "timeoutMs": WAIT}),
    )
    .await
    .unwrap();
    pa.call(json!({"cmd": "setField", "key": "status", "value": "in_progress"}))
        .await
        .unwrap();
    pb.call(json!({"cmd": "waitFor", "path": "fields.status", "equals": "in_progress", "timeoutMs": WAIT}))
        .await
        .unwrap();
    let r = owner.get(&format!("/api/v1/items/{id}/conflicts")).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{}", r.body);
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn changes_made_on_one_node_reach_event_streams_on_another() {
    let redis = RedisProcess::start();
    let (a, b, owner, id, _) = two_nodes(redis.url()).await;
    let project = owner.get(&format!("/api/v1/items/{id}")).await.body["project_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The same person follows the project on node B and changes it on node A.
    let on_b = b.client();
    let r = on_b
        .login("admin@example.com", spectree_testkit::PASSWORD)
        .await;
    assert_eq!(r.status, 200);
    let mut events = Events::open(&on_b, &project).await;
    let created = item(&owner, &project, json!({"type": "epic", "title": "Far"})).await;
    let e = events.next_item().await;
    assert_eq!(e["kind"], json!("created"));
    assert_eq!(e["item_id"], json!(created));
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn an_ai_generation_on_one_node_is_watched_and_cancelled_from_another() {
    let private = std::env::var("SPECTREE_TEST_REDIS_URL")
        .is_err()
        .then(RedisProcess::start);
    let url = std::env::var("SPECTREE_TEST_REDIS_URL")
        .unwrap_or_else(|_| private.as_ref().unwrap().url());
    let (a, b, owner, id, token) = two_nodes_with(url, |c| {
        c.ai.offline_token_interval = Duration::from_millis(150);
    })
    .await;
    let mut pb = peer(&b, &id, &token).await;
    let job = owner
        .post(
            &format!("/api/v1/items/{id}/generate"),
            &json!({"kind": "description"}),
        )
        .await;
    assert_eq!(job.status, 202, "{}", job.body);
    let job_id = job.body["id"].as_str().unwrap().to_owned();
    // The client on node B sees the AI's presence and its text arrive through Redis.
    let deadline = std::time::Instant::now() + Duration::from_millis(WAIT);
    loop {
        let states = pb.call(json!({"cmd": "getAwareness"})).await.unwrap();
        let ai =
            states["states"].as_array().unwrap().iter().any(|s| {
                s["state"]["user"]["ai"] == true && s["clientId"] == job.body["client_id"]
            });
        let text = pb
            .call(json!({"cmd": "getText", "field": "description"}))
            .await
            .unwrap()["text"]
            .as_str()
            .unwrap()
            .len();
        if ai && text > 0 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{states}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Cancelled through node B: node A's job sees it and stops.
    let on_b = b.client().with_token(&token);
    let r = on_b
        .post_empty(&format!("/api/v1/generations/{job_id}/cancel"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["state"], "cancelled");
    let deadline = std::time::Instant::now() + Duration::from_millis(WAIT);
    let written = loop {
        let r = on_b.get(&format!("/api/v1/generations/{job_id}")).await;
        if r.body["tokens"].as_i64().unwrap_or(0) > 0 {
            break r.body["output"].as_str().unwrap().to_owned();
        }
        assert!(std::time::Instant::now() < deadline, "{}", r.body);
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    pb.call(json!({"cmd": "waitFor", "path": "description", "equals": written, "timeoutMs": WAIT}))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    let now = pb
        .call(json!({"cmd": "getText", "field": "description"}))
        .await
        .unwrap();
    assert_eq!(
        now["text"],
        written.as_str(),
        "nothing more after the cancel"
    );
    b.stop().await;
    a.stop().await;
}
