//! Bad input gets a 4xx problem+json with a stable code, and nothing changes.

use reqwest::Method;
use serde_json::json;

use crate::support::{count, org_fixture};

#[tokio::test]
async fn malformed_bodies_are_refused_with_stable_codes_and_change_nothing() {
    let (server, owner, _org) = org_fixture().await;
    let orgs_before = count(&server, "organizations").await;
    let audit_before = count(&server, "audit_log").await;

    let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
        (
            owner
                .request(Method::POST, "/api/v1/orgs")
                .header("content-type", "application/json")
                .body("{\"name\": \"A\", "),
            400,
            "malformed_json",
        ),
        (
            owner
                .request(Method::POST, "/api/v1/orgs")
                .json(&json!({"name": "A", "slug": "aa", "plan": "free"})),
            422,
            "invalid_body",
        ),
        (
            owner
                .request(Method::POST, "/api/v1/orgs")
                .json(&json!({"name": 7, "slug": "aa"})),
            422,
            "invalid_body",
        ),
        (
            owner
                .request(Method::POST, "/api/v1/orgs")
                .json(&json!({"slug": "aa"})),
            422,
            "invalid_body",
        ),
        (
            owner
                .request(Method::POST, "/api/v1/orgs")
                .json(&json!([1, 2])),
            422,
            "invalid_body",
        ),
        (
            owner
                .request(Method::POST, "/api/v1/orgs")
                .body("{\"name\":\"A\",\"slug\":\"aa\"}"),
            415,
            "unsupported_media_type",
        ),
        (
            owner
                .request(Method::POST, "/api/v1/orgs")
                .json(&json!({"name": "x".repeat(2 * 1024 * 1024), "slug": "aa"})),
            413,
            "body_too_large",
        ),
        (
            owner
                .request(Method::POST, "/api/v1/orgs")
                .json(&json!({"name": "x".repeat(500), "slug": "aa"})),
            422,
            "invalid_name",
        ),
    ];
    for (req, status, code) in cases {
        let r = owner.send(req).await;
        assert_eq!((r.status, r.code()), (status, code), "{}", r.body);
        assert_eq!(r.header("content-type"), Some("application/problem+json"));
        assert_eq!(r.body["status"], status);
        assert!(r.body["detail"].is_string() && r.body["title"].is_string());
        assert_eq!(r.body["type"], format!("urn:spectree:problem:{code}"));
    }
    assert_eq!(count(&server, "organizations").await, orgs_before);
    assert_eq!(count(&server, "audit_log").await, audit_before);
    server.stop().await;
}

#[tokio::test]
async fn bad_ids_queries_routes_and_methods_get_problem_answers() {
    let (server, owner, org) = org_fixture().await;
    let r = owner.get("/api/v1/orgs/not-a-uuid").await;
    assert_eq!((r.status, r.code()), (400, "invalid_id"));
    let r = owner.get(&format!("/api/v1/orgs/{}", uuid_v7())).await;
    assert_eq!((r.status, r.code()), (404, "not_found"));
    let r = owner
        .get(&format!("/api/v1/orgs/{org}/members?limit=lots"))
        .await;
    assert_eq!((r.status, r.code()), (400, "invalid_query"));
    let r = owner
        .get(&format!("/api/v1/orgs/{org}/members?sort=name"))
        .await;
    assert_eq!((r.status, r.code()), (400, "invalid_query"));
    let r = owner.get("/api/v1/nothing-here").await;
    assert_eq!((r.status, r.code()), (404, "not_found"));
    let r = owner.delete("/api/v1/orgs").await;
    assert_eq!((r.status, r.code()), (405, "method_not_allowed"));
    server.stop().await;
}

#[tokio::test]
async fn duplicate_emails_and_weak_passwords_are_refused_without_a_trace() {
    let (server, _owner, _org) = org_fixture().await;
    server.user("ada@example.com").await;
    let users_before = count(&server, "users").await;
    let c = server.client();
    let r = c
        .post("/api/v1/auth/signup", &json!({"email": "ADA@example.com", "name": "Ada 2", "password": spectree_testkit::PASSWORD}))
        .await;
    assert_eq!((r.status, r.code()), (409, "email_taken"));
    let r = c
        .post(
            "/api/v1/auth/signup",
            &json!({"email": "b@example.com", "name": "B", "password": "short"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "weak_password"));
    let r = c
        .post(
            "/api/v1/auth/signup",
            &json!({"email": "nope", "name": "B", "password": spectree_testkit::PASSWORD}),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "invalid_email"));
    assert_eq!(count(&server, "users").await, users_before);
    server.stop().await;
}

fn uuid_v7() -> String {
    spectree_domain::ids::OrgId::new().to_string()
}
