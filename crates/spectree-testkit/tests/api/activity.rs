//! The activity feed: every change recorded by its real action, the feeds (filters, cursor,
//! visibility, tenancy), live delivery over SSE, and the outbox processed once.

use std::time::Duration;

use serde_json::json;
use spectree_app::store::activity::{self as store, FeedQuery, Scope};
use spectree_testkit::TestServer;

use crate::support::{count, item, project_fixture};

/// The kinds recorded in a project, oldest first, read from the store.
async fn kinds_in_store(server: &TestServer, project: &str) -> Vec<String> {
    let mut c = server.app().store().read().await.unwrap();
    let p: spectree_domain::ids::ProjectId = project.parse().unwrap();
    let org = {
        let mut c2 = server.app().store().read().await.unwrap();
        spectree_app::store::spec::projects::get(&mut c2, server.app().store().sealer(), p)
            .await
            .unwrap()
            .unwrap()
            .org_id
    };
    store::feed(
        &mut c,
        &FeedQuery {
            scope: Scope::Project(org, p),
            kinds: vec![],
            actor: None,
            cursor: None,
            ascending: true,
            limit: 1000,
        },
    )
    .await
    .unwrap()
    .into_iter()
    .map(|a| a.kind.as_str().to_owned())
    .collect()
}

/// Waits (generously) until the dispatcher emptied the outbox.
async fn outbox_drained(server: &TestServer) {
    for _ in 0..200 {
        if count(server, "activity_outbox").await == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the activity outbox was not drained");
}

#[tokio::test]
async fn rest_changes_are_recorded_in_their_transaction_and_dispatched_once() {
    let (server, owner, _org, _team, project) = project_fixture().await;
    let epic = item(&owner, &project, json!({"type": "epic", "title": "Pay"})).await;
    let story = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Card", "parent_id": epic}),
    )
    .await;
    let r = owner
        .patch(
            &format!("/api/v1/items/{story}"),
            &json!({"status": "in_progress", "title": "Card payments"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        kinds_in_store(&server, &project).await,
        vec![
            "item_created",
            "item_created",
            "status_changed",
            "item_edited"
        ]
    );
    outbox_drained(&server).await;
    assert_eq!(count(&server, "activity").await, 4);
}
