//! Tenant isolation: another tenant's object answers 404, never 403. The test walks every
//! route of the OpenAPI document that names an object.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::member;

/// A valid body for each write route, so that a refusal can only come from authorization.
fn body_for(method: &str, path: &str, ids: &BTreeMap<&str, String>) -> Option<Value> {
    Some(match (method, path) {
        ("put", "/api/v1/orgs/{org}/members/{user}") => json!({"role": "viewer"}),
        ("post", "/api/v1/orgs/{org}/teams") => json!({"name": "Stolen", "slug": "stolen"}),
        ("patch", "/api/v1/teams/{team}") => json!({"viewers_can_comment": true}),
        ("put", "/api/v1/teams/{team}/members/{user}") => json!({"role": "viewer"}),
        ("post", "/api/v1/orgs/{org}/invitations") => json!({"email": "thief@example.com"}),
        ("post", "/api/v1/teams/{team}/projects") => json!({"name": "Stolen", "slug": "stolen"}),
        ("patch", "/api/v1/projects/{project}") => json!({"name": "Stolen"}),
        ("post", "/api/v1/projects/{project}/items") => json!({"type": "epic", "title": "Stolen"}),
        ("post", "/api/v1/projects/{project}/items/bulk") => {
            json!({"items": [{"type": "epic", "title": "Stolen"}]})
        }
        ("patch", "/api/v1/items/{item}") => json!({"title": "Stolen"}),
        ("post", "/api/v1/items/{item}/move") => json!({"parent_id": null}),
        ("post", "/api/v1/projects/{project}/trash/{item}/restore") => return None,
        ("post", "/api/v1/items/{item}/collab-ticket") => return None,
        ("post", "/api/v1/items/{item}/versions") => json!({"message": "Stolen"}),
        ("post", "/api/v1/items/{item}/versions/{version}/restore") => return None,
        ("post", "/api/v1/projects/{project}/snapshots") => json!({"message": "Stolen"}),
        ("post", "/api/v1/projects/{project}/snapshots/{snapshot}/restore") => return None,
        ("put", "/api/v1/orgs/{org}/retention") => {
            json!({"version_days": null, "audit_days": 1, "legal_hold": false})
        }
        ("post", "/api/v1/teams/{team}/projects/import") => json!({
            "format": "spectree.project.v1",
            "project": {"name": "Stolen", "slug": "stolen"},
            "items": []
        }),
        ("post", "/api/v1/items/{item}/threads") => json!({"body": "Stolen"}),
        ("post", "/api/v1/threads/{thread}/comments") => json!({"body": "Stolen"}),
        ("post", "/api/v1/threads/{thread}/resolve" | "/api/v1/threads/{thread}/reopen") => {
            return None;
        }
        ("patch", "/api/v1/comments/{comment}") => json!({"body": "Stolen"}),
        ("post", "/api/v1/comments/{comment}/reactions") => json!({"emoji": "👍"}),
        ("post", "/api/v1/projects/{project}/views") => json!({"name": "Stolen"}),
        ("patch", "/api/v1/views/{view}") => json!({"name": "Stolen"}),
        ("post", "/api/v1/teams/{team}/webhooks") => {
            json!({"url": "https://93.184.216.34/stolen", "events": ["item_created"]})
        }
        ("patch", "/api/v1/webhooks/{webhook}") => json!({"active": false}),
        (
            "post",
            "/api/v1/webhooks/{webhook}/rotate-secret"
            | "/api/v1/webhooks/{webhook}/ping"
            | "/api/v1/webhooks/{webhook}/deliveries/{delivery}/replay",
        ) => return None,
        ("put", "/api/v1/items/{item}/watch") => json!({"subtree": true}),
        ("patch", "/api/v1/me/notifications/{notification}") => json!({"state": "read"}),
        ("post", "/api/v1/items/{item}/generate") => json!({"kind": "description"}),
        ("post", "/api/v1/generations/{generation}/cancel") => return None,
        ("put", "/api/v1/orgs/{org}/ai") => json!({"enabled": false}),
        (_, _) if method == "get" || method == "delete" => return None,
        other => {
            panic!("no example body for {other:?}; add one so the tenancy walk covers it ({ids:?})")
        }
    })
}

