//! The web app in a real browser (Debian's Chromium through playwright-core): first-run
//! setup, and live collaboration between three people. The scenarios live in `web/e2e/`;
//! these tests start the server, prepare the fixture and print what the scenarios measured.

use serde_json::{Value, json};
use spectree_testkit::browser::{run_scenario, screenshot_dir};
use spectree_testkit::{Client, PASSWORD, TestServer};

use crate::support::{item, project_fixture, project_fixture_with};
use crate::webhooks::{Receiver, signed_with};

#[tokio::test]
async fn first_run_setup_sign_up_and_the_mailed_links_work_in_the_browser() {
    let server = TestServer::start().await;
    let fixture = json!({
        "setupCode": server.setup_code.clone().unwrap(),
        "name": "Ada Admin",
        "email": "ada@example.com",
        "password": PASSWORD,
        "outbox": server.config.data_dir.join("outbox"),
    });
    let shots = screenshot_dir();
    let result = run_scenario("setup", &server.base, &fixture, shots.as_deref())
        .await
        .unwrap();
    eprintln!("setup scenario measured: {result}");
    // The browser's work is visible through the API: the administrator can log in and owns
    // the organization, team, project and epic made through the UI.
    let c = server.client();
    assert_eq!(c.login("ada@example.com", PASSWORD).await.status, 200);
    let me = c.get("/api/v1/me").await;
    assert_eq!(me.body["user"]["instance_admin"], json!(true));
    assert_eq!(me.body["organizations"][0]["name"], json!("Acme Rockets"));
    assert!(result["jsGzipBytes"].as_u64().unwrap() > 0);
    // Indenting an epic under an epic was refused, visibly, with the server's code.
    let refusal = result["rankRefusal"].as_str().unwrap();
    assert!(refusal.contains("(rank_violation)"), "{refusal}");
    server.stop().await;
}

/// Invites `email` into the organization, signs them up as `name`, and gives them `role` in
/// the team. Returns their client.
async fn teammate(
    server: &TestServer,
    owner: &Client,
    org: &str,
    team: &str,
    (email, name, role): (&str, &str, &str),
) -> Client {
    let r = owner
        .post(
            &format!("/api/v1/orgs/{org}/invitations"),
            &json!({"email": email, "team_id": team, "team_role": role}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let token = server.mailed_token(email, "/invite");
    let c = server.client();
    let r = c
        .post(
            "/api/v1/auth/signup",
            &json!({"email": email, "name": name, "password": PASSWORD, "invitation_token": token}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    c
}

#[tokio::test]
async fn two_people_edit_one_item_live_in_two_browsers_and_a_viewer_cannot_type() {
    let (server, owner, org, team, project) = project_fixture().await;
    teammate(
        &server,
        &owner,
        &org,
        &team,
        ("bea@example.com", "Bea Editor", "editor"),
    )
    .await;
    teammate(
        &server,
        &owner,
        &org,
        &team,
        ("vic@example.com", "Vic Viewer", "viewer"),
    )
    .await;
    let epic = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments"}),
    )
    .await;
    let story = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Pay by card", "parent_id": epic, "priority": "high",
               "description": "## Goal\n\nCustomers pay with a saved card in **one step**.\n\n- Visa and Mastercard\n- 3-D Secure when the bank asks\n\n"}),
    )
    .await;
    // More of a tree around it, as a real project has.
    let accounts = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Accounts"}),
    )
    .await;
    let sign_in = item(
        &owner,
        &project,
        json!({"type": "feature", "title": "Sign-in", "parent_id": accounts, "status": "in_progress"}),
    )
    .await;
    for (title, status) in [
        ("Password reset by email", "done"),
        ("Two-factor log-in", "ready"),
    ] {
        item(
            &owner,
            &project,
            json!({"type": "story", "title": title, "parent_id": sign_in, "status": status}),
        )
        .await;
    }
    let user =
        |email: &str, name: &str| json!({"email": email, "name": name, "password": PASSWORD});
    let fixture = json!({
        "org": org, "project": project, "epic": epic, "story": story, "epicTitle": "Payments",
        "admin": user("admin@example.com", "Admin"),
        "editor": user("bea@example.com", "Bea Editor"),
        "viewer": user("vic@example.com", "Vic Viewer"),
    });
    let shots = screenshot_dir();
    let result = run_scenario("collab", &server.base, &fixture, shots.as_deref())
        .await
        .unwrap();
    eprintln!("collab scenario measured: {result}");
    // What the browsers did is in the item's row once projected.
    let mut last = Value::Null;
    for _ in 0..200 {
        last = owner.get(&format!("/api/v1/items/{story}")).await.body;
        let d = last["description"].as_str().unwrap_or_default();
        if d.contains("[kept in IndexedDB]") && last["title"] == json!("Pay by card, live") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let d = last["description"].as_str().unwrap();
    for part in [
        "Alice was here. ",
        "Bea too. ",
        "[offline edit]",
        "[online edit]",
        "[kept in IndexedDB]",
    ] {
        assert!(d.contains(part), "{part:?} missing from {d:?}");
    }
    assert!(!d.contains("viewer text"));
    assert_eq!(last["status"], json!("in_progress"));
    assert_eq!(
        last["acceptance_criteria"][0]["text"],
        json!("Card is charged once")
    );
    assert_eq!(last["acceptance_criteria"][0]["done"], json!(true));
    // Dragging the epic under its own feature was refused, visibly, with the server's code.
    let refusal = result["refusal"].as_str().unwrap();
    assert!(refusal.contains("(move_into_own_subtree)"), "{refusal}");
    server.stop().await;
}

