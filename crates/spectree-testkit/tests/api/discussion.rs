//! Discussion on work items: threads anchored to text that follow edits made by a real Yjs
//! client, replies, edits, tombstones, resolution, the Comment permission, reactions,
//! @mentions and sanitised Markdown, all through the API.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use spectree_testkit::Client;
use spectree_testkit::yjs::YjsPeer;

use crate::spec_events::Events;
use crate::support::{count, item, member, project_fixture};

const WAIT: u64 = 15_000;

async fn thread(c: &Client, item: &str, body: Value) -> Value {
    let r = c
        .post(&format!("/api/v1/items/{item}/threads"), &body)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

/// Polls a thread until `check` holds, with a generous deadline.
async fn until_thread(c: &Client, id: &str, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_millis(WAIT);
    loop {
        let r = c.get(&format!("/api/v1/threads/{id}")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        if check(&r.body) {
            return r.body;
        }
        assert!(
            Instant::now() < deadline,
            "the thread never got there: {}",
            r.body
        );
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

#[tokio::test]
async fn an_anchored_thread_follows_yjs_edits_around_it_and_detaches_when_its_text_is_deleted() {
    let (server, owner, _, _, project) = project_fixture().await;
    let id = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Sign in", "description": "Users sign in with a password."}),
    )
    .await;
    let token = owner
        .post("/api/v1/me/tokens", &json!({"name": "yjs"}))
        .await;
    let token = token.body["secret"].as_str().unwrap().to_owned();
    let mut peer = YjsPeer::connect(&server.collab_url(), &id, Some(&token))
        .await
        .unwrap();
    peer.call(json!({"cmd": "waitSynced", "timeoutMs": WAIT}))
        .await
        .unwrap();
    // The browser's positions: start sticks to "p", end to "d" of "password".
    let start = peer
        .call(json!({"cmd": "relPos", "field": "description", "index": 21, "assoc": 0}))
        .await
        .unwrap()["relpos"]
        .clone();
    let end = peer
        .call(json!({"cmd": "relPos", "field": "description", "index": 29, "assoc": -1}))
        .await
        .unwrap()["relpos"]
        .clone();
    let t = thread(
        &owner,
        &id,
        json!({"body": "Which password rules?", "anchor": {"field": "description", "start": start, "end": end}}),
    )
    .await;
    let anchor = &t["thread"]["anchor"];
    assert_eq!(
        (
            &anchor["text"],
            &anchor["quote"],
            &anchor["from"],
            &anchor["to"]
        ),
        (
            &json!("password"),
            &json!("password"),
            &json!(21),
            &json!(29)
        )
    );
    assert_eq!(anchor["start"], start);
    let tid = t["thread"]["id"].as_str().unwrap().to_owned();

    // Edits before and after the range move it, and do not change what it covers.
    peer.call(json!({"cmd": "insertText", "field": "description", "index": 0, "text": "All "}))
        .await
        .unwrap();
    peer.call(
        json!({"cmd": "insertText", "field": "description", "index": 33, "text": " or passkey"}),
    )
    .await
    .unwrap();
    let moved = until_thread(&owner, &tid, |t| t["anchor"]["from"] == 25).await;
    assert_eq!(moved["anchor"]["to"], 33);
    assert_eq!(moved["anchor"]["text"], "password");
    assert_eq!(moved["anchor"]["detached"], false);

    // Deleting the text detaches the thread; it is kept, with what it quoted.
    peer.call(json!({"cmd": "deleteText", "field": "description", "index": 25, "length": 8}))
        .await
        .unwrap();
    let gone = until_thread(&owner, &tid, |t| t["anchor"]["detached"] == true).await;
    assert_eq!(gone["anchor"]["quote"], "password");
    assert_eq!(gone["anchor"]["from"], Value::Null);
    assert_eq!(gone["comments"][0]["body"], "Which password rules?");
    let list = owner.get(&format!("/api/v1/items/{id}/threads")).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);

    // A range given as offsets is anchored the same way; a bad range is refused.
    let r = owner
        .post(
            &format!("/api/v1/items/{id}/threads"),
            &json!({"body": "x", "anchor": {"field": "description", "from": 0, "to": 3}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["thread"]["anchor"]["text"], "All");
    for bad in [
        json!({"field": "description", "from": 3, "to": 3}),
        json!({"field": "description", "from": 0, "to": 999}),
        json!({"field": "title", "from": 0, "to": 1}),
        json!({"field": "description", "start": "AAAA", "end": "AAAA"}),
        json!({"field": "description", "start": "not base64!", "end": "x"}),
    ] {
        let r = owner
            .post(
                &format!("/api/v1/items/{id}/threads"),
                &json!({"body": "x", "anchor": bad}),
            )
            .await;
        assert_eq!(
            (r.status, r.code()),
            (422, "invalid_thread_anchor"),
            "{bad}: {}",
            r.body
        );
    }
    assert_eq!(count(&server, "comment_threads").await, 2);
    server.stop().await;
}

#[tokio::test]
async fn replies_edits_tombstones_and_resolution_reach_everyone_viewing_the_item() {
    let (server, owner, org, _, project) = project_fixture().await;
    let (editor, editor_id) =
        member(&server, &owner, &org, "eve@acme.example", Some("editor")).await;
    let id = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments"}),
    )
    .await;
    let mut events = Events::open(&editor, &project).await;

    let t = thread(&owner, &id, json!({"body": "General question"})).await;
    let tid = t["thread"]["id"].as_str().unwrap().to_owned();
    assert_eq!(t["thread"]["anchor"], Value::Null);
    let e = events.next("discussion").await;
    assert_eq!(
        (e["kind"].as_str(), e["item_id"].as_str()),
        (Some("commented"), Some(id.as_str()))
    );

    let r = editor
        .post(
            &format!("/api/v1/threads/{tid}/comments"),
            &json!({"body": "An answer"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let cid = r.body["comment"]["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["comment"]["author_id"], json!(editor_id));
    assert_eq!(events.next("discussion").await["kind"], "commented");

    // Only the author edits or deletes.
    let r = owner
        .patch(
            &format!("/api/v1/comments/{cid}"),
            &json!({"body": "Hijacked"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "not_comment_author"));
    let r = owner.delete(&format!("/api/v1/comments/{cid}")).await;
    assert_eq!((r.status, r.code()), (403, "not_comment_author"));
    let r = editor
        .patch(
            &format!("/api/v1/comments/{cid}"),
            &json!({"body": "A better answer"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["comment"]["body"], "A better answer");
    assert!(r.body["comment"]["edited_at"].is_string());
    assert_eq!(events.next("discussion").await["kind"], "comment_edited");

    // Bad bodies change nothing.
    let before = count(&server, "comments").await;
    for (body, code) in [
        ("  ", "invalid_comment"),
        (&*"x".repeat(10_001), "invalid_comment"),
    ] {
        let r = editor
            .post(
                &format!("/api/v1/threads/{tid}/comments"),
                &json!({"body": body}),
            )
            .await;
        assert_eq!((r.status, r.code()), (422, code));
    }
    assert_eq!(count(&server, "comments").await, before);

    // A deleted comment stays as a tombstone in its place.
    let r = editor.delete(&format!("/api/v1/comments/{cid}")).await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(events.next("discussion").await["kind"], "comment_deleted");
    let r = editor
        .patch(&format!("/api/v1/comments/{cid}"), &json!({"body": "Back"}))
        .await;
    assert_eq!((r.status, r.code()), (409, "comment_deleted"));
    let r = owner.get(&format!("/api/v1/threads/{tid}")).await;
    let comments = r.body["comments"].as_array().unwrap();
    assert_eq!(comments.len(), 2);
    assert_eq!(comments[1]["deleted"], true);
    assert_eq!(comments[1]["body"], "");
    assert_eq!(comments[0]["body"], "General question");

    let r = editor
        .post(&format!("/api/v1/threads/{tid}/resolve"), &json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.body["resolved"].as_bool(), r.body["resolved_by"].as_str()),
        (Some(true), Some(editor_id.as_str()))
    );
    assert_eq!(events.next("discussion").await["kind"], "thread_resolved");
    let r = owner
        .post(&format!("/api/v1/threads/{tid}/reopen"), &json!({}))
        .await;
    assert_eq!(r.body["resolved"], false);
    assert_eq!(events.next("discussion").await["kind"], "thread_reopened");

    // Every change left an audit record.
    let r = owner
        .get(&format!("/api/v1/orgs/{org}/audit?limit=200"))
        .await;
    let actions: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .filter(|a| a.starts_with("comment."))
        .collect();
    for want in [
        "comment.thread_created",
        "comment.created",
        "comment.edited",
        "comment.deleted",
        "comment.thread_resolved",
        "comment.thread_reopened",
    ] {
        assert!(actions.contains(&want), "{want} missing from {actions:?}");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_viewer_may_comment_only_when_the_team_allows_it() {
    let (server, owner, org, team, project) = project_fixture().await;
    let (viewer, _) = member(&server, &owner, &org, "vic@acme.example", Some("viewer")).await;
    let id = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments"}),
    )
    .await;
    let r = viewer
        .post(
            &format!("/api/v1/items/{id}/threads"),
            &json!({"body": "May I?"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));
    let t = thread(&owner, &id, json!({"body": "Owner's note"})).await;
    let (tid, cid) = (
        t["thread"]["id"].as_str().unwrap(),
        t["thread"]["comments"][0]["id"].as_str().unwrap(),
    );
    for (path, body) in [
        (
            format!("/api/v1/threads/{tid}/comments"),
            json!({"body": "Reply"}),
        ),
        (format!("/api/v1/threads/{tid}/resolve"), json!({})),
        (
            format!("/api/v1/comments/{cid}/reactions"),
            json!({"emoji": "👍"}),
        ),
    ] {
        let r = viewer.post(&path, &body).await;
        assert_eq!((r.status, r.code()), (403, "forbidden"), "{path}");
    }
    // Viewers still read the discussion.
    let r = viewer.get(&format!("/api/v1/items/{id}/threads")).await;
    assert_eq!(r.status, 200);
    let r = owner
        .patch(
            &format!("/api/v1/teams/{team}"),
            &json!({"viewers_can_comment": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    thread(&viewer, &id, json!({"body": "Now I may"})).await;
    server.stop().await;
}

#[tokio::test]
async fn reactions_toggle_one_per_person_and_emoji_with_counts_and_people() {
    let (server, owner, org, _, project) = project_fixture().await;
    let (editor, editor_id) =
        member(&server, &owner, &org, "eve@acme.example", Some("editor")).await;
    let id = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments"}),
    )
    .await;
    let t = thread(&owner, &id, json!({"body": "Ship it?"})).await;
    let cid = t["thread"]["comments"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let react = |c: &Client, emoji: &str| {
        let (c, path, body) = (
            c.clone(),
            format!("/api/v1/comments/{cid}/reactions"),
            json!({"emoji": emoji}),
        );
        async move { c.post(&path, &body).await }
    };
    react(&owner, "👍").await;
    let r = react(&editor, "👍").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["reactions"][0]["emoji"], "👍");
    assert_eq!(r.body["reactions"][0]["count"], 2);
    let r = react(&editor, "🎉").await;
    assert_eq!(r.body["reactions"][1]["user_ids"], json!([editor_id]));
    // The same person and emoji again takes it back.
    let r = react(&editor, "👍").await;
    assert_eq!(r.body["reactions"][0]["count"], 1);
    assert_eq!(count(&server, "comment_reactions").await, 2);
    for bad in ["", "ok", "👍 👍", "<script>", &"👍".repeat(9)] {
        let r = react(&editor, bad).await;
        assert_eq!((r.status, r.code()), (422, "invalid_emoji"), "{bad:?}");
    }
    assert_eq!(count(&server, "comment_reactions").await, 2);
    let r = owner
        .get(&format!("/api/v1/orgs/{org}/audit?limit=200"))
        .await;
    let toggles = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["action"]
                .as_str()
                .is_some_and(|a| a.starts_with("comment.reaction_"))
        })
        .count();
    assert_eq!(toggles, 4, "one audit record per toggle that went through");
    server.stop().await;
}

#[tokio::test]
async fn mentions_resolve_exactly_the_members_who_can_see_the_item() {
    let (server, owner, org, _, project) = project_fixture().await;
    let (_, ada) = member(&server, &owner, &org, "ada@acme.example", Some("editor")).await;
    // Bob belongs to the organization but to no team: he cannot see the project.
    let (bob_client, _) = member(&server, &owner, &org, "bob@acme.example", None).await;
    // Two members share the handle "sam": a mention of it names no one.
    member(&server, &owner, &org, "sam@acme.example", Some("editor")).await;
    member(&server, &owner, &org, "sam@other.example", Some("editor")).await;
    let id = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments"}),
    )
    .await;
    let t = thread(
        &owner,
        &id,
        json!({"body": "@Ada and @bob, see `@admin` and mail ada@acme.example; @nobody knows, nor @sam"}),
    )
    .await;
    let m = &t["mentions"];
    assert_eq!(m["mentioned_user_ids"], json!([ada]));
    assert_eq!(m["mentions_without_access"], json!(["bob"]));
    assert_eq!(m["unresolved_mentions"], json!(["nobody", "sam"]));
    assert_eq!(
        t["thread"]["comments"][0]["mentioned_user_ids"],
        json!([ada])
    );
    // Bob learned nothing about the item.
    let r = bob_client.get(&format!("/api/v1/items/{id}/threads")).await;
    assert_eq!(r.status, 404);
    let stored: i64 = count(&server, "comment_mentions").await;
    assert_eq!(
        stored, 2,
        "both mentions are kept for notifications to build on"
    );

    // Editing works the mentions out again.
    let cid = t["thread"]["comments"][0]["id"].as_str().unwrap();
    let r = owner
        .patch(
            &format!("/api/v1/comments/{cid}"),
            &json!({"body": "Only @admin now"}),
        )
        .await;
    assert_eq!(r.body["mentions"]["unresolved_mentions"], json!([]));
    assert_eq!(count(&server, "comment_mentions").await, 1);

    // Suggestions list members who can see the item, by handle or name prefix.
    let r = owner
        .get(&format!("/api/v1/items/{id}/mention-suggestions?q=a"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let handles: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["handle"].as_str().unwrap())
        .collect();
    assert_eq!(handles, vec!["ada", "admin"]);
    let r = owner
        .get(&format!("/api/v1/items/{id}/mention-suggestions?q=@bo"))
        .await;
    assert_eq!(r.body["items"], json!([]));
    let r = owner
        .get(&format!("/api/v1/items/{id}/mention-suggestions?q=%25"))
        .await;
    assert_eq!(
        r.body["items"],
        json!([]),
        "LIKE wildcards are matched literally"
    );
    server.stop().await;
}

#[tokio::test]
async fn comment_bodies_render_to_sanitised_html() {
    let (server, owner, _, _, project) = project_fixture().await;
    let id = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments"}),
    )
    .await;
    let t = thread(
        &owner,
        &id,
        json!({"body": "**Bold** <script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>"}),
    )
    .await;
    let html = t["thread"]["comments"][0]["html"].as_str().unwrap();
    assert!(html.contains("<strong>Bold</strong>"), "{html}");
    for bad in ["<script", "alert(1)", "javascript:", "onerror"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    // The Markdown is kept as written.
    assert!(
        t["thread"]["comments"][0]["body"]
            .as_str()
            .unwrap()
            .contains("<script>")
    );
    server.stop().await;
}

#[tokio::test]
async fn a_thread_on_a_criterion_follows_rest_edits_and_detaches_when_the_criterion_goes() {
    let (server, owner, _, _, project) = project_fixture().await;
    let id = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Sync", "acceptance_criteria": [{"text": "Works offline"}, {"text": "Fast"}]}),
    )
    .await;
    let r = owner.get(&format!("/api/v1/items/{id}")).await;
    let (c1, c2) = (
        r.body["acceptance_criteria"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        r.body["acceptance_criteria"][1]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    let t = thread(
        &owner,
        &id,
        json!({"body": "Define offline", "anchor": {"field": format!("criterion:{c1}"), "from": 6, "to": 13}}),
    )
    .await;
    assert_eq!(t["thread"]["anchor"]["text"], "offline");
    let tid = t["thread"]["id"].as_str().unwrap().to_owned();

    // A REST edit goes through the document by a minimal diff: the range follows it.
    let r = owner
        .patch(
            &format!("/api/v1/items/{id}"),
            &json!({"acceptance_criteria": [{"id": c1, "text": "It really works offline"}, {"id": c2, "text": "Fast"}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let moved = until_thread(&owner, &tid, |t| t["anchor"]["from"] == 16).await;
    assert_eq!(moved["anchor"]["text"], "offline");

    // The criterion removed: the thread is detached, not lost.
    let r = owner
        .patch(
            &format!("/api/v1/items/{id}"),
            &json!({"acceptance_criteria": [{"id": c2, "text": "Fast"}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    until_thread(&owner, &tid, |t| t["anchor"]["detached"] == true).await;

    // An item in the trash keeps its discussion readable but closed to new comments.
    let r = owner.delete(&format!("/api/v1/items/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = owner.get(&format!("/api/v1/items/{id}/threads")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["items"][0]["anchor"]["quote"], "offline");
    let r = owner
        .post(
            &format!("/api/v1/threads/{tid}/comments"),
            &json!({"body": "Late"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "item_in_trash"));
    server.stop().await;
}
