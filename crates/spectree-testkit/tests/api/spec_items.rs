//! Projects and work items: creation, ranks, ETags, assignees, limits.

use serde_json::json;

use crate::support::{count, item, member, project_fixture, tree_titles};

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
