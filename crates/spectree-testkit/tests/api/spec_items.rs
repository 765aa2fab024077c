//! Projects and work items: creation, ranks, ETags, assignees, limits.

use std::time::{Duration, Instant};

use serde_json::json;
use spectree_testkit::TestServer;

use crate::support::{count, item, member, project_fixture, team_member, tree_titles};

#[tokio::test]
async fn projects_are_created_listed_read_and_renamed_by_editors_only() {
    let (server, owner, org, team, project) = project_fixture().await;
    let (viewer, viewer_id) = member(&server, &owner, &org, "v@acme.example", None).await;
    owner
        .put(
            &format!("/api/v1/teams/{team}/members/{viewer_id}"),
            &json!({"role": "viewer"}),
        )
        .await;
    let r = viewer
        .post(
            &format!("/api/v1/teams/{team}/projects"),
            &json!({"name": "X", "slug": "x"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));
    let list = viewer.get(&format!("/api/v1/teams/{team}/projects")).await;
    assert_eq!(list.body["items"][0]["id"], project.as_str());
    let r = owner
        .post(
            &format!("/api/v1/teams/{team}/projects"),
            &json!({"name": "Again", "slug": "checkout"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "slug_taken"));
    let r = owner
        .patch(
            &format!("/api/v1/projects/{project}"),
            &json!({"name": "Checkout v2", "description": "All of it."}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["description"], "All of it.");
    assert_eq!(
        viewer
            .get(&format!("/api/v1/projects/{project}"))
            .await
            .body["name"],
        "Checkout v2"
    );
    let r = viewer
        .patch(
            &format!("/api/v1/projects/{project}"),
            &json!({"name": "Mine"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));
    server.stop().await;
}

#[tokio::test]
async fn children_rank_below_their_parents() {
    let (server, owner, _, _, project) = project_fixture().await;
    let epic = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments"}),
    )
    .await;
    let feature = item(
        &owner,
        &project,
        json!({"type": "feature", "title": "Cards", "parent_id": epic}),
    )
    .await;
    let story = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Pay by card", "parent_id": feature}),
    )
    .await;
    item(
        &owner,
        &project,
        json!({"type": "task", "title": "Call the PSP", "parent_id": story}),
    )
    .await;
    item(
        &owner,
        &project,
        json!({"type": "task", "title": "A task at the root"}),
    )
    .await;
    // A task directly under an epic skips levels but still ranks below: allowed.
    item(
        &owner,
        &project,
        json!({"type": "task", "title": "Epic-level chore", "parent_id": epic}),
    )
    .await;
    let before = count(&server, "work_items").await;
    for (t, parent) in [("epic", &feature), ("feature", &feature), ("story", &story)] {
        let r = owner
            .post(
                &format!("/api/v1/projects/{project}/items"),
                &json!({"type": t, "title": "X", "parent_id": parent}),
            )
            .await;
        assert_eq!((r.status, r.code()), (422, "rank_violation"), "{t}");
    }
    assert_eq!(count(&server, "work_items").await, before);
    assert_eq!(
        tree_titles(&owner, &project).await,
        vec![
            (0, "Payments".into()),
            (1, "Cards".into()),
            (2, "Pay by card".into()),
            (3, "Call the PSP".into()),
            (1, "Epic-level chore".into()),
            (0, "A task at the root".into()),
        ]
    );
    server.stop().await;
}

#[tokio::test]
async fn updates_honour_if_match_and_change_the_etag() {
    let (server, owner, _, _, project) = project_fixture().await;
    let id = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Sign in", "acceptance_criteria": [{"text": "Wrong password is refused"}]}),
    )
    .await;
    let r = owner.get(&format!("/api/v1/items/{id}")).await;
    let etag = r.header("etag").unwrap().to_owned();
    assert_eq!(r.body["status"], "draft");
    assert_eq!(r.body["priority"], "medium");
    let criterion = r.body["acceptance_criteria"][0].clone();
    assert!(criterion["id"].as_str().unwrap().len() >= 8);
    assert_eq!(criterion["done"], false);

    let patch = |tag: &str, body: serde_json::Value| {
        owner
            .request(reqwest::Method::PATCH, &format!("/api/v1/items/{id}"))
            .header("if-match", tag.to_owned())
            .json(&body)
    };
    let r = owner
        .send(patch(&etag, json!({"status": "ready", "priority": "high"})))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let etag2 = r.header("etag").unwrap().to_owned();
    assert_ne!(etag, etag2);
    // The first ETag is stale now: refused, and nothing changes.
    let r = owner
        .send(patch(&etag, json!({"title": "Lost update"})))
        .await;
    assert_eq!((r.status, r.code()), (412, "precondition_failed"));
    let now = owner.get(&format!("/api/v1/items/{id}")).await;
    assert_eq!(now.body["title"], "Sign in");
    assert_eq!(now.header("etag"), Some(etag2.as_str()));
    // Without If-Match the update goes through; criteria keep their ids when sent back.
    let r = owner
        .patch(
            &format!("/api/v1/items/{id}"),
            &json!({"acceptance_criteria": [{"id": criterion["id"], "text": "Wrong password is refused", "done": true}]}),
        )
        .await;
    assert_eq!(r.body["acceptance_criteria"][0]["id"], criterion["id"]);
    assert_eq!(r.body["acceptance_criteria"][0]["done"], true);
    server.stop().await;
}

#[tokio::test]
async fn assignees_must_be_able_to_see_the_project() {
    let (server, owner, org, team, project) = project_fixture().await;
    let (_, no_team) = member(&server, &owner, &org, "nobody@acme.example", None).await;
    let (_, dev) = member(&server, &owner, &org, "dev@acme.example", None).await;
    owner
        .put(
            &format!("/api/v1/teams/{team}/members/{dev}"),
            &json!({"role": "viewer"}),
        )
        .await;
    let stranger = server.user("stranger@example.com").await.user_id().await;
    for who in [&no_team, &stranger] {
        let r = owner
            .post(
                &format!("/api/v1/projects/{project}/items"),
                &json!({"type": "task", "title": "T", "assignee_id": who}),
            )
            .await;
        assert_eq!((r.status, r.code()), (422, "assignee_cannot_see_project"));
    }
    let id = item(
        &owner,
        &project,
        json!({"type": "task", "title": "T", "assignee_id": dev}),
    )
    .await;
    let r = owner
        .patch(
            &format!("/api/v1/items/{id}"),
            &json!({"assignee_id": no_team}),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "assignee_cannot_see_project"));
    let r = owner
        .patch(
            &format!("/api/v1/items/{id}"),
            &json!({"assignee_id": null}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["assignee_id"], serde_json::Value::Null);
    server.stop().await;
}

#[tokio::test]
async fn bad_item_input_is_refused_and_changes_nothing() {
    let (server, owner, _, _, project) = project_fixture().await;
    let id = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Sign in"}),
    )
    .await;
    let other = {
        let team = owner.get(&format!("/api/v1/projects/{project}")).await.body["team_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = owner
            .post(
                &format!("/api/v1/teams/{team}/projects"),
                &json!({"name": "Other", "slug": "other"}),
            )
            .await;
        r.body["id"].as_str().unwrap().to_owned()
    };
    let foreign = item(
        &owner,
        &other,
        json!({"type": "epic", "title": "Elsewhere"}),
    )
    .await;
    let items_before = count(&server, "work_items").await;
    let audit_before = count(&server, "audit_log").await;
    let items = format!("/api/v1/projects/{project}/items");
    let cases = [
        (json!({"type": "bug", "title": "X"}), 422, "invalid_body"),
        (json!({"type": "task", "title": 5}), 422, "invalid_body"),
        (
            json!({"type": "task", "title": "X", "colour": "red"}),
            422,
            "invalid_body",
        ),
        (
            json!({"type": "task", "title": "X", "status": "shipped"}),
            422,
            "invalid_body",
        ),
        (
            json!({"type": "task", "title": "   "}),
            422,
            "invalid_title",
        ),
        (
            json!({"type": "task", "title": "x".repeat(501)}),
            422,
            "invalid_title",
        ),
        (
            json!({"type": "task", "title": "X", "description": "x".repeat(300 * 1024)}),
            422,
            "text_too_large",
        ),
        (
            json!({"type": "task", "title": "X", "acceptance_criteria": [{"id": "a", "text": "1"}, {"id": "a", "text": "2"}]}),
            422,
            "invalid_criteria",
        ),
        (
            json!({"type": "task", "title": "X", "parent_id": foreign}),
            422,
            "invalid_parent",
        ),
        (
            json!({"type": "task", "title": "X", "parent_id": "not-an-id"}),
            422,
            "invalid_body",
        ),
        (
            json!({"type": "task", "title": "X", "after_id": foreign}),
            422,
            "invalid_anchor",
        ),
    ];
    for (body, status, code) in cases {
        let r = owner.post(&items, &body).await;
        assert_eq!((r.status, r.code()), (status, code), "{body}: {}", r.body);
    }
    let r = owner
        .patch(
            &format!("/api/v1/items/{id}"),
            &json!({"type": "epic", "title": ""}),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "invalid_title"));
    assert_eq!(
        owner.get(&format!("/api/v1/items/{id}")).await.body["type"],
        "story"
    );
    assert_eq!(count(&server, "work_items").await, items_before);
    assert_eq!(count(&server, "audit_log").await, audit_before);
    server.stop().await;
}

