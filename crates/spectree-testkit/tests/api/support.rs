//! Fixtures shared by the API tests.

use serde_json::json;
use spectree_testkit::{Client, TestServer};

/// Invites `email` into `org` with `org_role` (by `inviter`), signs the person up with the
/// invitation, and returns their signed-in client and user id.
pub async fn member(
    server: &TestServer,
    inviter: &Client,
    org: &str,
    email: &str,
    org_role: Option<&str>,
) -> (Client, String) {
    let r = inviter
        .post(
            &format!("/api/v1/orgs/{org}/invitations"),
            &json!({"email": email, "org_role": org_role}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let token = server.mailed_token(email, "/invite");
    let c = server.client();
    let r = c
        .post(
            "/api/v1/auth/signup",
            &json!({"email": email, "name": "Member", "password": spectree_testkit::PASSWORD, "invitation_token": token}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    c.adopt_session(&r.body["session"]);
    let id = r.body["user"]["id"].as_str().unwrap().to_owned();
    (c, id)
}

/// A set-up server with an owner who has an organization: (server, owner, org id).
pub async fn org_fixture() -> (TestServer, Client, String) {
    let server = TestServer::start().await;
    let owner = server.admin().await;
    let org = owner.create_org("Acme", "acme").await;
    (server, owner, org)
}

/// Counts rows of a table (to check that refused requests changed nothing). Audit records
/// are linked into `audit_log` in the background, so they are linked first.
pub async fn count(server: &TestServer, table: &str) -> i64 {
    use sqlx::Row;
    if table == "audit_log" {
        server.app().chain_audit().await.unwrap();
    }
    let mut c = server.app().store().read().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) AS n FROM {table}"
    )))
    .fetch_one(&mut *c)
    .await
    .unwrap()
    .try_get::<i64, _>("n")
    .unwrap()
}

/// A set-up server with an owner, an organization, a team and a project:
/// (server, owner, org, team, project).
pub async fn project_fixture() -> (TestServer, Client, String, String, String) {
    project_fixture_with(|_| {}).await
}

/// [`project_fixture`] on a server whose configuration `tweak` adjusts.
pub async fn project_fixture_with(
    tweak: impl FnOnce(&mut spectree::config::Config),
) -> (TestServer, Client, String, String, String) {
    let server = TestServer::start_with(tweak).await;
    let owner = server.admin().await;
    let org = owner.create_org("Acme", "acme").await;
    let team = owner.create_team(&org, "Core", "core").await;
    let r = owner
        .post(
            &format!("/api/v1/teams/{team}/projects"),
            &json!({"name": "Checkout", "slug": "checkout"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let project = r.body["id"].as_str().unwrap().to_owned();
    (server, owner, org, team, project)
}

/// Creates an item and returns its id.
pub async fn item(c: &Client, project: &str, body: serde_json::Value) -> String {
    let r = c
        .post(&format!("/api/v1/projects/{project}/items"), &body)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

/// The titles of a project's tree, in tree order, with their depth.
pub async fn tree_titles(c: &Client, project: &str) -> Vec<(u64, String)> {
    let r = c.get(&format!("/api/v1/projects/{project}/tree")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["depth"].as_u64().unwrap(),
                n["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A member of the org with `role` on the team.
pub async fn team_member(
    server: &TestServer,
    owner: &Client,
    (org, team): (&str, &str),
    email: &str,
    role: &str,
) -> (Client, String) {
    let (c, id) = member(server, owner, org, email, None).await;
    let r = owner
        .put(
            &format!("/api/v1/teams/{team}/members/{id}"),
            &json!({"role": role}),
        )
        .await;
    assert!(r.status < 300, "{}", r.body);
    (c, id)
}
