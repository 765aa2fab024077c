//! The activity feed: every change recorded by its real action, the feeds (filters, cursor,
//! visibility, tenancy), live delivery over SSE, and the outbox processed once.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use spectree_app::store::activity::{self as store, FeedQuery, Scope};
use spectree_testkit::yjs::YjsPeer;
use spectree_testkit::{Client, TestServer};

use crate::support::{count, item, member, project_fixture, project_fixture_with};

/// The kinds recorded in a project, oldest first, read from the store.
async fn kinds_in_store(server: &TestServer, project: &str) -> Vec<String> {
    let mut c = server.app().store().read().await.unwrap();
    let p: spectree_domain::ids::ProjectId = project.parse().unwrap();
    let org = {
        let mut c2 = server.app().store().read().await.unwrap();
        spectree_app::store::spec::projects::get(&mut c2, server.app().store().sealer(), p)
            .await
            .unwrap()
            .unwrap()
            .org_id
    };
    store::feed(
        &mut c,
        &FeedQuery {
            scope: Scope::Project(org, p),
            kinds: vec![],
            actor: None,
            cursor: None,
            ascending: true,
            limit: 1000,
        },
    )
    .await
    .unwrap()
    .into_iter()
    .map(|a| a.kind.as_str().to_owned())
    .collect()
}