#[tokio::test]
async fn changing_an_items_type_must_keep_it_between_parent_and_children() {
    let (server, owner, _, _, project) = project_fixture().await;
    let feature = item(&owner, &project, json!({"type": "feature", "title": "F"})).await;
    let story = item(
        &owner,
        &project,
        json!({"type": "story", "title": "S", "parent_id": feature}),
    )
    .await;
    item(
        &owner,
        &project,
        json!({"type": "task", "title": "T", "parent_id": story}),
    )
    .await;
    let r = owner
        .patch(&format!("/api/v1/items/{story}"), &json!({"type": "task"}))
        .await;
    assert_eq!(
        (r.status, r.code()),
        (422, "rank_violation"),
        "a task cannot keep a task child"
    );
    let r = owner
        .patch(
            &format!("/api/v1/items/{story}"),
            &json!({"type": "feature"}),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (422, "rank_violation"),
        "a feature cannot sit under a feature"
    );
    let r = owner
        .patch(
            &format!("/api/v1/items/{feature}"),
            &json!({"type": "epic"}),
        )
        .await;
    assert_eq!(r.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn bulk_create_makes_a_whole_subtree_or_nothing() {
    let (server, owner, _, _, project) = project_fixture().await;
    let bulk = format!("/api/v1/projects/{project}/items/bulk");
    let r = owner
        .post(&bulk, &json!({"items": [
            {"ref": "e", "type": "epic", "title": "Accounts"},
            {"ref": "f", "parent_ref": "e", "type": "feature", "title": "Login"},
            {"parent_ref": "f", "type": "story", "title": "Password", "acceptance_criteria": [{"text": "Hashed"}]},
            {"parent_ref": "f", "type": "story", "title": "SSO"},
            {"parent_ref": "e", "type": "feature", "title": "Profile"}
        ]}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 5);
    assert_eq!(r.body["items"][0]["ref"], "e");
    assert_eq!(
        tree_titles(&owner, &project).await,
        vec![
            (0, "Accounts".into()),
            (1, "Login".into()),
            (2, "Password".into()),
            (2, "SSO".into()),
            (1, "Profile".into())
        ]
    );
    let before = count(&server, "work_items").await;
    for (body, code) in [
        (
            json!({"items": [{"type": "epic", "title": "A"}, {"parent_ref": "nope", "type": "story", "title": "B"}]}),
            "invalid_bulk",
        ),
        (
            json!({"items": [{"ref": "a", "type": "story", "title": "A"}, {"parent_ref": "a", "type": "epic", "title": "B"}]}),
            "invalid_bulk",
        ),
        (json!({"items": []}), "invalid_bulk"),
    ] {
        let r = owner.post(&bulk, &body).await;
        assert_eq!((r.status, r.code()), (422, code), "{}", r.body);
    }
    let many: Vec<_> = (0..1001)
        .map(|i| json!({"type": "task", "title": format!("t{i}")}))
        .collect();
    let r = owner.post(&bulk, &json!({"items": many})).await;
    assert_eq!((r.status, r.code()), (422, "invalid_bulk"));
    assert_eq!(count(&server, "work_items").await, before);
    server.stop().await;
}

/// Rows of `table` matching `filter` (SQL with `$1` bound to `arg`).
async fn rows_where(server: &TestServer, table: &str, filter: &str, arg: &str) -> i64 {
    use sqlx::Row;
    let mut c = server.app().store().read().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) AS n FROM {table} WHERE {filter}"
    )))
    .bind(arg.to_owned())
    .fetch_one(&mut *c)
    .await
    .unwrap()
    .try_get::<i64, _>("n")
    .unwrap()
}

