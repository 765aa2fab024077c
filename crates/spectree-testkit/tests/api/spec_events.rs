//! The project event stream (Server-Sent Events): item changes arrive after they commit, for
//! people who can see the project only.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use spectree_testkit::Client;

use crate::support::{item, member, project_fixture};

/// An open event stream of a project.
pub(crate) struct Events {
    res: reqwest::Response,
    buf: String,
}

impl Events {
    pub(crate) async fn open(c: &Client, project: &str) -> Events {
        let res = c
            .request(Method::GET, &format!("/api/v1/projects/{project}/events"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        Events {
            res,
            buf: String::new(),
        }
    }

    /// The next `item` event's data, waiting with a generous deadline.
    pub(crate) async fn next_item(&mut self) -> Value {
        self.next("item").await
    }

    /// The next event called `name` (its data), waiting with a generous deadline.
    pub(crate) async fn next(&mut self, name: &str) -> Value {
        let wanted = format!("event: {name}");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let frame: String = self.buf.drain(..end + 2).collect();
                if frame.lines().any(|l| l == wanted) {
                    let data = frame
                        .lines()
                        .find_map(|l| l.strip_prefix("data: "))
                        .unwrap();
                    return serde_json::from_str(data).unwrap();
                }
                continue;
            }
            let chunk = tokio::time::timeout_at(deadline, self.res.chunk())
                .await
                .expect("an event in time")
                .unwrap()
                .expect("the stream stays open");
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

#[tokio::test]
async fn item_changes_reach_the_project_event_stream_in_order() {
    let (server, owner, _, _, project) = project_fixture().await;
    let mut events = Events::open(&owner, &project).await;
    let epic = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments"}),
    )
    .await;
    let story = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Card", "parent_id": epic}),
    )
    .await;
    let r = owner
        .patch(
            &format!("/api/v1/items/{story}"),
            &json!({"status": "ready"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = owner
        .post(
            &format!("/api/v1/items/{story}/move"),
            &json!({"parent_id": null}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        owner.delete(&format!("/api/v1/items/{epic}")).await.status,
        200
    );
    let r = owner
        .post_empty(&format!("/api/v1/projects/{project}/trash/{epic}/restore"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let mut seen = Vec::new();
    while seen.len() < 6 {
        let e = events.next_item().await;
        assert_eq!(e["project_id"], json!(project));
        let kind = e["kind"].as_str().unwrap().to_owned();
        let id = e["item_id"].as_str().unwrap().to_owned();
        // A REST update also reaches the row through the live document's projection, which
        // may announce it once more: keep one of each in a row.
        if seen.last() != Some(&(kind.clone(), id.clone())) {
            seen.push((kind, id));
        }
    }
    let expected = [
        ("created", &epic),
        ("created", &story),
        ("updated", &story),
        ("moved", &story),
        ("trashed", &epic),
        ("restored", &epic),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(k, i)| ((*k).to_owned(), (*i).clone()))
        .collect();
    assert_eq!(seen, expected);
    server.stop().await;
}

#[tokio::test]
async fn only_people_who_see_the_project_may_follow_its_events() {
    let (server, owner, org, _, project) = project_fixture().await;
    // A member of the organization without a role in the team does not see the project.
    let (outsider, _) = member(&server, &owner, &org, "out@example.com", None).await;
    let r = outsider
        .get(&format!("/api/v1/projects/{project}/events"))
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.code(), "not_found");
    let anonymous = server.client();
    let r = anonymous
        .get(&format!("/api/v1/projects/{project}/events"))
        .await;
    assert_eq!(r.status, 401);
    server.stop().await;
}

#[tokio::test]
async fn a_follower_removed_from_the_team_has_their_event_stream_ended() {
    let (server, owner, org, team, project) = project_fixture().await;
    let (ed, ed_id) = member(&server, &owner, &org, "ed@example.com", None).await;
    let r = owner
        .put(
            &format!("/api/v1/teams/{team}/members/{ed_id}"),
            &json!({"role": "editor"}),
        )
        .await;
    assert!(r.status < 300, "{}", r.body);
    let mut events = Events::open(&ed, &project).await;
    let first = item(&owner, &project, json!({"type": "epic", "title": "Seen"})).await;
    assert_eq!(events.next_item().await["item_id"], json!(first));
    // Someone else's access changing leaves the stream open.
    let (_other, other_id) = member(&server, &owner, &org, "other@example.com", None).await;
    let r = owner
        .put(
            &format!("/api/v1/teams/{team}/members/{other_id}"),
            &json!({"role": "viewer"}),
        )
        .await;
    assert!(r.status < 300, "{}", r.body);
    let second = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Also seen"}),
    )
    .await;
    assert_eq!(events.next_item().await["item_id"], json!(second));

    let r = owner
        .delete(&format!("/api/v1/teams/{team}/members/{ed_id}"))
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    // The stream ends (after at most what was already on its way), and nothing made after
    // the removal reaches it.
    let hidden = item(&owner, &project, json!({"type": "epic", "title": "Hidden"})).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut rest = String::new();
    loop {
        let chunk = tokio::time::timeout_at(deadline, events.res.chunk())
            .await
            .expect("the stream ends in time")
            .unwrap();
        match chunk {
            Some(bytes) => rest.push_str(&String::from_utf8_lossy(&bytes)),
            None => break,
        }
    }
    assert!(!rest.contains(&hidden), "{rest}");
    server.stop().await;
}
