//! The embedded web app: served at `/`, client routes answered with the app shell, server
//! paths never swallowed by it.

use reqwest::Method;

use crate::support::org_fixture;

#[tokio::test]
async fn the_web_app_is_served_at_the_root_and_for_its_client_routes() {
    let (server, owner, _) = org_fixture().await;
    for path in ["/", "/login", "/projects/abc/items/def"] {
        let r = owner.send(owner.request(Method::GET, path)).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("content-type"), Some("text/html"), "{path}");
        assert_eq!(r.header("cache-control"), Some("no-cache"), "{path}");
        assert!(
            r.body.as_str().unwrap().contains(r#"<div id="app">"#),
            "{path}"
        );
    }
    // The hashed bundle the shell names is served, cacheable for good.
    let shell = owner.get("/").await.body.as_str().unwrap().to_owned();
    let script = shell
        .split("src=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    assert!(script.starts_with("/assets/"), "{script}");
    let r = owner.send(owner.request(Method::GET, &script)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/javascript"));
    assert_eq!(
        r.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    server.stop().await;
}

#[tokio::test]
async fn unknown_server_paths_and_missing_files_stay_problem_json_404s() {
    let (server, owner, _) = org_fixture().await;
    for path in [
        "/api/v1/nope",
        "/api",
        "/collab",
        "/assets/missing.js",
        "/favicon.ico",
    ] {
        let r = owner.send(owner.request(Method::GET, path)).await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.code(), "not_found", "{path}");
    }
    let r = owner.send(owner.request(Method::POST, "/login")).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.code(), "method_not_allowed");
    server.stop().await;
}
