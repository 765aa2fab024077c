//! Watching and notifications through the API: who is told of a change (watchers of the
//! item and of its ancestors' subtrees, the people mentioned, never the actor, never someone
//! who cannot see the project), the inbox and its live unread count, preferences, mail sent
//! at once into the outbox, and the digest.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use spectree_testkit::redis::RedisProcess;
use spectree_testkit::{Client, TestServer};

use crate::support::{count, item, member, project_fixture, project_fixture_with};

const WAIT: Duration = Duration::from_secs(20);

/// Waits (generously) until the activity dispatcher has consumed every committed activity:
/// notifications are written in the same transaction that empties the outbox.
async fn settle(server: &TestServer) {
    let deadline = Instant::now() + WAIT;
    while count(server, "activity_outbox").await > 0 {
        assert!(
            Instant::now() < deadline,
            "the activity outbox never drained"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every notification of the signed-in person, newest first.
async fn inbox(server: &TestServer, c: &Client) -> Vec<Value> {
    settle(server).await;
    inbox_now(c).await
}

fn kinds(list: &[Value]) -> Vec<&str> {
    list.iter().map(|n| n["kind"].as_str().unwrap()).collect()
}

async fn unread(server: &TestServer, c: &Client) -> i64 {
    settle(server).await;
    let r = c.get("/api/v1/me/notifications/unread-count").await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["unread"].as_i64().unwrap()
}

async fn comment(c: &Client, item: &str, body: &str) -> Value {
    let r = c
        .post(
            &format!("/api/v1/items/{item}/threads"),
            &json!({ "body": body }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

/// Outbox messages to `to` whose text holds `needle`.
fn mails(server: &TestServer, to: &str, needle: &str) -> Vec<String> {
    server
        .outbox()
        .into_iter()
        .filter(|m| m.contains(&format!("To: {to}")) && m.contains(needle))
        .collect()
}

/// Waits (generously) until `check` holds for the outbox.
async fn until_mail(server: &TestServer, check: impl Fn(&TestServer) -> bool) {
    let deadline = Instant::now() + WAIT;
    while !check(server) {
        assert!(Instant::now() < deadline, "the mail never came");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_mention_notifies_exactly_the_people_who_can_see_the_item_and_makes_them_watchers() {
    let (server, owner, org, _, project) = project_fixture().await;
    let (ada, _) = member(&server, &owner, &org, "ada@acme.example", Some("editor")).await;
    let (cy, _) = member(&server, &owner, &org, "cy@acme.example", Some("editor")).await;
    // Dee can see the project but is neither mentioned nor watching.
    let (dee, _) = member(&server, &owner, &org, "dee@acme.example", Some("editor")).await;
    // Bob belongs to the organization but to no team: he cannot see the project.
    let (bob, _) = member(&server, &owner, &org, "bob@acme.example", None).await;
    let id = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments"}),
    )
    .await;
    settle(&server).await;

    let t = comment(&ada, &id, "@admin, @cy and @bob: please look").await;
    assert_eq!(
        t["mentions"]["mentions_without_access"],
        json!(["bob"]),
        "the author is told who cannot see the item"
    );
    // The owner (creator, so a watcher) and Cy are told they were mentioned, once each.
    assert_eq!(kinds(&inbox(&server, &owner).await), vec!["mentioned"]);
    assert_eq!(kinds(&inbox(&server, &cy).await), vec!["mentioned"]);
    let n = &inbox(&server, &cy).await[0];
    assert_eq!(n["item_id"], json!(id));
    assert_eq!(n["state"], "unread");
    assert_eq!(n["summary"], "Member mentioned you on \"Payments\"");
    // Not the author, not a bystander, not someone without access.
    assert!(inbox(&server, &ada).await.is_empty());
    assert!(inbox(&server, &dee).await.is_empty());
    assert!(inbox(&server, &bob).await.is_empty());
    // Being mentioned is mailed at once by default: into the outbox on the embedded default.
    until_mail(&server, |s| {
        mails(s, "cy@acme.example", "mentioned you on").len() == 1
            && mails(s, "admin@example.com", "mentioned you on").len() == 1
    })
    .await;
    assert!(mails(&server, "bob@acme.example", "mentioned you").is_empty());
    assert!(mails(&server, "ada@acme.example", "mentioned you").is_empty());

    // Cy watches the item now (so does Ada, as a commenter); Bob learns nothing of it.
    let r = cy.get(&format!("/api/v1/items/{id}/watch")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["watching"], true);
    assert_eq!(r.body["watch"]["reason"], "mentioned");
    let r = ada.get(&format!("/api/v1/items/{id}/watch")).await;
    assert_eq!(r.body["watch"]["reason"], "commenter");
    assert_eq!(
        bob.get(&format!("/api/v1/items/{id}/watch")).await.status,
        404
    );

    // A reply tells the watchers (Ada the commenter, Cy the mentioned), not its author.
    let tid = t["thread"]["id"].as_str().unwrap();
    let r = owner
        .post(
            &format!("/api/v1/threads/{tid}/comments"),
            &json!({"body": "Thanks"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(kinds(&inbox(&server, &ada).await), vec!["commented"]);
    assert_eq!(
        kinds(&inbox(&server, &cy).await),
        vec!["commented", "mentioned"]
    );
    assert_eq!(kinds(&inbox(&server, &owner).await), vec!["mentioned"]);
    assert!(inbox(&server, &dee).await.is_empty());
    server.stop().await;
}

#[tokio::test]
async fn a_mention_written_into_a_description_notifies_and_watches_once() {
    let (server, owner, org, _, project) = project_fixture().await;
    let (ada, _) = member(&server, &owner, &org, "ada@acme.example", Some("editor")).await;
    let (cy, _) = member(&server, &owner, &org, "cy@acme.example", Some("editor")).await;
    let (bob, _) = member(&server, &owner, &org, "bob@acme.example", None).await;
    // Created with a mention of Ada: she is told and watches the item.
    let id = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments", "description": "Owner: @ada"}),
    )
    .await;
    assert_eq!(kinds(&inbox(&server, &ada).await), vec!["mentioned"]);
    let r = ada.get(&format!("/api/v1/items/{id}/watch")).await;
    assert_eq!(r.body["watch"]["reason"], "mentioned");
    // An edit that keeps Ada's mention and adds Cy's and Bob's: only Cy is told of a
    // mention (Bob cannot see the project); Ada, a watcher, hears of the edit.
    let r = owner
        .patch(
            &format!("/api/v1/items/{id}"),
            &json!({"description": "Owner: @ada. Review: @cy, then @bob. `@dee` is code."}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(kinds(&inbox(&server, &cy).await), vec!["mentioned"]);
    assert_eq!(
        kinds(&inbox(&server, &ada).await),
        vec!["item_edited", "mentioned"]
    );
    assert!(inbox(&server, &bob).await.is_empty());
    assert_eq!(
        bob.get(&format!("/api/v1/items/{id}/watch")).await.status,
        404
    );
    // The author is told whom the mention did not reach, and nothing else.
    let told = inbox(&server, &owner).await;
    assert_eq!(kinds(&told), vec!["mention_not_delivered"]);
    assert_eq!(
        told[0]["summary"],
        "@bob cannot see \"Payments\": your mention did not reach them"
    );
    let r = owner
        .get(&format!(
            "/api/v1/projects/{project}/activity?kind=mentioned"
        ))
        .await;
    assert_eq!(r.body["items"][0]["data"]["without_access"], json!(["bob"]));
    // The author is not told of their own mention.
    let r = owner
        .patch(
            &format!("/api/v1/items/{id}"),
            &json!({"description": "Owner: @ada. Review: @cy, then @bob. Me: @admin"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        kinds(&inbox(&server, &owner).await),
        vec!["mention_not_delivered"],
        "self-mentions tell no one, and @bob's kept mention is not told again"
    );
    server.stop().await;
}

#[tokio::test]
async fn changes_consumed_together_each_reach_their_own_subtree_watchers() {
    let (server, owner, org, _, project) = project_fixture().await;
    let (ada, _) = member(&server, &owner, &org, "ada@acme.example", Some("editor")).await;
    let (bea, _) = member(&server, &owner, &org, "bea@acme.example", Some("editor")).await;
    let payments = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments"}),
    )
    .await;
    let search = item(&owner, &project, json!({"type": "epic", "title": "Search"})).await;
    let feature = item(
        &owner,
        &project,
        json!({"type": "feature", "title": "Cards", "parent_id": payments}),
    )
    .await;
    settle(&server).await;
    for (who, epic) in [(&ada, &payments), (&bea, &search)] {
        let r = who
            .put(
                &format!("/api/v1/items/{epic}/watch"),
                &json!({"subtree": true}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    // Created side by side, so the dispatcher takes several of them in one claim (one read
    // of items and watchers for the claim): each is told to its own subtree's watcher.
    let creates = (0..12).map(|i| {
        let (owner, project) = (owner.clone(), project.clone());
        let parent = match i % 3 {
            0 => feature.clone(),
            1 => payments.clone(),
            _ => search.clone(),
        };
        async move {
            item(
                &owner,
                &project,
                json!({"type": "story", "title": format!("Story {i}"), "parent_id": parent}),
            )
            .await
        }
    });
    futures_util::future::join_all(creates).await;
    let titles = |list: Vec<Value>| {
        let mut t: Vec<String> = list
            .iter()
            .map(|n| {
                assert_eq!(n["kind"], "item_created");
                n["summary"].as_str().unwrap().to_owned()
            })
            .collect();
        t.sort();
        t
    };
    let heard_by_ada = titles(inbox(&server, &ada).await);
    let heard_by_bea = titles(inbox(&server, &bea).await);
    assert_eq!(heard_by_ada.len(), 8, "{heard_by_ada:?}");
    assert_eq!(heard_by_bea.len(), 4, "{heard_by_bea:?}");
    for i in 0..12 {
        let mine = if i % 3 == 2 {
            &heard_by_bea
        } else {
            &heard_by_ada
        };
        assert_eq!(
            mine.iter()
                .filter(|t| t.contains(&format!("\"Story {i}\"")))
                .count(),
            1,
            "story {i}: {mine:?}"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn a_subtree_watch_hears_of_changes_below_and_unwatching_stops_it() {
    let (server, owner, org, _, project) = project_fixture().await;
    let (ada, _) = member(&server, &owner, &org, "ada@acme.example", Some("editor")).await;
    let epic = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments"}),
    )
    .await;
    settle(&server).await;
    let r = ada
        .put(
            &format!("/api/v1/items/{epic}/watch"),
            &json!({"subtree": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["watch"]["subtree"], true);
    assert_eq!(r.body["watch"]["reason"], "manual");

    let story = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Card", "parent_id": epic}),
    )
    .await;
    assert_eq!(kinds(&inbox(&server, &ada).await), vec!["item_created"]);
    let r = ada.get(&format!("/api/v1/items/{story}/watch")).await;
    assert_eq!(r.body["watching"], true);
    assert_eq!(r.body["watch"], Value::Null);
    assert_eq!(r.body["via_ancestor"], json!(epic));

    let r = owner
        .patch(
            &format!("/api/v1/items/{story}"),
            &json!({"status": "in_progress"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        kinds(&inbox(&server, &ada).await),
        vec!["status_changed", "item_created"]
    );
    let r = ada.get("/api/v1/me/watches").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);

    let r = ada.delete(&format!("/api/v1/items/{epic}/watch")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["watching"], false);
    let r = owner
        .patch(
            &format!("/api/v1/items/{story}"),
            &json!({"status": "done"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        inbox(&server, &ada).await.len(),
        2,
        "nothing new after unwatching"
    );
    server.stop().await;
}

#[tokio::test]
async fn preferences_turned_off_mean_no_row_and_no_mail_and_bad_ones_are_refused() {
    let (server, owner, org, _, project) = project_fixture().await;
    let (ada, _) = member(&server, &owner, &org, "ada@acme.example", Some("editor")).await;
    let r = ada.get("/api/v1/me/notification-preferences").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mentioned = r.body["preferences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "mentioned")
        .unwrap()
        .clone();
    assert_eq!(
        mentioned,
        json!({"kind": "mentioned", "in_app": true, "email": true, "digest": false, "is_default": true})
    );

    for (body, why) in [
        (
            json!({"preferences": [{"kind": "nope", "in_app": true, "email": false, "digest": false}]}),
            "unknown kind",
        ),
        (
            json!({"preferences": [{"kind": "commented", "in_app": true, "email": true, "digest": true}]}),
            "email and digest",
        ),
        (json!({"preferences": []}), "nothing"),
        (
            json!({"preferences": [
            {"kind": "commented", "in_app": true, "email": false, "digest": false},
            {"kind": "commented", "in_app": false, "email": false, "digest": false}]}),
            "twice",
        ),
    ] {
        let r = ada.put("/api/v1/me/notification-preferences", &body).await;
        assert_eq!(r.status, 422, "{why}: {}", r.body);
        assert_eq!(r.code(), "invalid_notification_preference", "{why}");
    }
    let r = ada
        .put(
            "/api/v1/me/notification-preferences",
            &json!({"preferences": [{"kind": "mentioned", "in_app": false, "email": false, "digest": false}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let p = r.body["preferences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "mentioned")
        .unwrap()
        .clone();
    assert_eq!(p["in_app"], false);
    assert_eq!(p["is_default"], false);

    let id = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments"}),
    )
    .await;
    settle(&server).await;
    comment(&owner, &id, "@ada have a look").await;
    assert!(
        inbox(&server, &ada).await.is_empty(),
        "in-app is off: no row"
    );
    assert!(mails(&server, "ada@acme.example", "mentioned you").is_empty());
    // Still a watcher: being mentioned makes one, whatever the channels.
    let r = ada.get(&format!("/api/v1/items/{id}/watch")).await;
    assert_eq!(r.body["watching"], true);
    server.stop().await;
}

#[tokio::test]
async fn the_digest_batches_two_changes_into_one_mail() {
    let (server, owner, org, _, project) = project_fixture_with(|c| {
        c.notifications.digest_check_interval = Duration::from_millis(50);
    })
    .await;
    let (ada, _) = member(&server, &owner, &org, "ada@acme.example", Some("editor")).await;
    let id = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments"}),
    )
    .await;
    settle(&server).await;
    let r = ada
        .put(&format!("/api/v1/items/{id}/watch"), &json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Comments go to the digest by default (and to the inbox).
    comment(&owner, &id, "First thought").await;
    comment(&owner, &id, "Second thought").await;
    assert_eq!(
        kinds(&inbox(&server, &ada).await),
        vec!["commented", "commented"]
    );
    assert_eq!(
        server.app().send_due_digests().await.unwrap(),
        0,
        "not due before the interval passed on the app's clock"
    );
    assert!(mails(&server, "ada@acme.example", "digest").is_empty());

    server
        .clock
        .advance(server.config.notifications.digest_interval + Duration::from_secs(1));
    until_mail(&server, |s| {
        !mails(s, "ada@acme.example", "digest").is_empty()
    })
    .await;
    let digest = mails(&server, "ada@acme.example", "digest");
    assert_eq!(digest.len(), 1, "one mail for both changes");
    assert!(
        digest[0].contains("Your Spec Tree digest: 2 updates"),
        "{}",
        digest[0]
    );
    assert_eq!(
        digest[0].matches("Admin commented on").count(),
        2,
        "{}",
        digest[0]
    );
    // The queue is empty now: nothing is mailed twice.
    assert_eq!(server.app().send_due_digests().await.unwrap(), 0);
    server.stop().await;
}

#[tokio::test]
async fn the_inbox_marks_read_unread_archived_and_all_read_with_a_live_count() {
    let (server, owner, org, _, project) = project_fixture().await;
    let (ada, _) = member(&server, &owner, &org, "ada@acme.example", Some("editor")).await;
    let id = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments"}),
    )
    .await;
    settle(&server).await;

    let mut live = UnreadStream::open(&ada).await;
    assert_eq!(live.next().await, 0);
    comment(&owner, &id, "@ada one").await;
    assert_eq!(live.next().await, 1);
    comment(&owner, &id, "@ada two").await;
    assert_eq!(live.next().await, 2);
    comment(&owner, &id, "@ada three").await;
    assert_eq!(live.next().await, 3);
    assert_eq!(unread(&server, &ada).await, 3);

    let list = inbox(&server, &ada).await;
    let newest = list[0]["id"].as_str().unwrap().to_owned();
    let r = ada
        .patch(
            &format!("/api/v1/me/notifications/{newest}"),
            &json!({"state": "read"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["state"], "read");
    assert!(r.body["read_at"].is_string());
    assert_eq!(live.next().await, 2);
    let r = ada
        .patch(
            &format!("/api/v1/me/notifications/{newest}"),
            &json!({"state": "unread"}),
        )
        .await;
    assert_eq!(r.body["state"], "unread");
    assert_eq!(live.next().await, 3);
    let r = ada
        .patch(
            &format!("/api/v1/me/notifications/{newest}"),
            &json!({"state": "archived"}),
        )
        .await;
    assert_eq!(r.body["state"], "archived");
    assert_eq!(live.next().await, 2);
    let r = ada
        .patch(
            &format!("/api/v1/me/notifications/{newest}"),
            &json!({"state": "gone"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);

    // The default listing leaves archived ones out; pages follow the cursor, newest first.
    let r = ada.get("/api/v1/me/notifications?limit=1").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    let cursor = r.body["next_cursor"].as_str().unwrap().to_owned();
    let r2 = ada
        .get(&format!("/api/v1/me/notifications?limit=1&cursor={cursor}"))
        .await;
    assert_eq!(r2.body["items"].as_array().unwrap().len(), 1);
    assert!(r2.body["next_cursor"].is_null());
    assert!(r.body["items"][0]["id"].as_str() > r2.body["items"][0]["id"].as_str());
    let r = ada.get("/api/v1/me/notifications?state=archived").await;
    assert_eq!(r.body["items"][0]["id"], json!(newest));
    let r = ada.get("/api/v1/me/notifications?state=bogus").await;
    assert_eq!(r.status, 400, "{}", r.body);

    let r = ada.post_empty("/api/v1/me/notifications/read-all").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["marked"], 2);
    assert_eq!(live.next().await, 0);
    assert_eq!(unread(&server, &ada).await, 0);
    server.stop().await;
}

#[tokio::test]
async fn watches_and_notifications_of_another_organization_answer_404() {
    let (server, owner, org, _, project) = project_fixture().await;
    let (ada, _) = member(&server, &owner, &org, "ada@acme.example", Some("editor")).await;
    let id = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments"}),
    )
    .await;
    settle(&server).await;
    comment(&owner, &id, "@ada look").await;
    let mine = inbox(&server, &ada).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let eve = server.user("eve@evil.example").await;
    eve.create_org("Evil", "evil").await;
    for r in [
        eve.get(&format!("/api/v1/items/{id}/watch")).await,
        eve.put(
            &format!("/api/v1/items/{id}/watch"),
            &json!({"subtree": true}),
        )
        .await,
        eve.delete(&format!("/api/v1/items/{id}/watch")).await,
        eve.patch(
            &format!("/api/v1/me/notifications/{mine}"),
            &json!({"state": "read"}),
        )
        .await,
    ] {
        assert_eq!(r.status, 404, "{}", r.body);
        assert_eq!(r.code(), "not_found");
    }
    assert!(inbox(&server, &eve).await.is_empty());
    assert_eq!(unread(&server, &ada).await, 1, "untouched");
    server.stop().await;
}

#[tokio::test]
async fn a_watcher_who_loses_access_is_told_nothing() {
    let (server, owner, org, _, project) = project_fixture().await;
    let (ada, ada_id) = member(&server, &owner, &org, "ada@acme.example", Some("editor")).await;
    let id = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments"}),
    )
    .await;
    settle(&server).await;
    // Let the creation's own activity go by first: it predates the watch.
    settle(&server).await;
    let r = ada
        .put(
            &format!("/api/v1/items/{id}/watch"),
            &json!({"subtree": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = owner
        .delete(&format!("/api/v1/orgs/{org}/members/{ada_id}"))
        .await;
    assert!(r.status == 204 || r.status == 200, "{}", r.body);
    comment(&owner, &id, "Nobody from outside sees this").await;
    item(
        &owner,
        &project,
        json!({"type": "feature", "title": "Refunds", "parent_id": id}),
    )
    .await;
    let got = inbox(&server, &ada).await;
    assert!(got.is_empty(), "{got:?}");
    server.stop().await;
}

#[tokio::test]
async fn assigning_an_item_tells_the_assignee_and_makes_them_a_watcher() {
    let (server, owner, org, _, project) = project_fixture().await;
    let (ada, ada_id) = member(&server, &owner, &org, "ada@acme.example", Some("editor")).await;
    let id = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments"}),
    )
    .await;
    settle(&server).await;
    let r = owner
        .patch(
            &format!("/api/v1/items/{id}"),
            &json!({"assignee_id": ada_id}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(kinds(&inbox(&server, &ada).await), vec!["assigned"]);
    let r = ada.get(&format!("/api/v1/items/{id}/watch")).await;
    assert_eq!(r.body["watch"]["reason"], "assignee");
    until_mail(&server, |s| {
        mails(s, "ada@acme.example", "assigned you to").len() == 1
    })
    .await;
    // As a watcher now, Ada hears of the next change.
    let r = owner
        .patch(
            &format!("/api/v1/items/{id}"),
            &json!({"status": "in_progress"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        kinds(&inbox(&server, &ada).await),
        vec!["status_changed", "assigned"]
    );
    server.stop().await;
}

#[tokio::test]
async fn the_live_count_reaches_streams_on_every_node() {
    // The CI's Redis when it names one; a private one otherwise.
    let private = std::env::var("SPECTREE_TEST_REDIS_URL")
        .is_err()
        .then(RedisProcess::start);
    let url = std::env::var("SPECTREE_TEST_REDIS_URL")
        .unwrap_or_else(|_| private.as_ref().unwrap().url());
    let (a, owner, org, _, project) = project_fixture_with(|c| {
        c.redis_url = Some(spectree::config::Secret::new(url));
    })
    .await;
    let b = a.another_node().await;
    let (ada, _) = member(&a, &owner, &org, "ada@acme.example", Some("editor")).await;
    let r = ada.post("/api/v1/me/tokens", &json!({"name": "t"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ada_on_b = b.client().with_token(r.body["secret"].as_str().unwrap());
    let id = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments"}),
    )
    .await;
    // Ada follows her count on both nodes. Whichever node's dispatcher claims the
    // activity writes the notification and tells its own streams; the other node's stream
    // hears of it only through Redis.
    let mut on_a = UnreadStream::open(&ada).await;
    let mut on_b = UnreadStream::open(&ada_on_b).await;
    assert_eq!(on_a.next().await, 0);
    assert_eq!(on_b.next().await, 0);
    comment(&owner, &id, "@ada see this from the other node").await;
    assert_eq!(on_a.next().await, 1);
    assert_eq!(on_b.next().await, 1);
    b.stop().await;
    a.stop().await;
}

/// The live unread count stream of one person.
struct UnreadStream {
    res: reqwest::Response,
    buf: String,
}

impl UnreadStream {
    async fn open(c: &Client) -> UnreadStream {
        let res = c
            .request(Method::GET, "/api/v1/me/notifications/stream")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        UnreadStream {
            res,
            buf: String::new(),
        }
    }

    /// The next `unread` event's count, waiting with a generous deadline.
    async fn next(&mut self) -> i64 {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let frame: String = self.buf.drain(..end + 2).collect();
                if frame.lines().any(|l| l == "event: unread") {
                    let data = frame
                        .lines()
                        .find_map(|l| l.strip_prefix("data: "))
                        .unwrap();
                    let v: Value = serde_json::from_str(data).unwrap();
                    return v["unread"].as_i64().unwrap();
                }
                continue;
            }
            let chunk = tokio::time::timeout_at(deadline, self.res.chunk())
                .await
                .expect("an unread count in time")
                .unwrap()
                .expect("the stream stays open");
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

/// Runs DDL of the test's own on the server's database.
async fn ddl(server: &TestServer, sqlite: &str, postgres: &str) {
    let mut tx = server.app().store().begin().await.unwrap();
    let sql = if server.on_postgres() {
        postgres
    } else {
        sqlite
    };
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut *tx)
        .await
        .unwrap();
    spectree_store::Store::commit(tx).await.unwrap();
}

/// The value of a gauge in `/metrics`.
async fn gauge(c: &Client, name: &str) -> i64 {
    let r = c.get("/metrics").await;
    let text = r.body.as_str().unwrap().to_owned();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no {name} in {text}"))
        .trim()
        .parse()
        .unwrap()
}

async fn wait_until<F: std::future::Future<Output = bool>>(what: &str, mut f: impl FnMut() -> F) {
    let deadline = Instant::now() + WAIT;
    while !f().await {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn an_activity_a_consumer_keeps_failing_on_is_retried_then_set_aside_without_holding_back_the_others()
 {
    let (server, owner, org, _, project) = project_fixture_with(|c| {
        c.activity.max_attempts = 2;
        c.activity.retry_base = Duration::from_secs(60);
        c.activity.retry_max = Duration::from_secs(60);
    })
    .await;
    let (ada, ada_id) = member(&server, &owner, &org, "ada@acme.example", Some("editor")).await;
    let epic = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments"}),
    )
    .await;
    // The epic's own creation is told to no one: it is handed over before Ada watches.
    settle(&server).await;
    let r = ada
        .put(
            &format!("/api/v1/items/{epic}/watch"),
            &json!({"subtree": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    settle(&server).await;
    // The database refuses every `assigned` notification: the notification consumer fails on
    // the activity of an item created for Ada, and on nothing else.
    ddl(
        &server,
        "CREATE TRIGGER poison BEFORE INSERT ON notifications WHEN NEW.kind = 'assigned' \
         BEGIN SELECT RAISE(ABORT, 'poisoned by the test'); END",
        "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE \
         EXCEPTION 'poisoned by the test'; END $$; CREATE TRIGGER poison BEFORE INSERT ON \
         notifications FOR EACH ROW WHEN (NEW.kind = 'assigned') EXECUTE FUNCTION poison()",
    )
    .await;
    let child = |title: &str, assigned: bool| {
        let mut body = json!({"type": "story", "title": title, "parent_id": epic});
        if assigned {
            body["assignee_id"] = json!(ada_id);
        }
        body
    };
    item(&owner, &project, child("Refunds", true)).await;
    item(&owner, &project, child("Invoices", false)).await;
    // The activity after the failing one is delivered; the failing one waits for its retry.
    wait_until("the outbox holds only the failed activity", || async {
        count(&server, "activity_outbox").await == 1
    })
    .await;
    let list = inbox_now(&ada).await;
    assert_eq!(kinds(&list), vec!["item_created"], "{list:?}");
    assert!(list[0]["summary"].as_str().unwrap().contains("Invoices"));
    assert_eq!(gauge(&owner, "spectree_activity_outbox").await, 1);
    // Its second attempt, once due, fails too: out of attempts, it is set aside.
    server.clock.advance(Duration::from_secs(61));
    wait_until("the failed activity is a dead letter", || async {
        count(&server, "activity_dead_letters").await == 1
    })
    .await;
    assert_eq!(count(&server, "activity_outbox").await, 0);
    assert_eq!(gauge(&owner, "spectree_activity_dead_letters").await, 1);
    // A failure that goes away is only a delay: the retry delivers.
    item(&owner, &project, child("Payouts", true)).await;
    wait_until("the new failure waits for its retry", || async {
        count(&server, "activity_outbox").await == 1
    })
    .await;
    ddl(
        &server,
        "DROP TRIGGER poison",
        "DROP TRIGGER poison ON notifications; DROP FUNCTION poison()",
    )
    .await;
    server.clock.advance(Duration::from_secs(61));
    settle(&server).await;
    let list = inbox_now(&ada).await;
    assert_eq!(kinds(&list), vec!["assigned", "item_created"]);
    assert!(list[0]["summary"].as_str().unwrap().contains("Payouts"));
    assert_eq!(count(&server, "activity_dead_letters").await, 1);
    server.stop().await;
}

/// The signed-in person's notifications as they are now (no waiting for the outbox).
async fn inbox_now(c: &Client) -> Vec<Value> {
    let r = c.get("/api/v1/me/notifications?state=all").await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_digest_that_cannot_be_mailed_is_kept_and_sent_on_the_next_pass() {
    let (server, owner, org, _, project) = project_fixture_with(|c| {
        // Passes are made by the test alone.
        c.notifications.digest_check_interval = Duration::from_secs(3600);
    })
    .await;
    let (ada, _) = member(&server, &owner, &org, "ada@acme.example", Some("editor")).await;
    let id = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments"}),
    )
    .await;
    settle(&server).await;
    let r = ada
        .put(&format!("/api/v1/items/{id}/watch"), &json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    comment(&owner, &id, "First thought").await;
    comment(&owner, &id, "Second thought").await;
    settle(&server).await;
    server
        .clock
        .advance(server.config.notifications.digest_interval + Duration::from_secs(1));
    // The mail outbox cannot be written: a file stands where its folder was.
    let outbox = server.config.data_dir.join("outbox");
    let away = server.config.data_dir.join("outbox.away");
    std::fs::rename(&outbox, &away).unwrap();
    std::fs::write(&outbox, b"in the way").unwrap();
    assert_eq!(server.app().send_due_digests().await.unwrap(), 0);
    assert_eq!(count(&server, "notification_digest").await, 2, "kept");
    std::fs::remove_file(&outbox).unwrap();
    std::fs::rename(&away, &outbox).unwrap();
    assert_eq!(server.app().send_due_digests().await.unwrap(), 1);
    let digest = mails(&server, "ada@acme.example", "digest");
    assert_eq!(digest.len(), 1);
    assert!(
        digest[0].contains("Your Spec Tree digest: 2 updates"),
        "{}",
        digest[0]
    );
    assert_eq!(count(&server, "notification_digest").await, 0);
    server.stop().await;
}
