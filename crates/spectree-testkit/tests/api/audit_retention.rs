//! Retention: the policy API (audited with before and after), the background job cutting
//! old audit records behind a checkpoint that verification starts from, and the legal hold.

use std::time::Duration;

use serde_json::json;
use spectree_app::audit::ChainStatus;
use spectree_domain::ids::OrgId;
use spectree_testkit::TestServer;

use crate::audit::{actions, chain};

const DAY: Duration = Duration::from_secs(24 * 3600);

#[tokio::test]
async fn the_retention_policy_has_defaults_and_changes_are_audited_with_before_and_after() {
    let (server, owner, org) = crate::support::org_fixture().await;
    let path = format!("/api/v1/orgs/{org}/retention");
    let r = owner.get(&path).await;
    assert_eq!(
        r.body,
        json!({"version_days": null, "audit_days": 365, "legal_hold": false})
    );
    let want = json!({"version_days": 30, "audit_days": 90, "legal_hold": true});
    let r = owner.put(&path, &want).await;
    assert_eq!((r.status, &r.body), (200, &want));
    assert_eq!(owner.get(&path).await.body, want);

    for bad in [
        json!({"version_days": 0, "audit_days": 90, "legal_hold": false}),
        json!({"version_days": null, "audit_days": 0, "legal_hold": false}),
        json!({"version_days": null, "audit_days": 36501, "legal_hold": false}),
    ] {
        let r = owner.put(&path, &bad).await;
        assert_eq!((r.status, r.code()), (422, "validation_failed"), "{bad}");
    }
    let r = owner.put(&path, &json!({"audit_days": 90})).await;
    assert_eq!(r.code(), "invalid_body");

    let records = chain(&server, org.parse().unwrap()).await;
    let updates: Vec<_> = records
        .iter()
        .filter(|r| r.event.action == "retention.updated")
        .collect();
    assert_eq!(updates.len(), 1, "refused changes are not recorded");
    assert_eq!(updates[0].event.data["before"]["audit_days"], 365);
    assert_eq!(updates[0].event.data["after"], want);
    server.stop().await;
}

/// A server whose retention job runs every 50 ms.
async fn fast_retention() -> TestServer {
    TestServer::start_with(|c| c.audit.retention_interval = Duration::from_millis(50)).await
}

/// Waits (generously: a loaded CI machine can hold the 50 ms job back for seconds) until
/// the chain of `org` holds a record of `action`.
async fn wait_for(server: &TestServer, org: OrgId, action: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let records = chain(server, org).await;
        if actions(&records).iter().any(|a| a == action) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no {action} record within 60 s: {:?}",
            actions(&records)
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn the_retention_job_cuts_old_audit_records_behind_a_checkpoint_that_verifies() {
    let server = fast_retention().await;
    let owner = server.admin().await;
    let org = owner.create_org("Acme", "acme").await;
    let r = owner
        .put(
            &format!("/api/v1/orgs/{org}/retention"),
            &json!({"version_days": null, "audit_days": 1, "legal_hold": false}),
        )
        .await;
    assert_eq!(r.status, 200);
    owner.create_team(&org, "Old", "old").await;
    server.clock.advance(2 * DAY);
    let org_id: OrgId = org.parse().unwrap();
    wait_for(&server, org_id, "audit.retention_applied").await;
    owner.create_team(&org, "New", "new").await;

    let records = chain(&server, org_id).await;
    assert_eq!(
        actions(&records),
        ["audit.retention_applied", "team.created"],
        "org.created, retention.updated and the old team.created are gone"
    );
    assert_eq!(records[0].seq, 4);
    let applied = &records[0].event.data;
    assert_eq!(applied["removed"], 3);
    assert_eq!(applied["through_seq"], 3);
    assert_eq!(records[1].event.data["name"], "New");

    // Verification starts from the cut, and the records after it still refuse deletion.
    let v = spectree::audit::verify(&server.config).await.unwrap();
    let report = v.chains.iter().find(|c| c.org_id == org_id).unwrap();
    assert_eq!(report.from_seq, 3);
    assert_eq!(report.status, ChainStatus::Intact(2), "{:?}", v.lines);
    let mut c = server.app().store().read().await.unwrap();
    let del = sqlx::query("DELETE FROM audit_log").execute(&mut *c).await;
    assert!(del.is_err(), "records after a cut stay append-only");
    let del = sqlx::query("DELETE FROM audit_cuts").execute(&mut *c).await;
    assert!(del.is_err(), "cuts are append-only");
    drop(c);
    server.stop().await;
}

#[tokio::test]
async fn a_legal_hold_suspends_deletion() {
    let (server, owner, org) = crate::support::org_fixture().await;
    let r = owner
        .put(
            &format!("/api/v1/orgs/{org}/retention"),
            &json!({"version_days": 1, "audit_days": 1, "legal_hold": true}),
        )
        .await;
    assert_eq!(r.status, 200);
    let org_id: OrgId = org.parse().unwrap();
    let before = chain(&server, org_id).await.len();
    server.clock.advance(3 * DAY);
    let report = server.app().apply_retention().await.unwrap();
    assert_eq!(report.audit_removed, 0);
    assert!(report.held >= 1);
    assert_eq!(chain(&server, org_id).await.len(), before);

    // Lifting the hold lets the next run remove them.
    let r = owner
        .put(
            &format!("/api/v1/orgs/{org}/retention"),
            &json!({"version_days": 1, "audit_days": 1, "legal_hold": false}),
        )
        .await;
    assert_eq!(r.status, 200);
    server.clock.advance(2 * DAY);
    let report = server.app().apply_retention().await.unwrap();
    assert_eq!(report.audit_removed, i64::try_from(before).unwrap() + 1);
    server.stop().await;
}

#[tokio::test]
async fn a_cut_no_retention_record_attests_is_reported() {
    let (server, owner, org) = crate::support::org_fixture().await;
    owner.create_team(&org, "Core", "core").await;
    let org_id: OrgId = org.parse().unwrap();
    let records = chain(&server, org_id).await;
    // Someone with database access forges a cut to hide the first record.
    let mut c = server.app().store().read().await.unwrap();
    sqlx::query(
        "INSERT INTO audit_cuts (org_id, through_seq, through_hash, cut_at, removed) \
         VALUES ($1, 1, $2, 0, 1)",
    )
    .bind(&org)
    .bind(&records[0].hash)
    .execute(&mut *c)
    .await
    .unwrap();
    sqlx::query("DELETE FROM audit_log WHERE org_id = $1 AND seq = 1")
        .bind(&org)
        .execute(&mut *c)
        .await
        .unwrap();
    drop(c);
    let v = spectree::audit::verify(&server.config).await.unwrap();
    let report = v.chains.iter().find(|c| c.org_id == org_id).unwrap();
    assert_eq!(report.status, ChainStatus::UnattestedCut(1));
    assert!(!v.intact);
    server.stop().await;
}