/// Makes creates queue: holds SQLite's one writer, or on PostgreSQL locks the row of
/// `parent`, so that a batch inserting under it waits at the insert's foreign-key check;
/// committing the returned transaction lets them go.
async fn hold_creates(server: &TestServer, parent: &str) -> spectree_store::Tx {
    let store = server.app().store();
    let mut hold = store.begin().await.unwrap();
    if store.dialect() != spectree_store::Dialect::Sqlite {
        sqlx::query("SELECT id FROM work_items WHERE id = $1 FOR UPDATE")
            .bind(parent)
            .fetch_one(&mut *hold)
            .await
            .unwrap();
    }
    hold
}

/// Creates queued while the writer is busy are written together (decision 0027), and each
/// still gets its own outcome: the good ones their row, version, activity, watch and audit
/// record, placed last under their parent one after another; the bad ones their own error,
/// leaving nothing behind and failing no one else.
#[tokio::test]
async fn creates_that_arrive_together_are_written_together_each_with_its_own_outcome() {
    let (server, owner, org, team, project) = project_fixture().await;
    let epic = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments"}),
    )
    .await;
    let feature = item(
        &owner,
        &project,
        json!({"type": "feature", "title": "Cards", "parent_id": epic}),
    )
    .await;
    item(
        &owner,
        &project,
        json!({"type": "story", "title": "Existing story", "parent_id": feature}),
    )
    .await;
    let r = owner
        .post(
            &format!("/api/v1/teams/{team}/projects"),
            &json!({"name": "Other", "slug": "other"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let other_epic = item(
        &owner,
        r.body["id"].as_str().unwrap(),
        json!({"type": "epic", "title": "Elsewhere"}),
    )
    .await;
    let (viewer, _) = team_member(
        &server,
        &owner,
        (&org, &team),
        "viewer@acme.example",
        "viewer",
    )
    .await;
    let (_, outsider) = member(&server, &owner, &org, "nobody@acme.example", None).await;
    let items_before = count(&server, "work_items").await;
    let batches_before = server.app().item_create_batches();
    let received_before = server.app().item_creates_received();

    // Make the creates queue behind the first ones. On SQLite, hold the one writer. On
    // PostgreSQL, where a few batches are written side by side (decision 0030), lock the
    // feature's row: a batch that inserts under it waits at the insert's foreign-key check,
    // and once every writer waits so, the creates that follow queue.
    let app = server.app();
    let sqlite = app.store().dialect() == spectree_store::Dialect::Sqlite;
    let hold = hold_creates(&server, &feature).await;
    let mut requests: Vec<(spectree_testkit::Client, serde_json::Value, u16, &str)> = Vec::new();
    for i in 0..12 {
        let body = json!({"type": "story", "title": format!("S{i:02}"), "parent_id": feature});
        requests.push((owner.clone(), body, 201, ""));
    }
    for i in 0..3 {
        let body = json!({"type": "feature", "title": format!("F{i}"), "parent_id": epic});
        requests.push((owner.clone(), body, 201, ""));
    }
    requests.push((
        owner.clone(),
        json!({"type": "epic", "title": "E0"}),
        201,
        "",
    ));
    let bad = [
        (
            owner.clone(),
            json!({"type": "epic", "title": "X", "parent_id": feature}),
            422,
            "rank_violation",
        ),
        (
            owner.clone(),
            json!({"type": "story", "title": "X", "parent_id": other_epic}),
            422,
            "invalid_parent",
        ),
        (
            owner.clone(),
            json!({"type": "task", "title": "x".repeat(501)}),
            422,
            "invalid_title",
        ),
        (
            owner.clone(),
            json!({"type": "task", "title": "X", "assignee_id": outsider}),
            422,
            "assignee_cannot_see_project",
        ),
        (
            viewer.clone(),
            json!({"type": "task", "title": "X"}),
            403,
            "forbidden",
        ),
    ];
    // The bad ones in the middle of the good ones.
    for (k, b) in bad.into_iter().enumerate() {
        requests.insert(2 + k * 3, b);
    }
    let total = requests.len();
    let mut tasks = Vec::new();
    for (c, body, _, _) in &requests {
        let (c, body, path) = (
            c.clone(),
            body.clone(),
            format!("/api/v1/projects/{project}/items"),
        );
        let task = tokio::spawn(async move {
            let r = c.post(&path, &body).await;
            (r.status, r.code().to_owned(), r.body)
        });
        // Queue them one after another.
        let deadline = Instant::now() + Duration::from_secs(30);
        while app.item_creates_received() - received_before < tasks.len() as u64 + 1 {
            assert!(Instant::now() < deadline, "creates did not queue");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tasks.push(task);
    }
    spectree_store::Store::commit(hold).await.unwrap();

    let mut created = Vec::new();
    for ((_, body, status, code), t) in requests.iter().zip(tasks) {
        let (got, got_code, answer) = t.await.unwrap();
        assert_eq!(got, *status, "{body}: {answer}");
        if *status == 201 {
            assert_eq!(answer["title"], body["title"]);
            created.push(answer["id"].as_str().unwrap().to_owned());
        } else {
            assert_eq!(got_code, *code, "{body}");
        }
    }
    assert_eq!(created.len(), 16);
    let batches = app.item_create_batches() - batches_before;
    // SQLite: the first alone, the rest in one or two. PostgreSQL: up to four writers wait
    // on the lock, each with the creates it took (and those judged before the fourth one
    // waited, each alone), then the queue in one or two.
    let most = if sqlite { 3 } else { 10 };
    assert!(
        (1..=most).contains(&batches),
        "{total} queued creates took {batches} batches"
    );

    // Nothing of the bad ones, all of the good ones, each with its history, feed entry,
    // creator's watch and audit record.
    assert_eq!(count(&server, "work_items").await, items_before + 16);
    app.chain_audit().await.unwrap();
    for id in &created {
        assert_eq!(
            rows_where(&server, "item_versions", "item_id = $1 AND number = 1", id).await,
            1
        );
        assert_eq!(
            rows_where(
                &server,
                "activity",
                "kind = 'item_created' AND item_id = $1",
                id
            )
            .await,
            1
        );
        assert_eq!(
            rows_where(
                &server,
                "watches",
                "reason = 'creator' AND item_id = $1",
                id
            )
            .await,
            1
        );
        assert_eq!(
            rows_where(
                &server,
                "audit_log",
                "action = 'item.created' AND target_id = $1",
                id
            )
            .await,
            1
        );
    }
    // Last under their parent, in the order they were queued.
    let titles: Vec<String> = tree_titles(&owner, &project)
        .await
        .into_iter()
        .map(|t| t.1)
        .collect();
    let stories: Vec<&str> = titles
        .iter()
        .map(String::as_str)
        .filter(|t| t.starts_with('S') || t.starts_with("Existing"))
        .collect();
    let mut want = vec!["Existing story".to_owned()];
    want.extend((0..12).map(|i| format!("S{i:02}")));
    if sqlite {
        assert_eq!(stories, want);
    } else {
        // Batches written side by side read the parent's last position at the same time:
        // their creates may share a position, ordered by id (decision 0030), so they need
        // not keep the order they were queued in. All go after the existing story.
        assert_eq!(stories.first().copied(), Some("Existing story"));
        let mut sorted = stories.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, want);
    }
    let features: Vec<&str> = titles
        .iter()
        .map(String::as_str)
        .filter(|t| t.starts_with('F') || *t == "Cards")
        .collect();
    if sqlite {
        assert_eq!(features, ["Cards", "F0", "F1", "F2"]);
    } else {
        assert_eq!(features.first().copied(), Some("Cards"));
        let mut sorted = features.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, ["Cards", "F0", "F1", "F2"]);
    }
    assert_eq!(titles.last().map(String::as_str), Some("E0"));
    // Found by search before the indexer ran.
    let r = owner
        .get(&format!("/api/v1/projects/{project}/search?q=S07"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    server.stop().await;
}

/// The first create of a batch is the one whose project and access are read with the
/// batch's parents (decision 0036): when its project does not exist, the others are still
/// placed under their parents, and a create whose description mentions someone is written
/// with its mention (on PostgreSQL in a transaction of its own rather than as one
/// statement).
#[tokio::test]
async fn a_batch_led_by_a_create_in_a_missing_project_places_the_rest_and_their_mentions() {
    let (server, owner, org, team, project) = project_fixture().await;
    let (ada, _) = team_member(&server, &owner, (&org, &team), "ada@acme.example", "editor").await;
    let epic = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments"}),
    )
    .await;
    let feature = item(
        &owner,
        &project,
        json!({"type": "feature", "title": "Cards", "parent_id": epic}),
    )
    .await;
    let app = server.app();
    let sqlite = app.store().dialect() == spectree_store::Dialect::Sqlite;
    let received_before = app.item_creates_received();
    // As above: hold the writer (SQLite) or the feature's row (PostgreSQL), so that the
    // creates after the first (on PostgreSQL, the first two: two batches are written side
    // by side) queue and form one batch.
    let hold = hold_creates(&server, &feature).await;
    let leaders = if sqlite { 1 } else { 2 };
    let missing = "0190a0b0-0000-7000-8000-000000000000";
    let mut requests: Vec<(String, serde_json::Value, u16)> = Vec::new();
    for i in 0..leaders {
        let body = json!({"type": "story", "title": format!("Lead {i}"), "parent_id": feature});
        requests.push((project.clone(), body, 201));
    }
    requests.push((
        missing.to_owned(),
        json!({"type": "story", "title": "Nowhere"}),
        404,
    ));
    requests.push((
        project.clone(),
        json!({"type": "story", "title": "Mention", "parent_id": feature,
               "description": "@ada please review"}),
        201,
    ));
    requests.push((
        project.clone(),
        json!({"type": "story", "title": "Plain", "parent_id": feature}),
        201,
    ));
    requests.push((
        project.clone(),
        json!({"type": "epic", "title": "Root"}),
        201,
    ));
    let mut tasks = Vec::new();
    for (p, body, _) in &requests {
        let (c, body, path) = (
            owner.clone(),
            body.clone(),
            format!("/api/v1/projects/{p}/items"),
        );
        tasks.push(tokio::spawn(async move {
            let r = c.post(&path, &body).await;
            (r.status, r.body)
        }));
        let deadline = Instant::now() + Duration::from_secs(30);
        while app.item_creates_received() - received_before < tasks.len() as u64 {
            assert!(Instant::now() < deadline, "creates did not queue");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    let batches_before = app.item_create_batches();
    spectree_store::Store::commit(hold).await.unwrap();
    let mut ids = Vec::new();
    for ((_, body, status), t) in requests.iter().zip(tasks) {
        let (got, answer) = t.await.unwrap();
        assert_eq!(got, *status, "{body}: {answer}");
        ids.push(answer["id"].as_str().map(str::to_owned));
    }
    let batches = app.item_create_batches() - batches_before;
    assert!(
        batches <= leaders + 1,
        "the creates after the leaders took {batches} batches"
    );
    let titles: Vec<String> = tree_titles(&owner, &project)
        .await
        .into_iter()
        .map(|t| t.1)
        .collect();
    let stories: Vec<&str> = titles
        .iter()
        .map(String::as_str)
        .filter(|t| {
            ["Lead", "Mention", "Plain"]
                .iter()
                .any(|p| t.starts_with(p))
        })
        .collect();
    assert_eq!(stories.len(), leaders as usize + 2, "{titles:?}");
    assert_eq!(&stories[stories.len() - 2..], ["Mention", "Plain"]);
    assert_eq!(titles.last().map(String::as_str), Some("Root"));
    // Ada was mentioned: she watches the story for it.
    let mention = ids[leaders as usize + 1].clone().unwrap();
    let r = ada.get(&format!("/api/v1/items/{mention}/watch")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["watch"]["reason"], "mentioned", "{}", r.body);
    server.stop().await;
}

/// Writes sent together (decision 0031): each statement keeps its own parameters (numbered
/// across the statements on SQLite, common table expressions on PostgreSQL), all go in one
/// round trip, and a statement that writes other rows than it expects fails them all.
#[tokio::test]
async fn writes_sent_together_keep_their_own_parameters_and_fail_together() {
    use spectree_store::Writes;
    let (server, owner, org, _team, project) = project_fixture().await;
    let a = item(&owner, &project, json!({"type": "epic", "title": "A"})).await;
    let b = item(&owner, &project, json!({"type": "epic", "title": "B"})).await;
    let (_, user) = member(&server, &owner, &org, "w@acme.example", None).await;
    let app = server.app();
    const WATCH: &str = "INSERT INTO watches (item_id, user_id, org_id, subtree, reason, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)";
    let watch = |w: &mut Writes, item: &str, subtree: i64, reason: &str, at: i64| {
        w.push(WATCH)
            .bind(item.to_owned())
            .bind(user.clone())
            .bind(org.clone())
            .bind(subtree)
            .bind(reason.to_owned())
            .bind(at);
    };

    let mut tx = app.store().begin().await.unwrap();
    let mut w = Writes::new(&tx);
    watch(&mut w, &a, 1, "manual", 11);
    watch(&mut w, &b, 0, "mentioned", 22);
    w.push("DELETE FROM watches WHERE item_id = $1 AND user_id = $2")
        .bind(project.clone())
        .bind(user.clone());
    assert_eq!(w.len(), 3);
    assert_eq!(w.run(&mut tx).await.unwrap(), [1, 1, 0]);
    spectree_store::Store::commit(tx).await.unwrap();
    let rows: Vec<(String, i64, String, i64)> = sqlx::query_as(
        "SELECT item_id, subtree, reason, created_at FROM watches WHERE user_id = $1 \
         ORDER BY created_at",
    )
    .bind(&user)
    .fetch_all(&mut *app.store().read().await.unwrap())
    .await
    .unwrap();
    assert_eq!(
        rows,
        [
            (a.clone(), 1, "manual".to_owned(), 11),
            (b.clone(), 0, "mentioned".to_owned(), 22)
        ]
    );

    // A delete that expects a row it does not find: the insert beside it is undone too.
    let (_, other) = member(&server, &owner, &org, "x@acme.example", None).await;
    let mut tx = app.store().begin().await.unwrap();
    let mut w = Writes::new(&tx);
    w.push("DELETE FROM watches WHERE item_id = $1 AND user_id = $2")
        .bind(project.clone())
        .bind(user.clone())
        .expect_rows(1, "the watch to end");
    w.push(WATCH)
        .bind(a.clone())
        .bind(other.clone())
        .bind(org.clone())
        .bind(0_i64)
        .bind("manual")
        .bind(33_i64);
    let err = w.run(&mut tx).await.unwrap_err();
    assert!(
        matches!(&err, spectree_store::StoreError::Constraint(m) if m.contains("the watch to end")),
        "{err}"
    );
    drop(tx);
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM watches WHERE user_id = $1")
        .bind(&other)
        .fetch_one(&mut *app.store().read().await.unwrap())
        .await
        .unwrap();
    assert_eq!(left, 0);
    server.stop().await;
}