#[tokio::test]
async fn comments_follow_their_text_and_history_diffs_and_restores_reach_the_other_browser() {
    let (server, owner, org, team, project) = project_fixture().await;
    let bea = teammate(
        &server,
        &owner,
        &org,
        &team,
        ("bea@example.com", "Bea Editor", "editor"),
    )
    .await;
    // Olga is in the organization but not in the project's team: mentioning her reveals
    // nothing, and the browser says so.
    let other = owner.create_team(&org, "Other", "other").await;
    teammate(
        &server,
        &owner,
        &org,
        &other,
        ("olga@example.com", "Olga Outsider", "editor"),
    )
    .await;
    let epic = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments"}),
    )
    .await;
    let story = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Pay by card", "parent_id": epic,
               "description": "Customers pay with a saved card in one step.\n\n"}),
    )
    .await;
    let user =
        |email: &str, name: &str| json!({"email": email, "name": name, "password": PASSWORD});
    let fixture = json!({
        "org": org, "project": project, "epic": epic, "story": story, "epicTitle": "Payments",
        "admin": user("admin@example.com", "Admin"),
        "editor": user("bea@example.com", "Bea Editor"),
    });
    let shots = screenshot_dir();
    let result = run_scenario("discuss", &server.base, &fixture, shots.as_deref())
        .await
        .unwrap();
    eprintln!("discuss scenario measured: {result}");
    // The thread the browser made is anchored on the moved text, open, with the edited
    // first comment and the deleted reply in place.
    let threads = bea.get(&format!("/api/v1/items/{story}/threads")).await;
    assert_eq!(threads.status, 200, "{}", threads.body);
    let all = threads.body["items"].as_array().unwrap();
    let quoted = |q: &str| {
        all.iter()
            .find(|t| t["anchor"]["quote"] == json!(q))
            .unwrap_or_else(|| panic!("no thread on {q:?}: {all:?}"))
    };
    let t = quoted("saved card");
    assert_eq!(t["anchor"]["text"], json!("saved card"));
    assert_eq!(t["anchor"]["detached"], json!(false));
    assert_eq!(quoted("one step")["anchor"]["detached"], json!(true));
    assert!(
        quoted("our servers")["anchor"]["field"]
            .as_str()
            .unwrap()
            .starts_with("criterion:")
    );
    assert_eq!(t["resolved"], json!(false));
    assert_eq!(t["comments"][0]["body"], json!("Which cards do we take?"));
    assert!(t["comments"][0]["edited_at"].is_string());
    assert_eq!(t["comments"][1]["deleted"], json!(true));
    let notice = result["mentionNotice"].as_str().unwrap();
    assert!(notice.contains("@olga cannot see this item"), "{notice}");
    // The restore put the named version back: Bea's intro stays, her later sentence is gone.
    let mut last = Value::Null;
    for _ in 0..200 {
        last = owner.get(&format!("/api/v1/items/{story}")).await.body;
        let d = last["description"].as_str().unwrap_or_default();
        if d.starts_with("Intro: ") && !d.contains("Express checkout.") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let d = last["description"].as_str().unwrap();
    assert!(
        d.starts_with("Intro: ") && !d.contains("Express checkout."),
        "{d:?}"
    );
    // The restore is a version of its own (written as the live document's change lands).
    let mut versions = Value::Null;
    for _ in 0..200 {
        versions = owner
            .get(&format!("/api/v1/items/{story}/versions"))
            .await
            .body;
        if versions["items"]
            .as_array()
            .is_some_and(|vs| vs.iter().any(|v| v["kind"] == json!("restore")))
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        versions["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["kind"] == json!("restore")),
        "{versions}"
    );
    // The snapshot restore sent the epic made after the snapshot to the trash.
    let trash = owner
        .get(&format!("/api/v1/projects/{project}/trash"))
        .await;
    assert!(
        trash.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["title"] == json!("Loyalty points")),
        "{}",
        trash.body
    );
    server.stop().await;
}

