//! Version history: automatic versions from live and REST edits, named versions, diffs,
//! rollback seen by a connected Yjs client, attribution, project snapshots and restore,
//! export, retention pruning, and who may do what.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use spectree::config::Config;
use spectree_testkit::yjs::YjsPeer;
use spectree_testkit::{Client, TestServer};

use crate::support::{item, project_fixture_with, team_member};

const WAIT: u64 = 15_000;

/// A server (configured by `tweak`, closing due versions every 20 ms) with an owner, org,
/// team and project.
async fn fixture(tweak: impl FnOnce(&mut Config)) -> (TestServer, Client, String, String, String) {
    project_fixture_with(|c| {
        c.history.close_interval = Duration::from_millis(20);
        tweak(c);
    })
    .await
}

async fn peer(server: &TestServer, c: &Client, item: &str) -> YjsPeer {
    let r = c
        .post("/api/v1/me/tokens", &json!({"name": "collab"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let token = r.body["secret"].as_str().unwrap().to_owned();
    let mut p = YjsPeer::connect(&server.collab_url(), item, Some(&token))
        .await
        .unwrap();
    p.call(json!({"cmd": "waitSynced", "timeoutMs": WAIT}))
        .await
        .unwrap();
    p
}

async fn versions(c: &Client, item: &str) -> Vec<Value> {
    let r = c.get(&format!("/api/v1/items/{item}/versions")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

/// Polls until `check` holds for the item's versions (newest first).
async fn until_versions(c: &Client, item: &str, check: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_millis(WAIT);
    loop {
        let v = versions(c, item).await;
        if check(&v) {
            return v;
        }
        assert!(Instant::now() < deadline, "versions never got there: {v:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn until_title(c: &Client, item: &str, title: &str) {
    let deadline = Instant::now() + Duration::from_millis(WAIT);
    loop {
        let r = c.get(&format!("/api/v1/items/{item}")).await;
        if r.body["title"] == title {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "title never got there: {}",
            r.body
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_live_edit_session_closes_into_one_version_when_the_item_goes_idle() {
    let (server, owner, _, _, project) = fixture(|_| {}).await;
    let owner_id = owner.user_id().await;
    let id = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Sign in"}),
    )
    .await;
    let v = versions(&owner, &id).await;
    assert_eq!(v.len(), 1);
    assert_eq!(
        (v[0]["number"].as_i64(), v[0]["cause"].as_str()),
        (Some(1), Some("create"))
    );

    let mut p = peer(&server, &owner, &id).await;
    p.call(json!({"cmd": "insertText", "field": "title", "index": 7, "text": " with passkeys"}))
        .await
        .unwrap();
    until_title(&owner, &id, "Sign in with passkeys").await;
    p.call(json!({"cmd": "setField", "key": "status", "value": "ready"}))
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_millis(WAIT);
    while owner.get(&format!("/api/v1/items/{id}")).await.body["status"] != "ready" {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The session is still open: the edits are not a version yet.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(versions(&owner, &id).await.len(), 1);

    server.clock.advance(Duration::from_secs(31));
    let v = until_versions(&owner, &id, |v| v.len() == 2).await;
    assert_eq!(v[0]["kind"], "auto");
    assert_eq!(v[0]["cause"], "edit");
    assert_eq!(v[0]["fields"], json!(["title", "status"]));
    assert_eq!(
        v[0]["authors"],
        json!([{"kind": "user", "user_id": owner_id}])
    );
    let r = owner.get(&format!("/api/v1/items/{id}/versions/2")).await;
    assert_eq!(r.body["snapshot"]["title"], "Sign in with passkeys");
    assert_eq!(r.body["changes"][0]["field"], "title");
    assert_eq!(r.body["changes"][0]["old_value"], "Sign in");
    assert_eq!(r.body["changes"][0]["new_value"], "Sign in with passkeys");
    assert_eq!(r.body["changes"][0]["operation"], "edit");
}

#[tokio::test]
async fn a_long_session_is_cut_at_the_maximum_length() {
    let (server, owner, _, _, project) = fixture(|c| {
        c.history.version_idle = Duration::from_secs(3600);
        c.history.version_max = Duration::from_secs(300);
    })
    .await;
    let id = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Sign in"}),
    )
    .await;
    let mut p = peer(&server, &owner, &id).await;
    p.call(json!({"cmd": "insertText", "field": "title", "index": 7, "text": "!"}))
        .await
        .unwrap();
    until_title(&owner, &id, "Sign in!").await;
    server.clock.advance(Duration::from_secs(200));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(versions(&owner, &id).await.len(), 1);
    server.clock.advance(Duration::from_secs(101));
    let v = until_versions(&owner, &id, |v| v.len() == 2).await;
    assert_eq!(v[0]["fields"], json!(["title"]));
}

#[tokio::test]
async fn a_rest_change_is_a_version_and_its_diff_has_exact_output() {
    let (_server, owner, _, _, project) = fixture(|_| {}).await;
    let id = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Sign in", "description": "Use a password to sign in.",
               "acceptance_criteria": [{"text": "Works offline"}, {"text": "Fast"}]}),
    )
    .await;
    let r = owner.get(&format!("/api/v1/items/{id}")).await;
    let c = r.body["acceptance_criteria"].clone();
    let r = owner
        .patch(
            &format!("/api/v1/items/{id}"),
            &json!({"description": "Use a passkey to sign in.", "status": "ready",
                    "acceptance_criteria": [
                        {"id": c[1]["id"], "text": "Fast", "done": false},
                        {"id": c[0]["id"], "text": "Works online", "done": true},
                        {"text": "Audited", "done": false}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = versions(&owner, &id).await;
    assert_eq!(v.len(), 2);
    assert_eq!(
        v[0]["fields"],
        json!(["description", "status", "acceptance_criteria"])
    );

    let r = owner
        .get(&format!("/api/v1/items/{id}/diff?from=1&to=2"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["description"]["segments"],
        json!([
            {"op": "equal", "text": "Use a "},
            {"op": "delete", "text": "password"},
            {"op": "insert", "text": "passkey"},
            {"op": "equal", "text": " to sign in."},
        ])
    );
    assert!(r.body["title"].is_null());
    let kinds: Vec<&str> = r.body["acceptance_criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["change"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["added", "moved", "edited"]);

    let md = owner
        .get(&format!(
            "/api/v1/items/{id}/diff?from=1&to=2&format=markdown"
        ))
        .await;
    assert_eq!(
        md.header("content-type"),
        Some("text/markdown; charset=utf-8")
    );
    assert_eq!(
        md.body.as_str().unwrap(),
        "### Fields\n\n- status: `draft` → `ready`\n\n\
         ### Description\n\n```text\nUse a [-password-]{+passkey+} to sign in.\n```\n\n\
         ### Acceptance criteria\n\n- added at 3: Audited\n- moved `"
            .to_owned()
            + c[1]["id"].as_str().unwrap()
            + "` from 2 to 1\n- edited: Works [-offline-]{+online+}\n  - now met\n"
    );
    // A version against now, and an unknown version.
    let r = owner.get(&format!("/api/v1/items/{id}/diff?from=2")).await;
    assert_eq!(r.body["fields"], json!([]));
    let r = owner.get(&format!("/api/v1/items/{id}/diff?from=9")).await;
    assert_eq!((r.status, r.code()), (404, "not_found"));
    let r = owner.get(&format!("/api/v1/items/{id}/diff?from=x")).await;
    assert_eq!((r.status, r.code()), (400, "invalid_query"));
}

#[tokio::test]
async fn restoring_a_version_reaches_a_connected_yjs_client_and_keeps_later_versions() {
    let (server, owner, _, _, project) = fixture(|_| {}).await;
    let id = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Sign in", "description": "Passwords."}),
    )
    .await;
    let r = owner
        .patch(
            &format!("/api/v1/items/{id}"),
            &json!({"title": "Log in", "description": "Passkeys."}),
        )
        .await;
    assert_eq!(r.status, 200);
    let mut p = peer(&server, &owner, &id).await;
    let r = owner
        .post_empty(&format!("/api/v1/items/{id}/versions/1/restore"))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["kind"], "restore");
    assert_eq!(r.body["restored_from"], 1);
    assert_eq!(r.body["number"], 3);
    p.call(json!({"cmd": "waitFor", "path": "title", "equals": "Sign in", "timeoutMs": WAIT}))
        .await
        .unwrap();
    p.call(
        json!({"cmd": "waitFor", "path": "description", "equals": "Passwords.", "timeoutMs": WAIT}),
    )
    .await
    .unwrap();
    let row = owner.get(&format!("/api/v1/items/{id}")).await;
    assert_eq!(row.body["title"], "Sign in");
    // Nothing after the restored version is lost.
    let v2 = owner.get(&format!("/api/v1/items/{id}/versions/2")).await;
    assert_eq!(v2.body["snapshot"]["title"], "Log in");
    assert_eq!(versions(&owner, &id).await.len(), 3);
    let r = owner
        .post_empty(&format!("/api/v1/items/{id}/versions/7/restore"))
        .await;
    assert_eq!((r.status, r.code()), (404, "not_found"));
}

#[tokio::test]
async fn named_versions_are_saved_by_editors_and_read_by_viewers_only() {
    let (server, owner, org, team, project) = fixture(|_| {}).await;
    let id = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments"}),
    )
    .await;
    let (viewer, _) = team_member(&server, &owner, (&org, &team), "v@acme.example", "viewer").await;
    let r = owner
        .post(
            &format!("/api/v1/items/{id}/versions"),
            &json!({"message": "Reviewed with legal"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        (r.body["kind"].as_str(), r.body["number"].as_i64()),
        (Some("named"), Some(2))
    );
    assert_eq!(r.body["message"], "Reviewed with legal");
    let r = owner
        .post(
            &format!("/api/v1/items/{id}/versions"),
            &json!({"message": "  "}),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "validation_failed"));
    let r = viewer
        .post(
            &format!("/api/v1/items/{id}/versions"),
            &json!({"message": "Mine"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));
    let r = viewer
        .post_empty(&format!("/api/v1/items/{id}/versions/1/restore"))
        .await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));
    assert_eq!(versions(&viewer, &id).await.len(), 2);
    // Pages.
    let r = viewer
        .get(&format!("/api/v1/items/{id}/versions?limit=1"))
        .await;
    assert_eq!(r.body["items"][0]["number"], 2);
    let next = r.body["next_cursor"].as_str().unwrap().to_owned();
    let r = viewer
        .get(&format!(
            "/api/v1/items/{id}/versions?limit=1&cursor={next}"
        ))
        .await;
    assert_eq!(r.body["items"][0]["number"], 1);
    assert!(r.body.get("next_cursor").is_none());
    let r = viewer
        .get(&format!("/api/v1/items/{id}/versions?cursor=abc"))
        .await;
    assert_eq!((r.status, r.code()), (400, "invalid_query"));
    // Another organization sees nothing.
    let stranger = server.user("stranger@example.com").await;
    stranger.create_org("Elsewhere", "elsewhere").await;
    let r = stranger
        .get(&format!("/api/v1/items/{id}/versions/1"))
        .await;
    assert_eq!((r.status, r.code()), (404, "not_found"));
    let r = stranger
        .post_empty(&format!("/api/v1/items/{id}/versions/1/restore"))
        .await;
    assert_eq!((r.status, r.code()), (404, "not_found"));
    let r = stranger
        .get(&format!("/api/v1/projects/{project}/snapshots"))
        .await;
    assert_eq!((r.status, r.code()), (404, "not_found"));
}

#[tokio::test]
async fn a_project_snapshot_is_diffed_and_restored_by_a_manager_with_nothing_lost() {
    let (server, owner, org, team, project) = fixture(|_| {}).await;
    let a = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments"}),
    )
    .await;
    let b = item(
        &owner,
        &project,
        json!({"type": "feature", "title": "Cards", "parent_id": a, "description": "Visa."}),
    )
    .await;
    let r = owner
        .post(
            &format!("/api/v1/projects/{project}/snapshots"),
            &json!({"message": "Release 1"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        (r.body["number"].as_i64(), r.body["item_count"].as_i64()),
        (Some(1), Some(2))
    );

    // Change things: edit, retype and move, delete, add.
    owner
        .patch(
            &format!("/api/v1/items/{b}"),
            &json!({"description": "Visa and Amex."}),
        )
        .await;
    let r = owner
        .post(
            &format!("/api/v1/items/{b}/move"),
            &json!({"parent_id": null}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = owner.delete(&format!("/api/v1/items/{a}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let c = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Refunds"}),
    )
    .await;

    let d = owner
        .get(&format!("/api/v1/projects/{project}/snapshots/diff?from=1"))
        .await;
    assert_eq!(d.status, 200, "{}", d.body);
    let mut kinds: Vec<String> = d.body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["change"].as_str().unwrap(),
                c["title"].as_str().unwrap()
            )
        })
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        vec![
            "added Refunds",
            "changed Cards",
            "moved Cards",
            "removed Payments"
        ]
    );

    let (editor, _) = team_member(&server, &owner, (&org, &team), "e@acme.example", "editor").await;
    let r = editor
        .post_empty(&format!("/api/v1/projects/{project}/snapshots/1/restore"))
        .await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));

    let r = owner
        .post_empty(&format!("/api/v1/projects/{project}/snapshots/1/restore"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["saved_before"], 2);
    assert_eq!(r.body["trashed"], 1);
    let tree = crate::support::tree_titles(&owner, &project).await;
    assert_eq!(
        tree,
        vec![(0, "Payments".to_owned()), (1, "Cards".to_owned())]
    );
    let row = owner.get(&format!("/api/v1/items/{b}")).await;
    assert_eq!(row.body["description"], "Visa.");
    let row = owner.get(&format!("/api/v1/items/{c}")).await;
    assert!(row.body["deleted_at"].is_string(), "{}", row.body);
    // The state before the restore is a snapshot, and the restore is a version of B.
    let d = owner
        .get(&format!(
            "/api/v1/projects/{project}/snapshots/diff?from=1&to=2"
        ))
        .await;
    assert!(!d.body["changes"].as_array().unwrap().is_empty());
    let v = versions(&owner, &b).await;
    assert_eq!(v[0]["kind"], "restore");
    assert_eq!(v[0]["cause"], "project_restore");
    let r = owner
        .get(&format!("/api/v1/projects/{project}/snapshots/1"))
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);
    let r = owner
        .get(&format!("/api/v1/projects/{project}/snapshots"))
        .await;
    assert_eq!(r.body["items"][0]["cause"], "before_restore");
}

#[tokio::test]
async fn attribution_names_who_wrote_each_range_of_the_description() {
    let (server, owner, org, team, project) = fixture(|_| {}).await;
    let owner_id = owner.user_id().await;
    let id = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Sign in", "description": "Hello",
               "acceptance_criteria": [{"text": "Works"}]}),
    )
    .await;
    let (editor, editor_id) =
        team_member(&server, &owner, (&org, &team), "e@acme.example", "editor").await;
    let mut p = peer(&server, &editor, &id).await;
    p.call(json!({"cmd": "insertText", "field": "description", "index": 5, "text": " world"}))
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_millis(WAIT);
    while owner.get(&format!("/api/v1/items/{id}")).await.body["description"] != "Hello world" {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let r = owner.get(&format!("/api/v1/items/{id}/attribution")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["description"],
        json!([
            {"start": 0, "end": 5, "text": "Hello", "author": {"kind": "user", "user_id": owner_id}},
            {"start": 5, "end": 11, "text": " world", "author": {"kind": "user", "user_id": editor_id}},
        ])
    );
    assert_eq!(
        r.body["acceptance_criteria"][0]["ranges"],
        json!([{"start": 0, "end": 5, "text": "Works", "author": {"kind": "user", "user_id": owner_id}}])
    );
}

#[tokio::test]
async fn history_exports_as_json_lines_and_a_markdown_changelog() {
    let (_server, owner, _, _, project) = fixture(|_| {}).await;
    let id = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Sign in"}),
    )
    .await;
    owner
        .patch(
            &format!("/api/v1/items/{id}"),
            &json!({"title": "Sign in fast"}),
        )
        .await;
    let r = owner
        .get(&format!("/api/v1/items/{id}/history/export?format=jsonl"))
        .await;
    assert_eq!(r.status, 200);
    let lines: Vec<Value> = r
        .body
        .as_str()
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["snapshot"]["title"], "Sign in fast");
    assert_eq!(lines[1]["changes"][0]["field"], "title");
    let r = owner
        .get(&format!(
            "/api/v1/items/{id}/history/export?format=markdown"
        ))
        .await;
    let md = r.body.as_str().unwrap();
    assert!(md.contains("### Version 2 (auto, edit)"), "{md}");
    assert!(md.contains("Sign in{+ fast+}"), "{md}");
    owner
        .post(
            &format!("/api/v1/projects/{project}/snapshots"),
            &json!({"message": "R1"}),
        )
        .await;
    let r = owner
        .get(&format!(
            "/api/v1/projects/{project}/history/export?format=jsonl"
        ))
        .await;
    let types: Vec<String> = r
        .body
        .as_str()
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(types, vec!["snapshot", "version", "version"]);
    let r = owner
        .get(&format!("/api/v1/items/{id}/history/export?format=csv"))
        .await;
    assert_eq!((r.status, r.code()), (400, "invalid_query"));
}

#[tokio::test]
async fn pruning_removes_old_automatic_versions_and_keeps_the_rest_readable() {
    let (server, owner, org, _, project) = fixture(|_| {}).await;
    let id = item(&owner, &project, json!({"type": "story", "title": "v0"})).await;
    for i in 1..=30 {
        if i == 10 {
            owner
                .post(
                    &format!("/api/v1/items/{id}/versions"),
                    &json!({"message": "Keep me"}),
                )
                .await;
        }
        let r = owner
            .patch(
                &format!("/api/v1/items/{id}"),
                &json!({"title": format!("v{i}")}),
            )
            .await;
        assert_eq!(r.status, 200);
        server.clock.advance(Duration::from_secs(60));
    }
    let cutoff_after = 20; // versions made in the first 20 minutes go
    let all = versions(&owner, &id).await.len();
    assert_eq!(all, 32);
    let org_id: spectree_domain::ids::OrgId = org.parse().unwrap();
    let now = server.app().now();
    let cutoff = now.minus(Duration::from_secs(60 * (30 - cutoff_after)));
    let store = server.app().store();
    let mut tx = store.begin().await.unwrap();
    let n = spectree_app::store::history::prune_automatic_versions(
        &mut tx,
        store.sealer(),
        org_id,
        cutoff,
    )
    .await
    .unwrap();
    spectree_app::store::Store::commit(tx).await.unwrap();
    assert!(n >= 18, "pruned {n}");
    let left = until_versions(&owner, &id, |_| true).await;
    assert_eq!(left.len(), all - n as usize);
    assert!(left.iter().any(|v| v["kind"] == "named"));
    // Every surviving version still reads back exactly.
    for v in &left {
        let n = v["number"].as_i64().unwrap();
        let r = owner.get(&format!("/api/v1/items/{id}/versions/{n}")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let title = r.body["snapshot"]["title"].as_str().unwrap().to_owned();
        // Version 1 is "v0"; the named version (number 11) repeats v9; version k > 11 is v(k-2).
        let want = match n {
            1 => "v0".to_owned(),
            11 => "v9".to_owned(),
            k if k < 11 => format!("v{}", k - 1),
            k => format!("v{}", k - 2),
        };
        assert_eq!(title, want, "version {n}");
    }
    // The first version was automatic and old: it is gone; the named one stays.
    let r = owner.get(&format!("/api/v1/items/{id}/versions/1")).await;
    assert_eq!(r.status, 404);
    let r = owner.get(&format!("/api/v1/items/{id}/diff?from=11")).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body["title"]["segments"],
        json!([{"op": "delete", "text": "v9"}, {"op": "insert", "text": "v30"}])
    );
}

#[tokio::test]
async fn restoring_a_version_puts_the_item_back_in_its_place_or_says_why_it_stays() {
    let (server, owner, org, _, project) = fixture(|_| {}).await;
    let f1 = item(&owner, &project, json!({"type": "feature", "title": "F1"})).await;
    let f2 = item(&owner, &project, json!({"type": "feature", "title": "F2"})).await;
    let s1 = item(
        &owner,
        &project,
        json!({"type": "story", "title": "S1", "parent_id": f1}),
    )
    .await;
    let s2 = item(
        &owner,
        &project,
        json!({"type": "story", "title": "S2", "parent_id": f1}),
    )
    .await;
    let place = owner.get(&format!("/api/v1/items/{s1}")).await.body;
    let mut events = crate::spec_events::Events::open(&owner, &project).await;

    // Moved away and edited since version 1.
    let r = owner
        .post(
            &format!("/api/v1/items/{s1}/move"),
            &json!({"parent_id": f2}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = owner
        .patch(
            &format!("/api/v1/items/{s1}"),
            &json!({"title": "S1 moved"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let r = owner
        .post_empty(&format!("/api/v1/items/{s1}/versions/1/restore"))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["kind"], "restore");
    assert_eq!(r.body["place"], json!({"status": "restored"}));
    let now = owner.get(&format!("/api/v1/items/{s1}")).await.body;
    assert_eq!(now["title"], "S1");
    assert_eq!(now["parent_id"], json!(f1));
    assert_eq!(now["position"], place["position"], "its rank was free");
    let titles = crate::support::tree_titles(&owner, &project).await;
    let order: Vec<&str> = titles.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(order, ["F1", "S1", "S2", "F2"]);
    // Through the move use case: a `move` version, its audit record and its event.
    let v = versions(&owner, &s1).await;
    let causes: Vec<&str> = v.iter().map(|v| v["cause"].as_str().unwrap()).collect();
    assert_eq!(causes, ["rollback", "move", "edit", "move", "create"]);
    let org_id = org.parse().unwrap();
    let moved = crate::audit::chain(&server, org_id)
        .await
        .into_iter()
        .filter(|r| {
            r.event.action == "item.moved" && r.event.target_id.as_deref() == Some(s1.as_str())
        })
        .count();
    assert_eq!(moved, 2);
    let mut kinds = Vec::new();
    while kinds.len() < 2 {
        let e = events.next_item().await;
        if e["item_id"] == json!(s1) && e["kind"] == "moved" {
            kinds.push(e);
        }
    }

    // Restoring again where it already is leaves the place unchanged.
    let r = owner
        .post_empty(&format!("/api/v1/items/{s1}/versions/1/restore"))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["place"], json!({"status": "unchanged"}));

    // A version whose parent is gone: the content comes back, the item stays.
    let r = owner
        .post(
            &format!("/api/v1/items/{s1}/move"),
            &json!({"parent_id": f2}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = owner
        .patch(
            &format!("/api/v1/items/{s1}"),
            &json!({"title": "S1 again"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        owner.delete(&format!("/api/v1/items/{f1}")).await.status,
        200
    );
    let r = owner
        .post_empty(&format!("/api/v1/items/{s1}/versions/1/restore"))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["place"]["status"], "kept", "{}", r.body);
    assert_eq!(r.body["place"]["code"], "parent_gone", "{}", r.body);
    assert!(r.body["place"]["reason"].as_str().is_some());
    let now = owner.get(&format!("/api/v1/items/{s1}")).await.body;
    assert_eq!(now["title"], "S1");
    assert_eq!(now["parent_id"], json!(f2));
    let _ = s2;
}

#[tokio::test]
async fn the_version_index_lists_every_versions_metadata_in_one_answer() {
    let (server, owner, _, _, project) = fixture(|_| {}).await;
    let owner_id = owner.user_id().await;
    let id = item(&owner, &project, json!({"type": "story", "title": "Rev 0"})).await;
    for i in 1..5 {
        let r = owner
            .patch(
                &format!("/api/v1/items/{id}"),
                &json!({"title": format!("Rev {i}")}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let r = owner
        .post(
            &format!("/api/v1/items/{id}/versions"),
            &json!({"message": "Fifth"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = owner
        .get(&format!("/api/v1/items/{id}/versions/index"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["count"], 6);
    assert!(r.body.get("next_cursor").is_none(), "{}", r.body);
    let all = r.body["versions"].as_array().unwrap();
    let numbers: Vec<i64> = all.iter().map(|v| v["number"].as_i64().unwrap()).collect();
    assert_eq!(numbers, [6, 5, 4, 3, 2, 1]);
    assert_eq!(all[0]["kind"], "named");
    assert_eq!(all[0]["message"], "Fifth");
    assert_eq!(all[1]["cause"], "edit");
    assert_eq!(all[1]["fields"], json!(["title"]));
    assert_eq!(all[5]["cause"], "create");
    assert_eq!(
        all[1]["authors"],
        json!([{"kind": "user", "user_id": owner_id}])
    );
    assert!(all[1]["created_at_ms"].as_i64().unwrap() > 0);

    let r = owner
        .get(&format!("/api/v1/items/{id}/versions/index?limit=2"))
        .await;
    assert_eq!(r.body["count"], 2);
    assert_eq!(r.body["next_cursor"], "5");
    let r = owner
        .get(&format!(
            "/api/v1/items/{id}/versions/index?limit=4&cursor=5"
        ))
        .await;
    let numbers: Vec<i64> = r.body["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [4, 3, 2, 1]);
    assert!(r.body.get("next_cursor").is_none(), "{}", r.body);
    let r = owner
        .get(&format!("/api/v1/items/{id}/versions/index?cursor=x"))
        .await;
    assert_eq!((r.status, r.code()), (400, "invalid_query"));
    let r = owner
        .get(&format!("/api/v1/items/{id}/versions/index?limit=10001"))
        .await;
    assert_eq!(r.status, 200, "a larger limit is clamped");
    // The database renders the index (decision 0024): every version must read as the
    // paginated list has it, messages with quotes, back-slashes and non-ASCII included,
    // a restore's `restored_from`, several changed fields and none.
    let awkward = "Say \"done\" then 'next', \\ back-slash, Überprüfung ✓";
    let r = owner
        .patch(
            &format!("/api/v1/items/{id}"),
            &json!({"status": "ready", "description": "Both fields"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = owner
        .post(
            &format!("/api/v1/items/{id}/versions"),
            &json!({"message": awkward}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = owner
        .post_empty(&format!("/api/v1/items/{id}/versions/2/restore"))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = owner
        .post(
            &format!("/api/v1/items/{id}/versions"),
            &json!({"message": "Nothing changed since"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let index = owner
        .get(&format!("/api/v1/items/{id}/versions/index"))
        .await
        .body;
    let listed = versions(&owner, &id).await;
    let index = index["versions"].as_array().unwrap();
    assert_eq!(index.len(), listed.len());
    assert!(index.iter().any(|v| v["message"] == awkward), "{index:?}");
    assert!(index.iter().any(|v| v["restored_from"] == 2), "{index:?}");
    assert!(
        index
            .iter()
            .any(|v| v["fields"].as_array().unwrap().len() >= 2),
        "{index:?}"
    );
    assert!(index.iter().any(|v| v["fields"] == json!([])), "{index:?}");
    for (i, l) in index.iter().zip(&listed) {
        for key in [
            "number",
            "kind",
            "cause",
            "authors",
            "message",
            "fields",
            "restored_from",
        ] {
            assert_eq!(i.get(key), l.get(key), "{key} of version {}", l["number"]);
        }
        let ms = |rfc: &Value| {
            time::OffsetDateTime::parse(
                rfc.as_str().unwrap(),
                &time::format_description::well_known::Rfc3339,
            )
            .unwrap()
            .unix_timestamp_nanos()
                / 1_000_000
        };
        assert_eq!(
            i128::from(i["created_at_ms"].as_i64().unwrap()),
            ms(&l["created_at"])
        );
        assert_eq!(
            i128::from(i["started_at_ms"].as_i64().unwrap()),
            ms(&l["started_at"])
        );
    }
    // Versions store their index line; those stored before it existed (NULL) are rendered
    // by the query: the same answer.
    let mut tx = server.app().store().begin().await.unwrap();
    let unstored: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM item_versions WHERE item_id = $1 AND index_line IS NULL",
    )
    .bind(&id)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!(unstored, 0, "every new version stores its index line");
    sqlx::query("UPDATE item_versions SET index_line = NULL WHERE item_id = $1")
        .bind(&id)
        .execute(&mut *tx)
        .await
        .unwrap();
    spectree_app::store::Store::commit(tx).await.unwrap();
    let rendered = owner
        .get(&format!("/api/v1/items/{id}/versions/index"))
        .await
        .body;
    assert_eq!(rendered["versions"].as_array().unwrap(), index);

    let stranger = server.user("stranger@example.com").await;
    let r = stranger
        .get(&format!("/api/v1/items/{id}/versions/index"))
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
}

#[tokio::test]
async fn a_restore_whose_caller_goes_away_still_finishes_with_its_version() {
    let (server, owner, org, _, project) = fixture(|_| {}).await;
    let id = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Sign in", "description": "Passwords."}),
    )
    .await;
    let r = owner
        .patch(&format!("/api/v1/items/{id}"), &json!({"title": "Log in"}))
        .await;
    assert_eq!(r.status, 200);
    // A live editor keeps the room loaded, so the restore goes through the live document.
    let mut p = peer(&server, &owner, &id).await;
    let r = owner
        .post("/api/v1/me/tokens", &json!({"name": "script"}))
        .await;
    let token = r.body["secret"].as_str().unwrap().to_owned();
    let app = server.app();
    let actor = app
        .authenticate_token(&token, Default::default())
        .await
        .unwrap()
        .unwrap();
    // The caller polls the restore once and goes away, as an HTTP request's future is
    // dropped when its client hangs up: the use case still finishes.
    let restore = app.restore_item_version(&actor, id.parse().unwrap(), 1);
    // Almost always still running when the caller leaves. The timer fires at the next
    // millisecond, not after a microsecond, and the restore (a task of its own) may finish
    // first (seen once in CI): then it must have succeeded, and what follows holds either
    // way.
    if let Ok(done) = tokio::time::timeout(Duration::from_micros(1), restore).await {
        done.expect("the restore failed");
    }
    p.call(json!({"cmd": "waitFor", "path": "title", "equals": "Sign in", "timeoutMs": WAIT}))
        .await
        .unwrap();
    let v = until_versions(&owner, &id, |v| {
        v.first().is_some_and(|v| v["kind"] == "restore")
    })
    .await;
    assert_eq!(v[0]["restored_from"], 1);
    let deadline = Instant::now() + Duration::from_millis(WAIT);
    loop {
        let r = owner
            .get(&format!(
                "/api/v1/orgs/{org}/audit?action=item.version_restored"
            ))
            .await;
        if r.body["items"].as_array().is_some_and(|a| !a.is_empty()) {
            break;
        }
        assert!(Instant::now() < deadline, "no audit record: {}", r.body);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.stop().await;
}
