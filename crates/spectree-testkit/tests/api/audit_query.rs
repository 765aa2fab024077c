//! Reading and exporting the audit log: Admins and Owners only, filters, cursor pages, JSON
//! Lines and CSV exports (formula cells escaped), and the export's own record.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use spectree_domain::Clock;

use crate::audit::{actions, chain};
use crate::support::member;

#[tokio::test]
async fn admins_query_the_log_by_actor_action_target_and_time_in_cursor_pages() {
    let (server, owner, org) = crate::support::org_fixture().await;
    let owner_id = owner.user_id().await;
    let (_, m) = member(&server, &owner, &org, "m@acme.example", Some("viewer")).await;
    let start = server.clock.now();
    server.clock.advance(Duration::from_secs(60));
    for role in ["editor", "manager", "viewer"] {
        let r = owner
            .put(
                &format!("/api/v1/orgs/{org}/members/{m}"),
                &json!({"role": role}),
            )
            .await;
        assert_eq!(r.status, 204, "{}", r.body);
    }
    let base = format!("/api/v1/orgs/{org}/audit");

    // Newest first, two per page, following the cursor to the end.
    let mut seen = Vec::new();
    let mut url = format!("{base}?action=member.role_changed&limit=2");
    loop {
        let r = owner.get(&url).await;
        assert_eq!(r.status, 200, "{}", r.body);
        for rec in r.body["items"].as_array().unwrap() {
            seen.push(rec["data"]["role"].as_str().unwrap().to_owned());
            assert_eq!(rec["actor_id"], owner_id.as_str());
            assert_eq!(rec["target_kind"], "user");
        }
        match r.body["next_cursor"].as_str() {
            Some(c) => url = format!("{base}?action=member.role_changed&limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, ["viewer", "manager", "editor"]);

    // By target, by actor, by time.
    let r = owner
        .get(&format!("{base}?target_kind=user&target_id={m}&limit=200"))
        .await;
    let got: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(got, ["member.role_changed"; 3]);
    let r = owner.get(&format!("{base}?actor={m}")).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{}", r.body);
    let to = spectree_domain::Timestamp(start.0 + 30_000).to_rfc3339();
    let r = owner.get(&format!("{base}?to={}", urlencode(&to))).await;
    let before: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        before,
        ["invitation.accepted", "invitation.created", "org.created"]
    );
    let r = owner
        .get(&format!(
            "{base}?from={}&action=org.created",
            urlencode(&to)
        ))
        .await;
    assert_eq!(r.body["items"], json!([]));
    server.stop().await;
}

#[tokio::test]
async fn only_admins_and_owners_read_or_export_the_audit_log() {
    let (server, owner, org) = crate::support::org_fixture().await;
    let (manager, _) = member(&server, &owner, &org, "mgr@acme.example", Some("manager")).await;
    let (admin, _) = member(&server, &owner, &org, "adm@acme.example", Some("admin")).await;
    for path in [
        format!("/api/v1/orgs/{org}/audit"),
        format!("/api/v1/orgs/{org}/audit/export?format=jsonl"),
        format!("/api/v1/orgs/{org}/retention"),
    ] {
        let r = manager.get(&path).await;
        assert_eq!((r.status, r.code()), (403, "forbidden"), "{path}");
        assert_eq!(admin.get(&path).await.status, 200, "{path}");
    }
    let records = chain(&server, org.parse().unwrap()).await;
    assert_eq!(
        actions(&records)
            .iter()
            .filter(|a| *a == "audit.exported")
            .count(),
        1,
        "only the allowed export is recorded"
    );
    server.stop().await;
}

#[tokio::test]
async fn bad_audit_filters_answer_invalid_query() {
    let (server, owner, org) = crate::support::org_fixture().await;
    let base = format!("/api/v1/orgs/{org}/audit");
    for q in [
        "?from=yesterday",
        "?action=DROP%20TABLE",
        "?cursor=abc",
        "?actor=not-a-uuid",
        "?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
        "?colour=blue",
    ] {
        let r = owner.get(&format!("{base}{q}")).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "invalid_query"),
            "{q}: {}",
            r.body
        );
    }
    let r = owner.get(&format!("{base}/export?format=xlsx")).await;
    assert_eq!((r.status, r.code()), (400, "invalid_query"), "{}", r.body);
    server.stop().await;
}

#[tokio::test]
async fn exports_stream_json_lines_and_csv_with_formula_cells_escaped_and_are_audited() {
    let (server, owner, org) = crate::support::org_fixture().await;
    let evil = "=HYPERLINK(\"http://evil.example\",\"x\")";
    let r = owner
        .send(
            owner
                .request(Method::POST, &format!("/api/v1/orgs/{org}/teams"))
                .header("user-agent", evil)
                .json(&json!({"name": "Core", "slug": "core"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    let jsonl = raw(
        &owner,
        &format!("/api/v1/orgs/{org}/audit/export?format=jsonl"),
    )
    .await;
    assert_eq!(jsonl.0, "application/x-ndjson");
    let lines: Vec<Value> = jsonl
        .1
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: Vec<&str> = lines
        .iter()
        .map(|l| l["action"].as_str().unwrap())
        .collect();
    assert_eq!(got, ["org.created", "team.created", "audit.exported"]);
    assert_eq!(lines[1]["user_agent"], evil);
    assert_eq!(lines[2]["data"]["format"], "jsonl");

    let csv = raw(
        &owner,
        &format!("/api/v1/orgs/{org}/audit/export?format=csv"),
    )
    .await;
    assert!(csv.0.starts_with("text/csv"), "{}", csv.0);
    let mut reader = csv::ReaderBuilder::new().from_reader(csv.1.as_bytes());
    let header = reader.headers().unwrap().clone();
    let ua = header.iter().position(|h| h == "user_agent").unwrap();
    let action = header.iter().position(|h| h == "action").unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let team = rows.iter().find(|r| &r[action] == "team.created").unwrap();
    assert_eq!(&team[ua], format!("'{evil}"));
    assert_eq!(
        rows.len(),
        4,
        "org, team, both exports (this one recorded before it ran)"
    );

    // A range that excludes everything still answers a header only.
    let later = server.clock.now().0 + 3_600_000;
    let empty = raw(
        &owner,
        &format!(
            "/api/v1/orgs/{org}/audit/export?format=csv&from={}",
            urlencode(&spectree_domain::Timestamp(later).to_rfc3339())
        ),
    )
    .await;
    assert_eq!(empty.1.lines().count(), 1, "{}", empty.1);

    let records = chain(&server, org.parse().unwrap()).await;
    let exported: Vec<&str> = records
        .iter()
        .filter(|r| r.event.action == "audit.exported")
        .map(|r| r.event.data["format"].as_str().unwrap())
        .collect();
    assert_eq!(exported, ["jsonl", "csv", "csv"]);
    server.stop().await;
}

async fn raw(c: &spectree_testkit::Client, path: &str) -> (String, String) {
    let r = c.request(Method::GET, path).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    (ct, r.text().await.unwrap())
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}