/// 10 epics × 10 features × 10 stories × 10 tasks, with their parents: 11,110 items, in the
/// project export format (imported in one request).
fn big_project() -> (Value, usize) {
    let mut items = Vec::new();
    let mut add = |parent: Option<String>, ty: &str, title: String| {
        let id = uuid::Uuid::now_v7().to_string();
        items.push(
            json!({"id": id, "parent_id": parent, "type": ty, "status": "draft",
                          "priority": "medium", "title": title}),
        );
        id
    };
    for e in 0..10 {
        let epic = add(None, "epic", format!("Epic {e}"));
        for f in 0..10 {
            let feature = add(Some(epic.clone()), "feature", format!("Feature {e}.{f}"));
            for s in 0..10 {
                let story = add(Some(feature.clone()), "story", format!("Story {e}.{f}.{s}"));
                for t in 0..10 {
                    add(Some(story.clone()), "task", format!("Task {e}.{f}.{s}.{t}"));
                }
            }
        }
    }
    let n = items.len();
    (
        json!({"format": "spectree.project.v1",
               "project": {"name": "Big", "slug": "big"}, "items": items}),
        n,
    )
}

#[tokio::test]
async fn a_tree_of_ten_thousand_items_renders_a_window_of_rows_and_scrolls() {
    let (server, owner, _org, team, _project) = project_fixture().await;
    let (export, n) = big_project();
    let r = owner
        .post(&format!("/api/v1/teams/{team}/projects/import"), &export)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["items_created"], json!(n));
    let project = r.body["project"]["id"].as_str().unwrap().to_owned();
    let fixture = json!({
        "project": project, "items": n,
        "firstTitle": "Epic 0", "lastTitle": "Task 9.9.9.9",
        "admin": {"email": "admin@example.com", "name": "Admin", "password": PASSWORD},
    });
    let shots = screenshot_dir();
    let result = run_scenario("bigtree", &server.base, &fixture, shots.as_deref())
        .await
        .unwrap();
    eprintln!("bigtree scenario measured: {result}");
    assert!(result["rowsInDom"].as_u64().unwrap() <= 200, "{result}");
    assert_eq!(result["items"], json!(n));
    server.stop().await;
}

