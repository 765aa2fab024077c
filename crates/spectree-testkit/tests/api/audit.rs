//! The audit log core: written with the change, one verifiable hash chain per organization.

use serde_json::json;
use spectree_domain::audit::{GENESIS_HASH, verify_chain};
use spectree_domain::ids::OrgId;
use spectree_testkit::TestServer;

/// The chain of `org`, after linking every committed record.
pub async fn chain(server: &TestServer, org: OrgId) -> Vec<spectree_domain::audit::AuditRecord> {
    server.app().chain_audit().await.unwrap();
    let mut c = server.app().store().read().await.unwrap();
    spectree_app::store::audit::list(&mut c, org, 0, 10_000)
        .await
        .unwrap()
}

pub fn actions(records: &[spectree_domain::audit::AuditRecord]) -> Vec<String> {
    records.iter().map(|r| r.event.action.clone()).collect()
}

#[tokio::test]
async fn sign_ins_sessions_tokens_and_memberships_are_audited_in_verifiable_chains() {
    let (server, owner, org) = crate::support::org_fixture().await;
    let ada = server.user("ada@example.com").await;
    ada.login("ada@example.com", "wrong password here").await;
    let t = ada.post("/api/v1/me/tokens", &json!({"name": "ci"})).await;
    ada.delete(&format!(
        "/api/v1/me/tokens/{}",
        t.body["token"]["id"].as_str().unwrap()
    ))
    .await;
    ada.post_empty("/api/v1/auth/logout").await;
    let (_, m) =
        crate::support::member(&server, &owner, &org, "m@acme.example", Some("viewer")).await;
    owner
        .put(
            &format!("/api/v1/orgs/{org}/members/{m}"),
            &json!({"role": "editor"}),
        )
        .await;

    let instance = chain(&server, OrgId::INSTANCE).await;
    assert_eq!(verify_chain(&instance, GENESIS_HASH.into()), Ok(()));
    let got = actions(&instance);
    for want in [
        "instance.setup_completed",
        "user.signup",
        "auth.login_failed",
        "token.created",
        "token.revoked",
        "auth.logout",
    ] {
        assert!(got.iter().any(|a| a == want), "{want} missing from {got:?}");
    }
    let failed = instance
        .iter()
        .find(|r| r.event.action == "auth.login_failed")
        .unwrap();
    assert_eq!(failed.event.ip.as_deref(), Some("127.0.0.1"));

    let org_id: OrgId = org.parse().unwrap();
    let records = chain(&server, org_id).await;
    assert_eq!(verify_chain(&records, GENESIS_HASH.into()), Ok(()));
    assert_eq!(
        actions(&records),
        [
            "org.created",
            "invitation.created",
            "invitation.accepted",
            "member.role_changed"
        ]
    );
    let change = records.last().unwrap();
    assert_eq!(change.event.data["role"], "editor");
    assert_eq!(change.event.data["previous"], "viewer");
    server.stop().await;
}

#[tokio::test]
async fn concurrent_writers_keep_one_unbroken_chain() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let mut tasks = Vec::new();
    for i in 0..24 {
        let c = admin.clone();
        tasks.push(tokio::spawn(async move {
            let r = c
                .post("/api/v1/me/tokens", &json!({"name": format!("t{i}")}))
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let records = chain(&server, OrgId::INSTANCE).await;
    assert_eq!(verify_chain(&records, GENESIS_HASH.into()), Ok(()));
    let seqs: Vec<i64> = records.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (1..=records.len() as i64).collect::<Vec<_>>());
    assert_eq!(
        records
            .iter()
            .filter(|r| r.event.action == "token.created")
            .count(),
        24
    );
    server.stop().await;
}

#[tokio::test]
async fn the_audit_log_refuses_updates_and_deletes() {
    let server = TestServer::start().await;
    server.admin().await;
    assert!(!chain(&server, OrgId::INSTANCE).await.is_empty());
    let mut c = server.app().store().read().await.unwrap();
    let upd = sqlx::query("UPDATE audit_log SET action = 'forged'")
        .execute(&mut *c)
        .await;
    assert!(upd.is_err(), "update must fail");
    let del = sqlx::query("DELETE FROM audit_log").execute(&mut *c).await;
    assert!(del.is_err(), "delete must fail");
    drop(c);
    assert!(!chain(&server, OrgId::INSTANCE).await.is_empty());
    server.stop().await;
}
