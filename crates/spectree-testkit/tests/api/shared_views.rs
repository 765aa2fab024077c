//! Shared views: saved, named views of a project's items, private or shared with the team,
//! run through the spec tree's reads and search.

use serde_json::{Value, json};
use spectree_domain::ids::OrgId;

use crate::audit::{actions, chain};
use crate::support::{item, member, project_fixture};

fn titles(page: &Value) -> Vec<(Option<String>, String)> {
    page["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| {
            let key = g["key"].as_str().map(str::to_owned);
            g["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |i| (key.clone(), i["title"].as_str().unwrap().to_owned()))
        })
        .collect()
}

#[tokio::test]
async fn views_filter_sort_group_and_page_a_projects_items() {
    let (server, owner, org, _team, project) = project_fixture().await;
    let (editor, editor_id) =
        member(&server, &owner, &org, "ed@acme.example", Some("editor")).await;
    let checkout = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Checkout flow"}),
    )
    .await;
    item(
        &owner,
        &project,
        json!({"type": "feature", "title": "Card payment", "parent_id": checkout,
               "status": "ready", "priority": "high", "assignee_id": editor_id,
               "description": "Pay with a card"}),
    )
    .await;
    item(
        &owner,
        &project,
        json!({"type": "feature", "title": "refunds", "parent_id": checkout, "status": "done"}),
    )
    .await;
    item(
        &owner,
        &project,
        json!({"type": "feature", "title": "Wallet payment", "parent_id": checkout, "status": "ready"}),
    )
    .await;
    let search = item(&owner, &project, json!({"type": "epic", "title": "Search"})).await;
    item(
        &owner,
        &project,
        json!({"type": "feature", "title": "Search payment history", "parent_id": search}),
    )
    .await;

    // Features of the checkout epic, grouped by status, by title descending inside a group.
    let r = editor
        .post(
            &format!("/api/v1/projects/{project}/views"),
            &json!({"name": "  Checkout features ", "visibility": "team", "definition": {
                "filters": {"types": ["feature"], "subtree": checkout},
                "sort": [{"field": "title", "direction": "desc"}],
                "group_by": "status",
                "columns": ["title", "status", "description"]}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["name"], "Checkout features");
    let view = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        r.body["link"],
        format!("{}/views/{view}", server.config.public_url)
    );
    let page = editor.get(&format!("/api/v1/views/{view}/items")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.body["total"], 3);
    assert_eq!(page.body["group_by"], "status");
    assert_eq!(
        titles(&page.body),
        [
            (Some("ready".into()), "Wallet payment".into()),
            (Some("ready".into()), "Card payment".into()),
            (Some("done".into()), "refunds".into()),
        ]
    );
    assert_eq!(page.body["groups"][0]["total"], 2);
    assert_eq!(
        page.body["groups"][0]["items"][1]["description"],
        "Pay with a card"
    );

    // Pages follow the cursor across groups.
    let first = editor
        .get(&format!("/api/v1/views/{view}/items?limit=2"))
        .await;
    assert_eq!(titles(&first.body).len(), 2);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let rest = editor
        .get(&format!(
            "/api/v1/views/{view}/items?limit=2&cursor={cursor}"
        ))
        .await;
    assert_eq!(
        titles(&rest.body),
        [(Some("done".into()), "refunds".into())]
    );
    assert_eq!(rest.body["groups"][0]["total"], 1);
    assert!(rest.body.get("next_cursor").is_none());
    let stale = editor
        .get(&format!(
            "/api/v1/views/{view}/items?cursor={}",
            uuid::Uuid::now_v7()
        ))
        .await;
    assert_eq!((stale.status, stale.code()), (400, "invalid_query"));

    // The text filter uses the project search; "me" is whoever runs the view.
    let r = editor
        .post(
            &format!("/api/v1/projects/{project}/views"),
            &json!({"name": "Payments", "definition": {"filters": {"text": "paym"}}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["visibility"], "private");
    let payments = r.body["id"].as_str().unwrap().to_owned();
    let page = editor.get(&format!("/api/v1/views/{payments}/items")).await;
    assert_eq!(
        titles(&page.body),
        [
            (None, "Card payment".into()),
            (None, "Wallet payment".into()),
            (None, "Search payment history".into()),
        ]
    );
    assert!(
        page.body["groups"][0]["items"][0]
            .get("description")
            .is_none()
    );
    let r = editor
        .patch(
            &format!("/api/v1/views/{payments}"),
            &json!({"definition": {"filters": {"text": "paym", "assignees": ["me"]},
                                   "group_by": "assignee"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let page = editor.get(&format!("/api/v1/views/{payments}/items")).await;
    assert_eq!(
        titles(&page.body),
        [(Some(editor_id.clone()), "Card payment".into())]
    );
    // The same view run by its owner's colleague would use their "me": but it is private.
    let r = owner.get(&format!("/api/v1/views/{payments}/items")).await;
    assert_eq!((r.status, r.code()), (404, "not_found"));

    let r = editor.delete(&format!("/api/v1/views/{payments}")).await;
    assert_eq!(r.status, 204);
    let r = editor.get(&format!("/api/v1/views/{payments}")).await;
    assert_eq!(r.status, 404);

    let records = chain(&server, org.parse::<OrgId>().unwrap()).await;
    let got = actions(&records);
    for want in ["view.created", "view.updated", "view.deleted"] {
        assert!(got.iter().any(|a| a == want), "{want} missing from {got:?}");
    }
    server.stop().await;
}

#[tokio::test]
async fn private_views_are_their_owners_and_shared_ones_open_for_everyone_who_sees_the_project() {
    let (server, owner, org, _team, project) = project_fixture().await;
    let (editor, _) = member(&server, &owner, &org, "ed@acme.example", Some("editor")).await;
    let (viewer, _) = member(&server, &owner, &org, "vi@acme.example", Some("viewer")).await;
    item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Checkout"}),
    )
    .await;
    let path = format!("/api/v1/projects/{project}/views");

    let r = owner.post(&path, &json!({"name": "Mine"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let private = r.body["id"].as_str().unwrap().to_owned();
    let r = editor
        .post(&path, &json!({"name": "Team board", "visibility": "team"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let shared = r.body["id"].as_str().unwrap().to_owned();

    // Someone else's private view does not exist for them; the shared one does.
    for c in [&editor, &viewer] {
        let r = c.get(&format!("/api/v1/views/{private}")).await;
        assert_eq!((r.status, r.code()), (404, "not_found"));
        let r = c.get(&format!("/api/v1/views/{shared}/items")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(titles(&r.body), [(None, "Checkout".into())]);
    }
    let names = |r: &Value| -> Vec<String> {
        r["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&viewer.get(&path).await.body), ["Team board"]);
    assert_eq!(names(&owner.get(&path).await.body), ["Mine", "Team board"]);

    // Viewers save private views only; only the owner changes or deletes a view.
    let r = viewer
        .post(&path, &json!({"name": "Shout", "visibility": "team"}))
        .await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));
    let r = viewer.post(&path, &json!({"name": "Quiet"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let quiet = r.body["id"].as_str().unwrap().to_owned();
    let r = viewer
        .patch(
            &format!("/api/v1/views/{quiet}"),
            &json!({"visibility": "team"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));
    let r = viewer
        .patch(
            &format!("/api/v1/views/{shared}"),
            &json!({"name": "Mine now"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));
    let r = owner.delete(&format!("/api/v1/views/{shared}")).await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));

    // Another organization's member sees none of it.
    let stranger = server.user("stranger@example.com").await;
    stranger.create_org("Elsewhere", "elsewhere").await;
    for p in [
        format!("/api/v1/views/{shared}"),
        format!("/api/v1/views/{shared}/items"),
        path.clone(),
    ] {
        let r = stranger.get(&p).await;
        assert_eq!((r.status, r.code()), (404, "not_found"), "{p}");
    }
    let r = stranger.post(&path, &json!({"name": "Spy"})).await;
    assert_eq!((r.status, r.code()), (404, "not_found"));
    server.stop().await;
}

#[tokio::test]
async fn view_definitions_are_checked_before_anything_is_saved() {
    let (server, owner, _org, team, project) = project_fixture().await;
    let other = owner
        .post(
            &format!("/api/v1/teams/{team}/projects"),
            &json!({"name": "Other", "slug": "other"}),
        )
        .await;
    let other = other.body["id"].as_str().unwrap().to_owned();
    let foreign = item(
        &owner,
        &other,
        json!({"type": "epic", "title": "Elsewhere"}),
    )
    .await;
    let before = crate::support::count(&server, "shared_views").await;
    let path = format!("/api/v1/projects/{project}/views");
    for (body, code) in [
        (json!({"name": ""}), "invalid_name"),
        (json!({"name": "x".repeat(101)}), "invalid_name"),
        (
            json!({"name": "V", "definition": {"filters": {"statuses": ["done", "done"]}}}),
            "invalid_view_definition",
        ),
        (
            json!({"name": "V", "definition": {"filters": {"text": "--"}}}),
            "invalid_view_definition",
        ),
        (
            json!({"name": "V", "definition": {"columns": []}}),
            "invalid_view_definition",
        ),
        (
            json!({"name": "V", "definition": {"filters": {"subtree": foreign}}}),
            "invalid_view_definition",
        ),
        (
            json!({"name": "V", "definition": {"filters": {"assignees": (0..51).map(|_| uuid::Uuid::now_v7().to_string()).collect::<Vec<_>>()}}}),
            "invalid_view_definition",
        ),
        (
            json!({"name": "V", "definition": {"group_by": "colour"}}),
            "invalid_body",
        ),
        (
            json!({"name": "V", "definition": {"filters": {"assignees": ["bob"]}}}),
            "invalid_body",
        ),
        (
            json!({"name": "V", "definition": {"sorting": []}}),
            "invalid_body",
        ),
        (json!({"name": "V", "visibility": "public"}), "invalid_body"),
    ] {
        let r = owner.post(&path, &body).await;
        assert_eq!(r.code(), code, "{body}: {}", r.body);
        assert!(r.status == 422, "{body}: {}", r.status);
    }
    assert_eq!(crate::support::count(&server, "shared_views").await, before);
    server.stop().await;
}