#[tokio::test]
async fn mentions_reach_the_inbox_live_ai_writing_is_watched_and_views_and_webhooks_work_in_the_browser()
 {
    let (server, owner, org, team, project) = project_fixture_with(|c| {
        // The test's own webhook receiver runs on 127.0.0.1.
        c.webhooks.allow_private_targets = true;
        // Slow enough to watch the text arrive, and to cancel a job.
        c.ai.offline_token_interval = std::time::Duration::from_millis(120);
        // A live editing session becomes one activity once it has been idle this long.
        c.history.version_idle = std::time::Duration::from_secs(1);
        c.history.close_interval = std::time::Duration::from_millis(200);
    })
    .await;
    let bea = teammate(
        &server,
        &owner,
        &org,
        &team,
        ("bea@example.com", "Bea Editor", "editor"),
    )
    .await;
    let epic = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Payments"}),
    )
    .await;
    let story = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Pay by card", "parent_id": epic,
               "description": "Customers pay with a saved card in one step.\n\n"}),
    )
    .await;
    let (hooks, hooks_base) = Receiver::start(vec![]).await;
    let hook_url = format!("{hooks_base}/hook");
    let user =
        |email: &str, name: &str| json!({"email": email, "name": name, "password": PASSWORD});
    let fixture = json!({
        "org": org, "team": team, "project": project, "epic": epic, "story": story,
        "storyTitle": "Pay by card", "receiver": hook_url,
        "admin": user("admin@example.com", "Admin"),
        "editor": user("bea@example.com", "Bea Editor"),
    });
    // The server's clock follows real time here, so live editing sessions close (as
    // activity) after their idle time while the browsers work.
    let clock = server.clock.clone();
    let ticker = tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            clock.advance(std::time::Duration::from_millis(100));
        }
    });
    let shots = screenshot_dir();
    let result = run_scenario("aware", &server.base, &fixture, shots.as_deref()).await;
    ticker.abort();
    let result = result.unwrap();
    eprintln!("aware scenario measured: {result}");
    // The mention Bea saw is in her inbox, read (she opened it).
    let r = bea.get("/api/v1/me/notifications?state=all").await;
    let mention = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == json!("mentioned"))
        .unwrap_or_else(|| panic!("no mention: {}", r.body))
        .clone();
    assert_eq!(mention["state"], json!("read"));
    assert_eq!(result["mentionSummary"], mention["summary"]);
    assert!(
        result["feedEntry"]
            .as_str()
            .unwrap()
            .contains("from draft to in review"),
        "{result}"
    );
    // The preference Bea chose, and the subtree watch.
    let prefs = bea.get("/api/v1/me/notification-preferences").await;
    let commented = prefs.body["preferences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == json!("commented"))
        .unwrap()
        .clone();
    assert_eq!(commented["email"], json!(true));
    assert_eq!(commented["digest"], json!(false));
    assert_eq!(result["watch"]["watch"]["subtree"], json!(true));
    // The AI wrote as a participant of its own, watched in several states; the second job
    // was cancelled from Bea's browser.
    assert!(result["aiIntermediateStates"].as_u64().unwrap() >= 3);
    assert_eq!(result["aiAvatar"], json!(true));
    assert!(
        result["aiCarets"]
            .as_array()
            .unwrap()
            .contains(&json!("AI (for Admin)")),
        "{result}"
    );
    let cancelled = result["cancelledGeneration"].as_str().unwrap();
    let g = owner.get(&format!("/api/v1/generations/{cancelled}")).await;
    assert_eq!(g.body["state"], json!("cancelled"), "{}", g.body);
    let row = owner.get(&format!("/api/v1/items/{story}")).await;
    assert!(
        row.body["description"].as_str().unwrap().len() > 60,
        "{}",
        row.body
    );
    // The view Bea opened by its link is shared with the team and filters as built.
    let views = bea.get(&format!("/api/v1/projects/{project}/views")).await;
    let view = &views.body["items"][0];
    assert_eq!(view["name"], json!("Stories to review"));
    assert_eq!(view["visibility"], json!("team"));
    assert_eq!(view["definition"]["group_by"], json!("status"));
    assert_eq!(view["definition"]["filters"]["types"], json!(["story"]));
    assert_eq!(
        view["definition"]["filters"]["statuses"],
        json!(["in_review"])
    );
    assert_eq!(
        result["viewLink"].as_str().unwrap(),
        view["link"].as_str().unwrap()
    );
    // The receiver got the ping and its replay, signed with the secret the page showed,
    // then a ping signed with the rotated one.
    let got = hooks.wait_for(3).await;
    let (secret, rotated) = (
        result["secret"].as_str().unwrap(),
        result["rotatedSecret"].as_str().unwrap(),
    );
    assert_ne!(secret, rotated);
    let (last, before) = got.split_last().unwrap();
    assert!(before.iter().all(|r| signed_with(r, secret)), "{result}");
    assert!(signed_with(last, rotated), "{result}");
    assert!(result["deliveries"].as_u64().unwrap() >= 3, "{result}");
    server.stop().await;
}
