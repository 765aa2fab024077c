//! Concurrent changes to one scalar field, made by two real npm `yjs` clients while both were
//! disconnected: the document keeps one value everywhere, and the item's conflict record holds
//! both values and both users.

use serde_json::json;
use spectree_domain::audit::{GENESIS_HASH, verify_chain};
use spectree_domain::ids::OrgId;
use spectree_testkit::Client;

use crate::collab::{peer, token};
use crate::support::{item, member, project_fixture, project_fixture_with};

const WAIT: u64 = 15_000;

/// Polls the item's conflicts until there is at least one.
async fn until_conflicts(c: &Client, id: &str) -> serde_json::Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(WAIT);
    loop {
        let r = c.get(&format!("/api/v1/items/{id}/conflicts")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        if !r.body["items"].as_array().unwrap().is_empty() {
            return r.body;
        }
        assert!(std::time::Instant::now() < deadline, "no conflict recorded");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn two_offline_changes_to_one_status_converge_and_the_record_keeps_both_values_and_users() {
    let (server, owner, org, team, project) = project_fixture().await;
    let id = item(&owner, &project, json!({"type": "story", "title": "Race"})).await;
    let (editor, editor_id) = member(&server, &owner, &org, "e@acme.example", None).await;
    let r = owner
        .put(
            &format!("/api/v1/teams/{team}/members/{editor_id}"),
            &json!({"role": "editor"}),
        )
        .await;
    assert!(r.status < 300, "{}", r.body);
    let owner_id = owner.user_id().await;
    let mut a = peer(&server, &id, &token(&owner).await).await;
    let mut b = peer(&server, &id, &token(&editor).await).await;

    // Both go offline, both change the status, both come back.
    a.call(json!({"cmd": "disconnect"})).await.unwrap();
    b.call(json!({"cmd": "disconnect"})).await.unwrap();
    a.call(json!({"cmd": "setField", "key": "status", "value": "ready"}))
        .await
        .unwrap();
    b.call(json!({"cmd": "setField", "key": "status", "value": "in_progress"}))
        .await
        .unwrap();
    a.call(json!({"cmd": "reconnect"})).await.unwrap();
    b.call(json!({"cmd": "reconnect"})).await.unwrap();

    let page = until_conflicts(&owner, &id).await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    let c = &items[0];
    assert_eq!(c["field"], "status");
    let kept = c["kept"]["value"].as_str().unwrap().to_owned();
    let mut values = [
        kept.clone(),
        c["lost"]["value"].as_str().unwrap().to_owned(),
    ];
    values.sort();
    assert_eq!(values, ["in_progress".to_owned(), "ready".to_owned()]);
    let mut users = [
        c["kept"]["user_id"].as_str().unwrap().to_owned(),
        c["lost"]["user_id"].as_str().unwrap().to_owned(),
    ];
    users.sort();
    let mut expected = [owner_id.clone(), editor_id.clone()];
    expected.sort();
    assert_eq!(users, expected);
    // Who wrote which value.
    let author_of = |v: &str| if v == "ready" { &owner_id } else { &editor_id };
    assert_eq!(c["kept"]["user_id"], author_of(&kept).as_str());

    // Both clients and the row converge on the value the record says was kept.
    for p in [&mut a, &mut b] {
        p.call(
            json!({"cmd": "waitFor", "path": "fields.status", "equals": kept, "timeoutMs": WAIT}),
        )
        .await
        .unwrap();
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(WAIT);
    loop {
        let r = owner.get(&format!("/api/v1/items/{id}")).await;
        if r.body["status"] == kept.as_str() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{}", r.body);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    // The race is in the audit chain, once, and the chain still verifies.
    let org_id: OrgId = org.parse().unwrap();
    let records = crate::audit::chain(&server, org_id).await;
    let raced: Vec<_> = records
        .iter()
        .filter(|r| r.event.action == "item.field_conflict")
        .collect();
    assert_eq!(raced.len(), 1);
    assert_eq!(raced[0].event.data["field"], "status");
    assert!(verify_chain(&records, GENESIS_HASH.to_owned()).is_ok());

    // A sequential change afterwards is no conflict; a viewer may read the record.
    a.call(json!({"cmd": "setField", "key": "status", "value": "done"}))
        .await
        .unwrap();
    b.call(json!({"cmd": "waitFor", "path": "fields.status", "equals": "done", "timeoutMs": WAIT}))
        .await
        .unwrap();
    let r = editor
        .get(&format!("/api/v1/items/{id}/conflicts?limit=1"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{}", r.body);
    assert!(r.body.get("next_cursor").is_none(), "{}", r.body);
    server.stop().await;
}

#[tokio::test]
async fn a_stranger_cannot_read_an_items_conflicts() {
    let (server, owner, _, _, project) = project_fixture().await;
    let id = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Private"}),
    )
    .await;
    let stranger = server.user("stranger@example.com").await;
    let r = stranger.get(&format!("/api/v1/items/{id}/conflicts")).await;
    assert_eq!(r.status, 404, "{}", r.body);
    server.stop().await;
}

/// Polls until the item has `n` versions; returns them, newest first.
async fn until_versions(c: &Client, id: &str, n: usize) -> Vec<serde_json::Value> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(WAIT);
    loop {
        let r = c.get(&format!("/api/v1/items/{id}/versions")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let v = r.body["items"].as_array().unwrap().clone();
        if v.len() >= n {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "versions: {v:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_version_holding_a_race_shows_both_values_and_users_in_its_changes_diff_and_changelog()
{
    let (server, owner, org, team, project) = project_fixture_with(|c| {
        c.history.close_interval = std::time::Duration::from_millis(20);
    })
    .await;
    let id = item(&owner, &project, json!({"type": "story", "title": "Race"})).await;
    let (editor, editor_id) = member(&server, &owner, &org, "e@acme.example", None).await;
    let r = owner
        .put(
            &format!("/api/v1/teams/{team}/members/{editor_id}"),
            &json!({"role": "editor"}),
        )
        .await;
    assert!(r.status < 300, "{}", r.body);
    let owner_id = owner.user_id().await;
    let mut a = peer(&server, &id, &token(&owner).await).await;
    let mut b = peer(&server, &id, &token(&editor).await).await;
    a.call(json!({"cmd": "disconnect"})).await.unwrap();
    b.call(json!({"cmd": "disconnect"})).await.unwrap();
    a.call(json!({"cmd": "setField", "key": "status", "value": "ready"}))
        .await
        .unwrap();
    b.call(json!({"cmd": "setField", "key": "status", "value": "in_progress"}))
        .await
        .unwrap();
    a.call(json!({"cmd": "reconnect"})).await.unwrap();
    b.call(json!({"cmd": "reconnect"})).await.unwrap();
    let page = until_conflicts(&owner, &id).await;
    let kept = page["items"][0]["kept"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let lost = page["items"][0]["lost"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let author_of = |v: &str| if v == "ready" { &owner_id } else { &editor_id };
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(WAIT);
    while owner.get(&format!("/api/v1/items/{id}")).await.body["status"] != kept.as_str() {
        assert!(
            std::time::Instant::now() < deadline,
            "the row never took the kept value"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // Before the session closes, a diff against now already shows the race.
    let r = owner.get(&format!("/api/v1/items/{id}/diff?from=1")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["fields"][0]["operation"], "conflict", "{}", r.body);

    // The editing session goes idle: the version it closes into holds the race.
    server.clock.advance(std::time::Duration::from_secs(31));
    let v = until_versions(&owner, &id, 2).await;
    assert_eq!(v[0]["number"], 2);
    let r = owner.get(&format!("/api/v1/items/{id}/versions/2")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let status: Vec<&serde_json::Value> = r.body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["field"] == "status")
        .collect();
    assert_eq!(status.len(), 1, "{}", r.body);
    let expected = json!({
        "field": "status",
        "old_value": "draft",
        "new_value": kept,
        "operation": "conflict",
        "conflict": {
            "field": "status",
            "kept": {"value": kept, "user_id": author_of(&kept)},
            "lost": {"value": lost, "user_id": author_of(&lost)},
        },
    });
    assert_eq!(status[0], &expected);
    // Version 1 holds no race.
    let r = owner.get(&format!("/api/v1/items/{id}/versions/1")).await;
    assert!(
        r.body["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["operation"] != "conflict"),
        "{}",
        r.body
    );

    // The diff of the span, as JSON and as Markdown, and the changelog.
    let r = owner
        .get(&format!("/api/v1/items/{id}/diff?from=1&to=2"))
        .await;
    assert_eq!(r.body["fields"], json!([expected]), "{}", r.body);
    let line = format!(
        "- status: `draft` → `{kept}` (conflict: `{kept}` by `{}` kept, `{lost}` by `{}` lost)",
        author_of(&kept),
        author_of(&lost)
    );
    let r = owner
        .get(&format!(
            "/api/v1/items/{id}/diff?from=1&to=2&format=markdown"
        ))
        .await;
    assert!(r.body.as_str().unwrap().contains(&line), "{}", r.body);
    let r = owner
        .get(&format!(
            "/api/v1/items/{id}/history/export?format=markdown"
        ))
        .await;
    assert!(r.body.as_str().unwrap().contains(&line), "{}", r.body);
    let r = owner
        .get(&format!("/api/v1/items/{id}/history/export?format=jsonl"))
        .await;
    let second: serde_json::Value =
        serde_json::from_str(r.body.as_str().unwrap().lines().nth(1).unwrap()).unwrap();
    assert!(
        second["changes"].as_array().unwrap().contains(&expected),
        "{second}"
    );
    // A diff of a span without the race has none.
    let r = owner
        .get(&format!("/api/v1/items/{id}/diff?from=2&to=2"))
        .await;
    assert_eq!(r.body["fields"], json!([]), "{}", r.body);
    server.stop().await;
}
