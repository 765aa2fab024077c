//! The families of audited events: sessions, content, exports, and the request facts each
//! record carries (address and user agent).

use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use spectree_domain::ids::OrgId;

use crate::audit::{actions, chain};

#[tokio::test]
async fn records_carry_the_actors_address_and_user_agent() {
    let server = spectree_testkit::TestServer::start().await;
    server.admin().await;
    let c = server.client();
    let r = c
        .send(
            c.request(Method::POST, "/api/v1/auth/login")
                .header("user-agent", "audit-test/1.0")
                .json(&json!({"email": "admin@example.com", "password": "not the password"})),
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.body);
    let records = chain(&server, OrgId::INSTANCE).await;
    let failed = records
        .iter()
        .rev()
        .find(|r| r.event.action == "auth.login_failed")
        .unwrap();
    assert_eq!(failed.event.ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(failed.event.user_agent.as_deref(), Some("audit-test/1.0"));
    assert!(failed.event.actor_id.is_some());
    server.stop().await;
}

#[tokio::test]
async fn sessions_created_revoked_and_expired_are_audited() {
    let server = spectree_testkit::TestServer::start().await;
    server.admin().await;
    let laptop = server.client();
    let r = laptop
        .login("admin@example.com", spectree_testkit::PASSWORD)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let phone = server.client();
    let r = phone
        .login("admin@example.com", spectree_testkit::PASSWORD)
        .await;
    let phone_session = r.body["session_id"].as_str().unwrap().to_owned();
    assert_eq!(
        laptop
            .delete(&format!("/api/v1/me/sessions/{phone_session}"))
            .await
            .status,
        204
    );
    // The laptop's session times out; the next request that presents it makes that visible.
    server.clock.advance(Duration::from_secs(8 * 24 * 3600));
    assert_eq!(laptop.get("/api/v1/me").await.status, 401);
    assert_eq!(laptop.get("/api/v1/me").await.status, 401);

    let records = chain(&server, OrgId::INSTANCE).await;
    let got = actions(&records);
    assert!(
        got.iter().filter(|a| *a == "auth.login").count() >= 2,
        "{got:?}"
    );
    let revoked = records
        .iter()
        .find(|r| r.event.action == "session.revoked")
        .unwrap();
    assert_eq!(
        revoked.event.target_id.as_deref(),
        Some(phone_session.as_str())
    );
    let expired: Vec<_> = records
        .iter()
        .filter(|r| r.event.action == "session.expired")
        .collect();
    assert_eq!(expired.len(), 1, "recorded once, however often presented");
    assert_eq!(expired[0].event.data["reason"], "idle");
    server.stop().await;
}

#[tokio::test]
async fn item_create_delete_restore_and_exports_are_audited() {
    let (server, owner, org, _team, project) = crate::support::project_fixture().await;
    let item = crate::support::item(&owner, &project, json!({"type": "epic", "title": "E"})).await;
    assert!(owner.delete(&format!("/api/v1/items/{item}")).await.status < 300);
    let r = owner
        .post_empty(&format!("/api/v1/projects/{project}/trash/{item}/restore"))
        .await;
    assert!(r.status < 300, "{}", r.body);
    for format in ["json", "markdown"] {
        let r = owner
            .get(&format!(
                "/api/v1/projects/{project}/export?format={format}"
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }

    let records = chain(&server, org.parse().unwrap()).await;
    let got = actions(&records);
    for want in ["item.created", "item.deleted", "item.restored"] {
        let r = records.iter().find(|r| r.event.action == want);
        let r = r.unwrap_or_else(|| panic!("{want} missing from {got:?}"));
        assert_eq!(r.event.target_id.as_deref(), Some(item.as_str()), "{want}");
    }
    let exports: Vec<_> = records
        .iter()
        .filter(|r| r.event.action == "project.exported")
        .map(|r| r.event.data["format"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(exports, ["json", "markdown"]);
    server.stop().await;
}

#[tokio::test]
async fn team_membership_changes_are_audited_with_the_previous_role() {
    let (server, owner, org) = crate::support::org_fixture().await;
    let team = owner.create_team(&org, "Core", "core").await;
    let (_, m) = crate::support::member(&server, &owner, &org, "m@acme.example", None).await;
    let path = format!("/api/v1/teams/{team}/members/{m}");
    assert_eq!(
        owner.put(&path, &json!({"role": "viewer"})).await.status,
        204
    );
    assert_eq!(
        owner.put(&path, &json!({"role": "editor"})).await.status,
        204
    );
    assert_eq!(owner.delete(&path).await.status, 204);

    let records = chain(&server, org.parse().unwrap()).await;
    let team_events: Vec<_> = records
        .iter()
        .filter(|r| r.event.data["scope"] == "team")
        .map(|r| {
            (
                r.event.action.as_str(),
                r.event.data["role"].clone(),
                r.event.data["previous"].clone(),
            )
        })
        .collect();
    assert_eq!(
        team_events,
        [
            ("member.role_changed", json!("viewer"), json!(null)),
            ("member.role_changed", json!("editor"), json!("viewer")),
            ("member.removed", json!(null), json!("editor")),
        ]
    );
    server.stop().await;
}