#[tokio::test]
async fn another_tenants_objects_answer_not_found_on_every_route() {
    let (server, owner, org) = crate::support::org_fixture().await;
    let team = owner.create_team(&org, "Core", "core").await;
    let (member_client, member_id) =
        member(&server, &owner, &org, "m@acme.example", Some("editor")).await;
    let inv = owner
        .post(
            &format!("/api/v1/orgs/{org}/invitations"),
            &json!({"email": "later@example.com"}),
        )
        .await;
    let token = owner.post("/api/v1/me/tokens", &json!({"name": "t"})).await;
    let session = owner.get("/api/v1/me/sessions").await;
    let project = owner
        .post(
            &format!("/api/v1/teams/{team}/projects"),
            &json!({"name": "Spec", "slug": "spec"}),
        )
        .await;
    let project = project.body["id"].as_str().unwrap().to_owned();
    let item = owner
        .post(
            &format!("/api/v1/projects/{project}/items"),
            &json!({"type": "epic", "title": "Spec epic"}),
        )
        .await;
    let item = item.body["id"].as_str().unwrap().to_owned();
    let snap = owner
        .post(
            &format!("/api/v1/projects/{project}/snapshots"),
            &json!({"message": "Release"}),
        )
        .await;
    assert_eq!(snap.status, 201, "{}", snap.body);
    let thread = owner
        .post(
            &format!("/api/v1/items/{item}/threads"),
            &json!({"body": "Private talk"}),
        )
        .await;
    assert_eq!(thread.status, 201, "{}", thread.body);
    let view = owner
        .post(
            &format!("/api/v1/projects/{project}/views"),
            &json!({"name": "Board", "visibility": "team"}),
        )
        .await;
    assert_eq!(view.status, 201, "{}", view.body);
    // A public IP literal: accepted without a DNS lookup, and nothing is sent to it (the
    // walk uses an unknown delivery id, refused before the delivery is looked at).
    let hook = owner
        .post(
            &format!("/api/v1/teams/{team}/webhooks"),
            &json!({"url": "https://93.184.216.34/hook", "events": ["item_created"]}),
        )
        .await;
    assert_eq!(hook.status, 201, "{}", hook.body);
    // The member's comment notifies the owner (the item's creator watches it).
    let r = member_client
        .post(
            &format!("/api/v1/items/{item}/threads"),
            &json!({"body": "Member talk"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let notification = loop {
        let r = owner.get("/api/v1/me/notifications").await;
        if let Some(id) = r.body["items"][0]["id"].as_str() {
            break id.to_owned();
        }
        assert!(std::time::Instant::now() < deadline, "no notification came");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let generation = owner
        .post(
            &format!("/api/v1/items/{item}/generate"),
            &json!({"kind": "acceptance_criteria"}),
        )
        .await;
    assert_eq!(generation.status, 202, "{}", generation.body);

    let mut ids = BTreeMap::new();
    ids.insert("org", org.clone());
    ids.insert("team", team.clone());
    ids.insert("project", project.clone());
    ids.insert("item", item.clone());
    ids.insert("user", member_id);
    ids.insert("notification", notification);
    ids.insert("version", "1".to_owned());
    ids.insert("snapshot", "1".to_owned());
    ids.insert(
        "thread",
        thread.body["thread"]["id"].as_str().unwrap().to_owned(),
    );
    ids.insert(
        "comment",
        thread.body["thread"]["comments"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    ids.insert("view", view.body["id"].as_str().unwrap().to_owned());
    ids.insert(
        "webhook",
        hook.body["webhook"]["id"].as_str().unwrap().to_owned(),
    );
    ids.insert("delivery", uuid::Uuid::now_v7().to_string());
    ids.insert(
        "invitation",
        inv.body["invitation"]["id"].as_str().unwrap().to_owned(),
    );
    ids.insert(
        "token",
        token.body["token"]["id"].as_str().unwrap().to_owned(),
    );
    ids.insert(
        "generation",
        generation.body["id"].as_str().unwrap().to_owned(),
    );
    ids.insert(
        "session",
        session.body["items"][0]["id"].as_str().unwrap().to_owned(),
    );

    // The stranger is an owner of their own organization: fully privileged, elsewhere.
    let stranger = server.user("stranger@example.com").await;
    stranger.create_org("Elsewhere", "elsewhere").await;

    let doc = stranger.get("/api/openapi.json").await.body;
    let mut walked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.contains('{') {
            continue;
        }
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            let mut concrete = path.clone();
            for (name, id) in &ids {
                concrete = concrete.replace(&format!("{{{name}}}"), id);
            }
            assert!(!concrete.contains('{'), "no fixture id for {path}");
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let query = match (method, path.as_str()) {
                ("get", "/api/v1/projects/{project}/search") => "?q=spec",
                ("get", "/api/v1/projects/{project}/export") => "?format=json",
                ("get", "/api/v1/items/{item}/diff") => "?from=1",
                ("get", "/api/v1/projects/{project}/snapshots/diff") => "?from=1",
                ("get", "/api/v1/items/{item}/history/export") => "?format=jsonl",
                ("get", "/api/v1/projects/{project}/history/export") => "?format=jsonl",
                ("get", "/api/v1/orgs/{org}/audit/export") => "?format=csv",
                _ => "",
            };
            let mut req = stranger.request(m, &format!("{concrete}{query}"));
            if let Some(body) = body_for(method, path, &ids) {
                req = req.json(&body);
            }
            let r = stranger.send(req).await;
            assert_eq!(
                (r.status, r.code()),
                (404, "not_found"),
                "{method} {path}: {}",
                r.body
            );
            walked += 1;
        }
    }
    assert!(walked >= 30, "only {walked} routes walked");
    // Nothing leaked through: the owner's organization is as it was.
    let r = owner.get(&format!("/api/v1/orgs/{org}/teams")).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    let r = owner.get(&format!("/api/v1/projects/{project}/tree")).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["items"][0]["title"], "Spec epic");
    let r = owner.get(&format!("/api/v1/teams/{team}/projects")).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    server.stop().await;
}