/// Waits (generously) until the dispatcher emptied the outbox.
async fn outbox_drained(server: &TestServer) {
    for _ in 0..200 {
        if count(server, "activity_outbox").await == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the activity outbox was not drained");
}

#[tokio::test]
async fn rest_changes_are_recorded_in_their_transaction_and_dispatched_once() {
    let (server, owner, _org, _team, project) = project_fixture().await;
    let epic = item(&owner, &project, json!({"type": "epic", "title": "Pay"})).await;
    let story = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Card", "parent_id": epic}),
    )
    .await;
    let r = owner
        .patch(
            &format!("/api/v1/items/{story}"),
            &json!({"status": "in_progress", "title": "Card payments"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        kinds_in_store(&server, &project).await,
        vec![
            "item_created",
            "item_created",
            "status_changed",
            "item_edited"
        ]
    );
    outbox_drained(&server).await;
    assert_eq!(count(&server, "activity").await, 4);
}

/// After a pass that delivered activity the dispatcher waits `activity.dispatch_gap`, and
/// what was committed meanwhile is claimed together after it; the first activity after a
/// quiet spell is not held back (decision 0031).
#[tokio::test]
async fn activity_committed_during_the_dispatch_gap_is_claimed_after_it() {
    const GAP: Duration = Duration::from_secs(8);
    let (server, owner, _, _, project) = project_fixture_with(|c| {
        c.activity.dispatch_gap = GAP;
    })
    .await;
    let waiting = |limit: Duration| {
        let server = &server;
        async move {
            let deadline = std::time::Instant::now() + limit;
            loop {
                let n = count(server, "activity_outbox").await;
                if n == 0 || std::time::Instant::now() > deadline {
                    return n;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    // Past any gap the fixture's own activity opened.
    assert_eq!(waiting(Duration::from_secs(30)).await, 0);
    tokio::time::sleep(GAP + Duration::from_secs(1)).await;
    // After a quiet spell the first create's activity goes at once: well within a gap.
    item(&owner, &project, json!({"type": "epic", "title": "First"})).await;
    assert_eq!(waiting(GAP / 2).await, 0, "held back after a quiet spell");
    // During the gap that delivery opened, the next ones wait...
    for title in ["Second", "Third"] {
        item(&owner, &project, json!({"type": "epic", "title": title})).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(count(&server, "activity_outbox").await, 2);
    // ...and go once it is over.
    assert_eq!(waiting(GAP * 4).await, 0);
    assert_eq!(
        kinds_in_store(&server, &project).await,
        ["item_created", "item_created", "item_created"]
    );
    server.stop().await;
}

/// A page of a feed (newest first): (kinds, next cursor).
async fn feed(c: &Client, path: &str) -> (Vec<Value>, Option<String>) {
    let r = c.get(path).await;
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    (
        r.body["items"].as_array().unwrap().clone(),
        r.body["next_cursor"].as_str().map(str::to_owned),
    )
}

fn kinds(items: &[Value]) -> Vec<&str> {
    items.iter().map(|a| a["kind"].as_str().unwrap()).collect()
}

/// Polls the project feed until `check` holds for its kinds (newest first).
async fn until_kinds(c: &Client, project: &str, check: impl Fn(&[&str]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (items, _) = feed(c, &format!("/api/v1/projects/{project}/activity?limit=200")).await;
        if check(&kinds(&items)) {
            return items;
        }
        assert!(Instant::now() < deadline, "feed never got there: {items:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn every_kind_is_recorded_by_its_real_action() {
    let (server, owner, org, _team, project) = project_fixture().await;
    let owner_id = owner.user_id().await;
    let (_, ada) = member(&server, &owner, &org, "ada@acme.example", Some("editor")).await;
    let epic = item(&owner, &project, json!({"type": "epic", "title": "Pay"})).await;
    let other = item(&owner, &project, json!({"type": "epic", "title": "Ship"})).await;
    let story = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Card", "parent_id": epic}),
    )
    .await;
    let r = owner
        .post(
            &format!("/api/v1/projects/{project}/items/bulk"),
            &json!({"items": [{"type": "epic", "title": "A"}, {"type": "epic", "title": "B"}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = owner
        .patch(
            &format!("/api/v1/items/{story}"),
            &json!({"status": "in_progress"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = owner
        .patch(
            &format!("/api/v1/items/{story}"),
            &json!({"description": "Visa and Mastercard."}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = owner
        .post(
            &format!("/api/v1/items/{story}/move"),
            &json!({"parent_id": other}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = owner.delete(&format!("/api/v1/items/{story}")).await;
    assert!(r.status < 300, "{}", r.body);
    let r = owner
        .post_empty(&format!("/api/v1/projects/{project}/trash/{story}/restore"))
        .await;
    assert!(r.status < 300, "{}", r.body);
    let r = owner
        .post(
            &format!("/api/v1/items/{story}/threads"),
            &json!({"body": "Ask @ada please"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let tid = r.body["thread"]["id"]
        .as_str()
        .unwrap_or_else(|| r.body["id"].as_str().unwrap())
        .to_owned();
    let r = owner
        .post(
            &format!("/api/v1/threads/{tid}/comments"),
            &json!({"body": "A reply"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let cid = r.body["comment"]["id"].as_str().unwrap().to_owned();
    let r = owner
        .patch(
            &format!("/api/v1/comments/{cid}"),
            &json!({"body": "A better reply"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = owner
        .post(
            &format!("/api/v1/comments/{cid}/reactions"),
            &json!({"emoji": "👍"}),
        )
        .await;
    assert!(r.status < 300, "{}", r.body);
    let r = owner
        .post(&format!("/api/v1/threads/{tid}/resolve"), &json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = owner
        .post(&format!("/api/v1/threads/{tid}/reopen"), &json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = owner.delete(&format!("/api/v1/comments/{cid}")).await;
    assert!(r.status < 300, "{}", r.body);
    let r = owner
        .post(
            &format!("/api/v1/items/{story}/versions"),
            &json!({"message": "Reviewed"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = owner
        .post_empty(&format!("/api/v1/items/{story}/versions/1/restore"))
        .await;
    assert!(r.status < 300, "{}", r.body);
    let r = owner
        .post(
            &format!("/api/v1/projects/{project}/snapshots"),
            &json!({"message": "Release"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = owner
        .post_empty(&format!("/api/v1/projects/{project}/snapshots/1/restore"))
        .await;
    assert!(r.status < 300, "{}", r.body);
    let gone = item(&owner, &project, json!({"type": "epic", "title": "Gone"})).await;
    let r = owner.delete(&format!("/api/v1/items/{gone}")).await;
    assert!(r.status < 300, "{}", r.body);
    let r = owner
        .delete(&format!("/api/v1/projects/{project}/trash/{gone}"))
        .await;
    assert!(r.status < 300, "{}", r.body);

    let (items, _) = feed(
        &owner,
        &format!("/api/v1/projects/{project}/activity?limit=200"),
    )
    .await;
    let mut got = kinds(&items);
    got.reverse();
    assert_eq!(
        got,
        vec![
            "item_created",
            "item_created",
            "item_created",
            "items_created",
            "status_changed",
            "item_edited",
            "item_moved",
            "item_trashed",
            "item_restored",
            "commented",
            "mentioned",
            "commented",
            "comment_edited",
            "reacted",
            "thread_resolved",
            "thread_reopened",
            "comment_deleted",
            "version_saved",
            // The restored version sat elsewhere in the tree: the restore moves it back.
            "item_moved",
            "version_restored",
            "snapshot_taken",
            "snapshot_restored",
            "item_created",
            "item_trashed",
            "item_purged",
        ]
    );
    let by_kind = |k: &str| items.iter().find(|a| a["kind"] == k).unwrap().clone();
    assert_eq!(by_kind("items_created")["data"]["count"], json!(2));
    assert_eq!(by_kind("items_created")["item_id"], Value::Null);
    let s = by_kind("status_changed");
    assert_eq!(
        (s["data"]["from"].as_str(), s["data"]["to"].as_str()),
        (Some("draft"), Some("in_progress"))
    );
    assert_eq!(s["item_id"], json!(story));
    assert_eq!(s["actor_id"], json!(owner_id));
    assert_eq!(
        by_kind("item_edited")["data"]["fields"],
        json!(["description"])
    );
    // The first move (the restore moves the item back later).
    let m = items
        .iter()
        .rev()
        .find(|a| a["kind"] == "item_moved")
        .unwrap()
        .clone();
    assert_eq!(
        (&m["data"]["from_parent"], &m["data"]["to_parent"]),
        (&json!(epic), &json!(other))
    );
    assert_eq!(by_kind("mentioned")["data"]["users"], json!([ada]));
    assert_eq!(by_kind("commented")["data"]["reply"], json!(true));
    assert_eq!(
        by_kind("version_restored")["data"]["restored_from"],
        json!(1)
    );
    assert_eq!(by_kind("snapshot_restored")["data"]["snapshot"], json!(1));
    assert_eq!(by_kind("item_purged")["item_id"], json!(gone));
    // Customer text stays out of the activity (it is not sealed).
    let text = serde_json::to_string(&items).unwrap();
    for secret in ["Visa", "Card", "better", "Ask", "Reviewed", "Release"] {
        assert!(!text.contains(secret), "{secret} leaked into {text}");
    }
}

#[tokio::test]
async fn a_live_editing_session_becomes_one_item_edited() {
    let (server, owner, _, _, project) = project_fixture_with(|c| {
        c.history.close_interval = Duration::from_millis(20);
    })
    .await;
    let id = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Sign in"}),
    )
    .await;
    let token = owner
        .post("/api/v1/me/tokens", &json!({"name": "collab"}))
        .await
        .body["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut p = YjsPeer::connect(&server.collab_url(), &id, Some(&token))
        .await
        .unwrap();
    p.call(json!({"cmd": "waitSynced", "timeoutMs": 15_000}))
        .await
        .unwrap();
    // Many keystrokes and a description edit in one session.
    for (i, ch) in " with passkeys".chars().enumerate() {
        p.call(
            json!({"cmd": "insertText", "field": "title", "index": 7 + i, "text": ch.to_string()}),
        )
        .await
        .unwrap();
    }
    p.call(
        json!({"cmd": "insertText", "field": "description", "index": 0, "text": "No passwords."}),
    )
    .await
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while owner.get(&format!("/api/v1/items/{id}")).await.body["description"] != "No passwords." {
        assert!(
            Instant::now() < deadline,
            "the live edit never reached the row"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The session is open: nothing recorded yet beyond the creation.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (items, _) = feed(&owner, &format!("/api/v1/projects/{project}/activity")).await;
    assert_eq!(kinds(&items), vec!["item_created"]);
    // It goes idle (history.version_idle on the test clock): one item_edited.
    server.clock.advance(Duration::from_secs(31));
    let items = until_kinds(&owner, &project, |k| k.len() >= 2).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (items2, _) = feed(&owner, &format!("/api/v1/projects/{project}/activity")).await;
    assert_eq!(items.len(), items2.len(), "more activity came: {items2:?}");
    assert_eq!(kinds(&items), vec!["item_edited", "item_created"]);
    assert_eq!(items[0]["data"]["fields"], json!(["title", "description"]));
    assert_eq!(items[0]["actor_id"], json!(owner.user_id().await));
}

#[tokio::test]
async fn feeds_filter_by_kind_and_actor_and_page_with_a_cursor() {
    let (server, owner, org, team, project) = project_fixture().await;
    let (ed, ed_id) = member(&server, &owner, &org, "ed@acme.example", Some("editor")).await;
    let owner_id = owner.user_id().await;
    for n in 0..5 {
        item(
            &owner,
            &project,
            json!({"type": "epic", "title": format!("O{n}")}),
        )
        .await;
    }
    let mine = item(&ed, &project, json!({"type": "epic", "title": "E"})).await;
    let r = ed
        .post(
            &format!("/api/v1/items/{mine}/threads"),
            &json!({"body": "Hi"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    // Pages of two, newest first, with no overlap and a last page without a cursor.
    let mut seen: Vec<i64> = Vec::new();
    let mut path = format!("/api/v1/projects/{project}/activity?limit=2");
    loop {
        let (items, next) = feed(&owner, &path).await;
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|a| a["id"].as_i64().unwrap()));
        match next {
            Some(c) => path = format!("/api/v1/projects/{project}/activity?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7);
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "{seen:?}");

    let (items, _) = feed(
        &owner,
        &format!("/api/v1/projects/{project}/activity?kind=commented"),
    )
    .await;
    assert_eq!(kinds(&items), vec!["commented"]);
    let (items, _) = feed(
        &owner,
        &format!("/api/v1/projects/{project}/activity?kind=commented,item_created&actor={ed_id}"),
    )
    .await;
    assert_eq!(kinds(&items), vec!["commented", "item_created"]);
    let (items, _) = feed(
        &owner,
        &format!("/api/v1/teams/{team}/activity?actor={owner_id}"),
    )
    .await;
    assert_eq!(items.len(), 5);
    // The person feed: what ed did, and `me`.
    let (items, _) = feed(&owner, &format!("/api/v1/users/{ed_id}/activity")).await;
    assert_eq!(kinds(&items), vec!["commented", "item_created"]);
    let (items, _) = feed(&ed, "/api/v1/users/me/activity?kind=item_created").await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["item_id"], json!(mine));

    for bad in ["kind=exploded", "cursor=abc", "cursor=-4", "actor=nope"] {
        let r = owner
            .get(&format!("/api/v1/projects/{project}/activity?{bad}"))
            .await;
        assert_eq!(
            (r.status, r.code()),
            (400, "invalid_query"),
            "{bad}: {}",
            r.body
        );
    }
}

#[tokio::test]
async fn readers_see_only_activity_of_projects_they_may_see() {
    let (server, owner, org, team, project) = project_fixture().await;
    let owner_id = owner.user_id().await;
    item(&owner, &project, json!({"type": "epic", "title": "Secret"})).await;
    // A member of the organization without access to the team's projects.
    let (outsider, _) = member(&server, &owner, &org, "out@acme.example", None).await;
    let r = outsider
        .get(&format!("/api/v1/projects/{project}/activity"))
        .await;
    assert_eq!((r.status, r.code()), (404, "not_found"));
    let r = outsider
        .get(&format!("/api/v1/teams/{team}/activity"))
        .await;
    assert_eq!((r.status, r.code()), (404, "not_found"));
    let (items, _) = feed(&outsider, &format!("/api/v1/users/{owner_id}/activity")).await;
    assert!(items.is_empty(), "{items:?}");
    let r = outsider
        .request(
            Method::GET,
            &format!("/api/v1/projects/{project}/activity/stream"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // Someone of another organization: everything is 404.
    let stranger = server.user("stranger@else.example").await;
    stranger.create_org("Else", "else").await;
    for path in [
        format!("/api/v1/projects/{project}/activity"),
        format!("/api/v1/teams/{team}/activity"),
        format!("/api/v1/users/{owner_id}/activity"),
        format!("/api/v1/users/{owner_id}/activity/stream"),
    ] {
        let r = stranger.get(&path).await;
        assert_eq!((r.status, r.code()), (404, "not_found"), "{path}");
    }
}

/// An open activity stream.
struct Stream {
    res: reqwest::Response,
    buf: String,
}

impl Stream {
    async fn open(c: &Client, path: &str, last_id: Option<i64>) -> Stream {
        let mut req = c.request(Method::GET, path);
        if let Some(id) = last_id {
            req = req.header("Last-Event-ID", id.to_string());
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 200);
        Stream {
            res,
            buf: String::new(),
        }
    }

    /// The next frame (event name, id, data), or `None` when the stream ended.
    async fn next(&mut self) -> Option<(String, Option<String>, Value)> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let frame: String = self.buf.drain(..end + 2).collect();
                let Some(name) = frame.lines().find_map(|l| l.strip_prefix("event: ")) else {
                    continue; // a keep-alive comment
                };
                let id = frame
                    .lines()
                    .find_map(|l| l.strip_prefix("id: "))
                    .map(str::to_owned);
                let data = frame
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .unwrap();
                return Some((name.to_owned(), id, serde_json::from_str(data).unwrap()));
            }
            let chunk = tokio::time::timeout_at(deadline, self.res.chunk())
                .await
                .expect("an event in time")
                .unwrap()?;
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    async fn next_activity(&mut self) -> Value {
        let (name, id, data) = self.next().await.expect("the stream stays open");
        assert_eq!(name, "activity", "{data}");
        assert_eq!(
            id.as_deref(),
            Some(data["id"].as_i64().unwrap().to_string().as_str())
        );
        data
    }
}

#[tokio::test]
async fn live_streams_receive_committed_activity_and_resume_after_the_last_event() {
    let (server, owner, org, team, project) = project_fixture().await;
    let (ed, ed_id) = member(&server, &owner, &org, "ed@acme.example", Some("editor")).await;
    let mut by_project = Stream::open(
        &owner,
        &format!("/api/v1/projects/{project}/activity/stream"),
        None,
    )
    .await;
    let mut by_team = Stream::open(
        &owner,
        &format!("/api/v1/teams/{team}/activity/stream?kind=item_created"),
        None,
    )
    .await;
    let mut by_person = Stream::open(
        &owner,
        &format!("/api/v1/users/{ed_id}/activity/stream"),
        None,
    )
    .await;
    let a = item(&owner, &project, json!({"type": "epic", "title": "A"})).await;
    let b = item(&ed, &project, json!({"type": "epic", "title": "B"})).await;
    let r = owner
        .patch(&format!("/api/v1/items/{a}"), &json!({"status": "ready"}))
        .await;
    assert_eq!(r.status, 200);

    let e1 = by_project.next_activity().await;
    assert_eq!(
        (e1["kind"].as_str(), e1["item_id"].as_str()),
        (Some("item_created"), Some(a.as_str()))
    );
    let e2 = by_project.next_activity().await;
    assert_eq!(e2["item_id"], json!(b));
    let e3 = by_project.next_activity().await;
    assert_eq!(e3["kind"], "status_changed");
    assert_eq!(by_team.next_activity().await["item_id"], json!(a));
    assert_eq!(by_team.next_activity().await["item_id"], json!(b));
    let p = by_person.next_activity().await;
    assert_eq!(
        (p["item_id"].as_str(), p["actor_id"].as_str()),
        (Some(b.as_str()), Some(ed_id.as_str()))
    );

    // Reconnecting with Last-Event-ID replays what came after it, then goes on live.
    drop(by_project);
    let c = item(&owner, &project, json!({"type": "epic", "title": "C"})).await;
    let mut resumed = Stream::open(
        &owner,
        &format!("/api/v1/projects/{project}/activity/stream"),
        e1["id"].as_i64(),
    )
    .await;
    assert_eq!(resumed.next_activity().await["id"], e2["id"]);
    assert_eq!(resumed.next_activity().await["id"], e3["id"]);
    assert_eq!(resumed.next_activity().await["item_id"], json!(c));
    let d = item(&owner, &project, json!({"type": "epic", "title": "D"})).await;
    assert_eq!(resumed.next_activity().await["item_id"], json!(d));
    let r = owner
        .get(&format!(
            "/api/v1/projects/{project}/activity/stream?after=x"
        ))
        .await;
    assert_eq!((r.status, r.code()), (400, "invalid_query"));
}

#[tokio::test]
async fn a_stream_ends_when_the_follower_loses_access() {
    let (server, owner, org, team, project) = project_fixture().await;
    let (viewer, viewer_id) = member(&server, &owner, &org, "v@acme.example", None).await;
    let r = owner
        .put(
            &format!("/api/v1/teams/{team}/members/{viewer_id}"),
            &json!({"role": "viewer"}),
        )
        .await;
    assert!(r.status < 300, "{}", r.body);
    let mut s = Stream::open(
        &viewer,
        &format!("/api/v1/projects/{project}/activity/stream"),
        None,
    )
    .await;
    item(&owner, &project, json!({"type": "epic", "title": "Seen"})).await;
    assert_eq!(s.next_activity().await["kind"], "item_created");
    let r = owner
        .delete(&format!("/api/v1/teams/{team}/members/{viewer_id}"))
        .await;
    assert!(r.status < 300, "{}", r.body);
    item(&owner, &project, json!({"type": "epic", "title": "Unseen"})).await;
    assert!(s.next().await.is_none(), "the stream should have ended");
}

#[tokio::test]
async fn activity_committed_on_one_node_reaches_streams_on_another() {
    let redis = spectree_testkit::redis::RedisProcess::start();
    let a = TestServer::start_with(|c| {
        c.redis_url = Some(spectree::config::Secret::new(redis.url()));
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
    let on_b = b.client();
    let r = on_b
        .login("admin@example.com", spectree_testkit::PASSWORD)
        .await;
    assert_eq!(r.status, 200);
    let mut s = Stream::open(
        &on_b,
        &format!("/api/v1/projects/{project}/activity/stream"),
        None,
    )
    .await;
    let id = item(&owner, &project, json!({"type": "epic", "title": "Far"})).await;
    let e = s.next_activity().await;
    assert_eq!(
        (e["kind"].as_str(), e["item_id"].as_str()),
        (Some("item_created"), Some(id.as_str()))
    );

    // Both nodes write at once and both dispatchers claim: each activity arrives once. Only
    // on PostgreSQL: several nodes are a PostgreSQL deployment (two processes writing one
    // SQLite file fail each other's read-then-write transactions with SQLITE_BUSY).
    if a.on_postgres() {
        let writer = |c: Client, tag: &'static str| {
            let project = project.clone();
            async move {
                let mut ids = Vec::new();
                for n in 0..20 {
                    ids.push(
                        item(
                            &c,
                            &project,
                            json!({"type": "epic", "title": format!("{tag}{n}")}),
                        )
                        .await,
                    );
                }
                ids
            }
        };
        let (on_a, on_b2) = tokio::join!(writer(owner.clone(), "A"), writer(on_b.clone(), "B"));
        let created: std::collections::HashSet<String> = on_a.into_iter().chain(on_b2).collect();
        let mut seen = std::collections::HashSet::new();
        while seen.len() < created.len() {
            let e = s.next_activity().await;
            let id = e["item_id"].as_str().unwrap().to_owned();
            assert!(created.contains(&id), "unexpected {e}");
            assert!(seen.insert(id), "delivered twice: {e}");
        }
        outbox_drained(&a).await;
        assert_eq!(count(&a, "activity").await, 41);
        // Nothing more (no duplicate) arrives.
        let extra = tokio::time::timeout(Duration::from_millis(500), s.next()).await;
        assert!(extra.is_err(), "an extra event: {extra:?}");
    }
    b.stop().await;
    a.stop().await;
}

/// A dispatcher whose claim failed claims again at once, and finds what it had claimed: the
/// rollback has released the rows before the second claim (on PostgreSQL a claim skips rows
/// another transaction holds, so a claim still held would make the failed activity look
/// untried and hand over only the others).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_rolled_back_is_claimable_again_at_once() {
    use spectree_app::store::activity::outbox;
    use spectree_domain::clock::Timestamp;
    let (server, owner, _org, _team, project) = project_fixture().await;
    item(&owner, &project, json!({"type": "epic", "title": "Pay"})).await;
    outbox_drained(&server).await;
    // Put the epic's activity back in the outbox, due only far in the future: the server's
    // own dispatcher leaves it alone, and the test claims it "then".
    let store = server.app().store();
    let far = Timestamp(i64::MAX / 4);
    let mut tx = store.begin().await.unwrap();
    sqlx::query(
        "INSERT INTO activity_outbox (activity_id, attempts, retry_at) \
         SELECT MAX(id), 0, $1 FROM activity",
    )
    .bind(far.0)
    .execute(&mut *tx)
    .await
    .unwrap();
    spectree_app::store::Store::commit(tx).await.unwrap();
    let later = Timestamp(i64::MAX / 2);
    for round in 0..20 {
        let mut tx = store.begin().await.unwrap();
        let first = outbox::claim(&mut tx, store.dialect(), 10, later)
            .await
            .unwrap();
        assert_eq!(first.len(), 1, "round {round}");
        spectree_app::store::Store::rollback(tx).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        let again = outbox::claim(&mut tx, store.dialect(), 10, later)
            .await
            .unwrap();
        assert_eq!(
            again.len(),
            1,
            "round {round}: the rolled-back claim was skipped"
        );
        assert_eq!(again[0].activity.id, first[0].activity.id);
        spectree_app::store::Store::rollback(tx).await.unwrap();
    }
    assert_eq!(count(&server, "activity_outbox").await, 1);
    server.stop().await;
}
