//! Memory of live documents, in a test binary of its own: it reads the resident memory of
//! the whole process, so no other test may run beside it (in the shared `api` binary,
//! browser and cluster tests running at the same time moved the figure by more than the
//! bound).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use spectree_testkit::TestServer;

fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[tokio::test]
async fn memory_stays_bounded_with_ten_thousand_documents_opened_and_closed() {
    let server = TestServer::start_with(|c| c.collab.room_grace = Duration::from_millis(50)).await;
    let owner = server.admin().await;
    let org = owner.create_org("Acme", "acme").await;
    let team = owner.create_team(&org, "Core", "core").await;
    let project = owner
        .post(
            &format!("/api/v1/teams/{team}/projects"),
            &json!({"name": "Big", "slug": "big"}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut ids = Vec::new();
    for batch in 0..10 {
        let items: Vec<Value> = (0..1000)
            .map(|i| json!({"type": "task", "title": format!("Task {batch}-{i}"), "description": "Some words to make the document a little heavier than a title alone."}))
            .collect();
        let r = owner
            .post(
                &format!("/api/v1/projects/{project}/items/bulk"),
                &json!({"items": items}),
            )
            .await;
        assert_eq!(r.status, 201);
        ids.extend(r.body["items"].as_array().unwrap().iter().map(|i| {
            i["id"]
                .as_str()
                .unwrap()
                .parse::<spectree_domain::ids::ItemId>()
                .unwrap()
        }));
    }
    let collab = server.app().collab().clone();
    let open_all = |ids: Vec<spectree_domain::ids::ItemId>| {
        let collab = collab.clone();
        async move {
            for chunk in ids.chunks(100) {
                let mut tasks = Vec::new();
                for id in chunk {
                    let (c, id) = (collab.clone(), *id);
                    tasks.push(tokio::spawn(async move { c.content(id).await.unwrap() }));
                }
                for t in tasks {
                    assert!(t.await.unwrap().title.starts_with("Task"));
                }
            }
        }
    };
    let wait_unloaded = || async {
        let deadline = Instant::now() + Duration::from_secs(120);
        while collab.open_rooms() > 0 {
            assert!(
                Instant::now() < deadline,
                "{} rooms still open",
                collab.open_rooms()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    // The first two passes seed every document and warm the caches (SQLite's page cache per
    // connection, the allocator); the next two open and close all of them again and must not
    // grow memory further.
    for _ in 0..2 {
        open_all(ids.clone()).await;
        wait_unloaded().await;
    }
    let warm = resident_kib();
    for _ in 0..2 {
        open_all(ids.clone()).await;
        wait_unloaded().await;
    }
    let after = resident_kib();
    eprintln!("resident after warm-up {warm} KiB, after two more passes {after} KiB");
    assert!(
        after < warm + 16 * 1024,
        "resident memory grew from {warm} KiB to {after} KiB over 20,000 more opens"
    );
    server.stop().await;
}
