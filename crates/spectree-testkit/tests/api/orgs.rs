//! Organizations, teams, members and roles.

use serde_json::json;

use crate::support::{member, org_fixture};

#[tokio::test]
async fn creating_an_organization_makes_the_creator_its_owner() {
    let (server, owner, org) = org_fixture().await;
    let r = owner.get(&format!("/api/v1/orgs/{org}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["role"], "owner");
    assert_eq!(r.body["slug"], "acme");
    let r = owner
        .post("/api/v1/orgs", &json!({"name": "Other", "slug": "acme"}))
        .await;
    assert_eq!((r.status, r.code()), (409, "slug_taken"));
    let r = owner
        .post(
            "/api/v1/orgs",
            &json!({"name": "Other", "slug": "Not A Slug"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "invalid_slug"));
    let r = owner
        .post("/api/v1/orgs", &json!({"name": "   ", "slug": "other"}))
        .await;
    assert_eq!((r.status, r.code()), (422, "invalid_name"));
    server.stop().await;
}

#[tokio::test]
async fn roles_decide_who_may_manage_teams() {
    let (server, owner, org) = org_fixture().await;
    let (viewer, _) = member(&server, &owner, &org, "viewer@example.com", Some("viewer")).await;
    let (admin, _) = member(&server, &owner, &org, "admin@acme.example", Some("admin")).await;
    let r = viewer
        .post(
            &format!("/api/v1/orgs/{org}/teams"),
            &json!({"name": "Core", "slug": "core"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));
    let team = admin.create_team(&org, "Core", "core").await;
    let r = admin
        .post(
            &format!("/api/v1/orgs/{org}/teams"),
            &json!({"name": "Again", "slug": "core"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "slug_taken"));
    let r = viewer
        .patch(
            &format!("/api/v1/teams/{team}"),
            &json!({"viewers_can_comment": true}),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));
    let r = admin
        .patch(
            &format!("/api/v1/teams/{team}"),
            &json!({"viewers_can_comment": true}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["viewers_can_comment"], true);
    let r = viewer.get(&format!("/api/v1/teams/{team}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["role"], "viewer");
    server.stop().await;
}

#[tokio::test]
async fn the_last_owner_cannot_leave_or_be_demoted() {
    let (server, owner, org) = org_fixture().await;
    let owner_id = owner.user_id().await;
    let r = owner
        .delete(&format!("/api/v1/orgs/{org}/members/{owner_id}"))
        .await;
    assert_eq!((r.status, r.code()), (409, "last_owner"));
    let r = owner
        .put(
            &format!("/api/v1/orgs/{org}/members/{owner_id}"),
            &json!({"role": "admin"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "last_owner"));

    let (admin, admin_id) =
        member(&server, &owner, &org, "admin@acme.example", Some("admin")).await;
    // An admin cannot make owners nor touch an owner.
    let r = admin
        .put(
            &format!("/api/v1/orgs/{org}/members/{admin_id}"),
            &json!({"role": "owner"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "role_too_high"));
    let r = admin
        .put(
            &format!("/api/v1/orgs/{org}/members/{owner_id}"),
            &json!({"role": "viewer"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "role_too_high"));
    let r = admin
        .delete(&format!("/api/v1/orgs/{org}/members/{owner_id}"))
        .await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));

    let r = owner
        .put(
            &format!("/api/v1/orgs/{org}/members/{admin_id}"),
            &json!({"role": "owner"}),
        )
        .await;
    assert_eq!(r.status, 204);
    let r = owner
        .delete(&format!("/api/v1/orgs/{org}/members/{owner_id}"))
        .await;
    assert_eq!(r.status, 204, "with a second owner, the first may leave");
    assert_eq!(owner.get(&format!("/api/v1/orgs/{org}")).await.status, 404);
    let r = admin
        .put(
            &format!("/api/v1/orgs/{org}/members/{admin_id}"),
            &json!({"role": "viewer"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "last_owner"));
    server.stop().await;
}

#[tokio::test]
async fn team_roles_add_to_organization_roles() {
    let (server, owner, org) = org_fixture().await;
    let team = owner.create_team(&org, "Core", "core").await;
    let other = owner.create_team(&org, "Other", "other").await;
    let (dev, dev_id) = member(&server, &owner, &org, "dev@acme.example", None).await;
    // A member without an organization role sees no team until given one.
    let r = dev.get(&format!("/api/v1/orgs/{org}/teams")).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 0);
    assert_eq!(dev.get(&format!("/api/v1/teams/{team}")).await.status, 404);

    let r = owner
        .put(
            &format!("/api/v1/teams/{team}/members/{dev_id}"),
            &json!({"role": "admin"}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = dev.get(&format!("/api/v1/orgs/{org}/teams")).await;
    let teams = r.body["items"].as_array().unwrap();
    assert_eq!(teams.len(), 1);
    assert_eq!(teams[0]["id"], team.as_str());
    assert_eq!(dev.get(&format!("/api/v1/teams/{other}")).await.status, 404);

    // A team admin manages that team only, up to admin.
    let (eve, eve_id) = member(&server, &owner, &org, "eve@acme.example", None).await;
    let r = dev
        .put(
            &format!("/api/v1/teams/{team}/members/{eve_id}"),
            &json!({"role": "editor"}),
        )
        .await;
    assert_eq!(r.status, 204);
    let r = dev
        .put(
            &format!("/api/v1/teams/{team}/members/{eve_id}"),
            &json!({"role": "owner"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "team_owner_role"));
    let r = dev
        .put(
            &format!("/api/v1/teams/{other}/members/{eve_id}"),
            &json!({"role": "editor"}),
        )
        .await;
    assert_eq!(r.status, 404);
    let r = eve
        .put(
            &format!("/api/v1/teams/{team}/members/{dev_id}"),
            &json!({"role": "viewer"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));
    let members = owner.get(&format!("/api/v1/teams/{team}/members")).await;
    assert_eq!(members.body["items"].as_array().unwrap().len(), 2);

    // Only organization members can join a team.
    let outsider = server.user("out@example.com").await;
    let outsider_id = outsider.user_id().await;
    let r = owner
        .put(
            &format!("/api/v1/teams/{team}/members/{outsider_id}"),
            &json!({"role": "viewer"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "not_a_member"));

    // Leaving the team, and removal from the organization, take the team role away.
    assert_eq!(
        eve.delete(&format!("/api/v1/teams/{team}/members/{eve_id}"))
            .await
            .status,
        204
    );
    assert_eq!(eve.get(&format!("/api/v1/teams/{team}")).await.status, 404);
    assert_eq!(
        owner
            .delete(&format!("/api/v1/orgs/{org}/members/{dev_id}"))
            .await
            .status,
        204
    );
    assert_eq!(dev.get(&format!("/api/v1/teams/{team}")).await.status, 404);
    server.stop().await;
}

#[tokio::test]
async fn member_lists_are_paginated_with_cursors() {
    let (server, owner, org) = org_fixture().await;
    for i in 0..4 {
        member(
            &server,
            &owner,
            &org,
            &format!("m{i}@acme.example"),
            Some("viewer"),
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut path = format!("/api/v1/orgs/{org}/members?limit=2");
    loop {
        let r = owner.get(&path).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let items = r.body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(
            items
                .iter()
                .map(|m| m["user_id"].as_str().unwrap().to_owned()),
        );
        match r.body["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/orgs/{org}/members?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    let mut dedup = seen.clone();
    dedup.dedup();
    assert_eq!(dedup, seen);
    server.stop().await;
}
