//! `spectree audit verify` against a database tampered with directly (as someone with
//! database access would, triggers and all): it names the first broken link.

use spectree_app::audit::ChainStatus;
use spectree_domain::audit::ChainBreak;
use spectree_domain::ids::OrgId;
use spectree_testkit::TestServer;

use crate::audit::chain;

/// A server whose organization chain has `n` + 1 records (org.created and `n` team.created).
async fn server_with_records(n: usize) -> (TestServer, OrgId) {
    let (server, owner, org) = crate::support::org_fixture().await;
    for i in 0..n {
        owner
            .create_team(&org, &format!("Team {i}"), &format!("team-{i}"))
            .await;
    }
    let org: OrgId = org.parse().unwrap();
    assert_eq!(chain(&server, org).await.len(), n + 1);
    (server, org)
}

/// Runs SQL on the server's database with the audit triggers out of the way.
async fn tamper(server: &TestServer, sql: &str) {
    let mut c = server.app().store().read().await.unwrap();
    let off: &[&str] = if server.on_postgres() {
        &["ALTER TABLE audit_log DISABLE TRIGGER USER"]
    } else {
        &[
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete",
        ]
    };
    for s in off.iter().chain([&sql]) {
        sqlx::query(sqlx::AssertSqlSafe(s.to_string()))
            .execute(&mut *c)
            .await
            .unwrap();
    }
}

async fn verify(server: &TestServer, org: OrgId) -> (ChainStatus, Vec<String>, bool) {
    let v = spectree::audit::verify(&server.config).await.unwrap();
    let status = v
        .chains
        .iter()
        .find(|c| c.org_id == org)
        .unwrap()
        .status
        .clone();
    (status, v.lines, v.intact)
}

#[tokio::test]
async fn audit_verify_passes_an_untouched_log_and_prints_each_chains_head() {
    let (server, org) = server_with_records(3).await;
    let (status, lines, intact) = verify(&server, org).await;
    assert_eq!(status, ChainStatus::Intact(4));
    assert!(intact);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("ok") && l.contains(&org.to_string())),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("ok      instance")),
        "{lines:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn audit_verify_names_a_row_altered_in_the_database() {
    let (server, org) = server_with_records(4).await;
    tamper(
        &server,
        &format!(
            "UPDATE audit_log SET target_id = 'someone-else' WHERE org_id = '{org}' AND seq = 3"
        ),
    )
    .await;
    let (status, lines, intact) = verify(&server, org).await;
    assert!(
        matches!(
            status,
            ChainStatus::Broken(ChainBreak::Altered { seq: 3, .. })
        ),
        "{status:?}"
    );
    assert!(!intact);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("BROKEN") && l.contains("record 3")),
        "{lines:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn audit_verify_names_a_record_removed_from_the_middle() {
    let (server, org) = server_with_records(4).await;
    tamper(
        &server,
        &format!("DELETE FROM audit_log WHERE org_id = '{org}' AND seq = 2"),
    )
    .await;
    let (status, _, _) = verify(&server, org).await;
    assert_eq!(
        status,
        ChainStatus::Broken(ChainBreak::Missing {
            expected: 2,
            found: 3
        })
    );
    server.stop().await;
}

#[tokio::test]
async fn audit_verify_notices_when_the_newest_records_are_deleted() {
    let (server, org) = server_with_records(4).await;
    tamper(
        &server,
        &format!("DELETE FROM audit_log WHERE org_id = '{org}' AND seq >= 4"),
    )
    .await;
    let (status, lines, _) = verify(&server, org).await;
    assert_eq!(
        status,
        ChainStatus::Broken(ChainBreak::Truncated { from: 4, to: 5 })
    );
    assert!(
        lines.iter().any(|l| l.contains("missing at the end")),
        "{lines:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn audit_verify_names_records_that_were_reordered() {
    let (server, org) = server_with_records(4).await;
    // Records 2 and 3 trade places.
    tamper(
        &server,
        &format!("UPDATE audit_log SET seq = -2 WHERE org_id = '{org}' AND seq = 2"),
    )
    .await;
    let mut c = server.app().store().read().await.unwrap();
    for sql in [
        format!("UPDATE audit_log SET seq = 2 WHERE org_id = '{org}' AND seq = 3"),
        format!("UPDATE audit_log SET seq = 3 WHERE org_id = '{org}' AND seq = -2"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *c)
            .await
            .unwrap();
    }
    drop(c);
    let (status, _, _) = verify(&server, org).await;
    assert!(
        matches!(
            status,
            ChainStatus::Broken(ChainBreak::Altered { seq: 2, .. })
        ),
        "{status:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn the_chain_head_lives_outside_the_log_and_follows_each_append() {
    let (server, org) = server_with_records(2).await;
    let records = chain(&server, org).await;
    let mut c = server.app().store().read().await.unwrap();
    let heads = spectree_app::store::audit::heads(&mut c).await.unwrap();
    let head = heads.iter().find(|h| h.org_id == org).unwrap();
    assert_eq!(head.seq, 3);
    assert_eq!(head.hash, records.last().unwrap().hash);
    drop(c);
    server.stop().await;
}
