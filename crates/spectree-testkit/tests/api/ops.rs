//! Health, readiness, metrics and the served API document.

use serde_json::json;
use spectree_testkit::TestServer;

#[tokio::test]
async fn health_endpoints_answer() {
    let server = TestServer::start().await;
    let c = server.client();
    let r = c.get("/livez").await;
    assert_eq!((r.status, r.body.as_str()), (200, Some("ok")));
    let r = c.get("/readyz").await;
    assert_eq!((r.status, r.body.as_str()), (200, Some("ok")));
    server.stop().await;
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let server = TestServer::start().await;
    server.app().store().close().await;
    let r = server.client().get("/readyz").await;
    assert_eq!((r.status, r.code()), (503, "unavailable"));
    assert_eq!(server.client().get("/livez").await.status, 200);
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_show_the_pool() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let org = admin.create_org("Acme", "acme").await;
    admin.get(&format!("/api/v1/orgs/{org}")).await;
    admin.get(&format!("/api/v1/orgs/{org}")).await;
    admin
        .post("/api/v1/orgs", &json!({"name": "Acme", "slug": "acme"}))
        .await;
    let r = admin.get("/metrics").await;
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = r.body.as_str().unwrap();
    assert!(
        text.contains(r#"spectree_http_requests_total{method="GET",route="/api/v1/orgs/{org}",status="200"} 2"#),
        "{text}"
    );
    assert!(text.contains(
        r#"spectree_http_requests_total{method="POST",route="/api/v1/orgs",status="409"} 1"#
    ));
    assert!(text.contains("spectree_http_request_duration_seconds_bucket"));
    assert!(text.contains("spectree_db_pool_connections "));
    assert!(!text.contains(&org), "ids never become labels");
    server.stop().await;
}

#[tokio::test]
async fn the_served_api_document_is_openapi_3_1_and_matches_the_handlers() {
    let server = TestServer::start().await;
    let r = server.client().get("/api/openapi.json").await;
    assert_eq!(r.status, 200);
    assert!(r.body["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(r.body, serde_json::to_value(spectree_http_doc()).unwrap());
    for path in [
        "/api/v1/auth/signup",
        "/api/v1/me/tokens",
        "/api/v1/teams/{team}/members/{user}",
    ] {
        assert!(r.body["paths"].get(path).is_some(), "{path} missing");
    }
    server.stop().await;
}

fn spectree_http_doc() -> serde_json::Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/openapi.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn the_sqlite_writer_cache_is_fitted_to_the_database() {
    let server = TestServer::start().await;
    let store = server.app().store();
    let fitted = store.fit_writer_cache(65536).await.unwrap();
    if store.dialect() == spectree_store::Dialect::Sqlite {
        // A new database is far below 8 MiB: the writer keeps the reader's 2 MiB.
        assert_eq!(fitted, Some(2048));
        assert_eq!(store.fit_writer_cache(1024).await.unwrap(), Some(1024));
    } else {
        assert_eq!(fitted, None);
    }
    server.stop().await;
}
