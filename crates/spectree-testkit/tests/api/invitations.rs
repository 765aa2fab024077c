//! Invitations by email.

use std::time::Duration;

use serde_json::json;

use crate::support::org_fixture;

#[tokio::test]
async fn an_invitation_is_mailed_and_accepted_once_by_its_addressee() {
    let (server, owner, org) = org_fixture().await;
    let team = owner.create_team(&org, "Core", "core").await;
    let r = owner
        .post(
            &format!("/api/v1/orgs/{org}/invitations"),
            &json!({"email": "Bob@Example.com", "org_role": "viewer", "team_id": team, "team_role": "editor"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(
        r.body["accept_url"]
            .as_str()
            .unwrap()
            .contains("/invite?token=sti_")
    );
    let mail = server
        .outbox()
        .into_iter()
        .find(|m| m.contains("To: bob@example.com"))
        .unwrap();
    assert!(mail.contains("invited you to Acme"), "{mail}");
    let token = server.mailed_token("bob@example.com", "/invite");

    let eve = server.user("eve@example.com").await;
    let r = eve
        .post("/api/v1/invitations/accept", &json!({"token": token}))
        .await;
    assert_eq!((r.status, r.code()), (403, "invitation_for_someone_else"));

    let bob = server.user("bob@example.com").await;
    let r = bob
        .post("/api/v1/invitations/accept", &json!({"token": token}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["org_id"], org.as_str());
    assert_eq!(
        bob.get(&format!("/api/v1/teams/{team}")).await.body["role"],
        "editor"
    );
    assert_eq!(
        bob.get("/api/v1/me").await.body["user"]["email_verified"],
        true
    );
    let r = bob
        .post("/api/v1/invitations/accept", &json!({"token": token}))
        .await;
    assert_eq!((r.status, r.code()), (400, "invalid_token"));
    server.stop().await;
}

#[tokio::test]
async fn revoked_and_expired_invitations_cannot_be_accepted() {
    let (server, owner, org) = org_fixture().await;
    let r = owner
        .post(
            &format!("/api/v1/orgs/{org}/invitations"),
            &json!({"email": "bob@example.com"}),
        )
        .await;
    let id = r.body["invitation"]["id"].as_str().unwrap().to_owned();
    let token = server.mailed_token("bob@example.com", "/invite");
    let open = owner.get(&format!("/api/v1/orgs/{org}/invitations")).await;
    assert_eq!(open.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        owner
            .delete(&format!("/api/v1/orgs/{org}/invitations/{id}"))
            .await
            .status,
        204
    );
    assert_eq!(
        owner
            .delete(&format!("/api/v1/orgs/{org}/invitations/{id}"))
            .await
            .status,
        404
    );
    let bob = server.user("bob@example.com").await;
    let r = bob
        .post("/api/v1/invitations/accept", &json!({"token": token}))
        .await;
    assert_eq!((r.status, r.code()), (400, "invalid_token"));

    owner
        .post(
            &format!("/api/v1/orgs/{org}/invitations"),
            &json!({"email": "bob@example.com"}),
        )
        .await;
    let token = server.mailed_token("bob@example.com", "/invite");
    server
        .clock
        .advance(server.config.auth.invitation_ttl + Duration::from_secs(1));
    // The session has idled out in the meantime too.
    assert_eq!(
        bob.login("bob@example.com", spectree_testkit::PASSWORD)
            .await
            .status,
        200
    );
    assert_eq!(
        owner
            .login("admin@example.com", spectree_testkit::PASSWORD)
            .await
            .status,
        200
    );
    let r = bob
        .post("/api/v1/invitations/accept", &json!({"token": token}))
        .await;
    assert_eq!((r.status, r.code()), (400, "invalid_token"));
    assert_eq!(
        owner
            .get(&format!("/api/v1/orgs/{org}/invitations"))
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    server.stop().await;
}

#[tokio::test]
async fn only_admins_invite_and_never_above_their_own_role() {
    let (server, owner, org) = org_fixture().await;
    let (editor, _) =
        crate::support::member(&server, &owner, &org, "ed@acme.example", Some("editor")).await;
    let r = editor
        .post(
            &format!("/api/v1/orgs/{org}/invitations"),
            &json!({"email": "x@example.com"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));
    let (admin, _) =
        crate::support::member(&server, &owner, &org, "ad@acme.example", Some("admin")).await;
    let r = admin
        .post(
            &format!("/api/v1/orgs/{org}/invitations"),
            &json!({"email": "x@example.com", "org_role": "owner"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "role_too_high"));
    let r = admin
        .post(
            &format!("/api/v1/orgs/{org}/invitations"),
            &json!({"email": "not-an-email", "org_role": "viewer"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "validation_failed"));
    server.stop().await;
}
