//! The web app in a real browser (Debian's Chromium through playwright-core): first-run
//! setup, and live collaboration between three people. The scenarios live in `web/e2e/`;
//! these tests start the server, prepare the fixture and print what the scenarios measured.

use serde_json::{Value, json};
use spectree_testkit::browser::{run_scenario, screenshot_dir};
use spectree_testkit::{Client, PASSWORD, TestServer};

use crate::support::{item, project_fixture};

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
