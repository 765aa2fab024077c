//! Personal API tokens.

use std::time::Duration;

use serde_json::json;
use spectree_testkit::TestServer;
use sqlx::Row;

#[tokio::test]
async fn api_tokens_authenticate_without_csrf_and_stop_when_revoked() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let r = admin
        .post("/api/v1/me/tokens", &json!({"name": "ci"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let secret = r.body["secret"].as_str().unwrap().to_owned();
    let id = r.body["token"]["id"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("stp_") && secret.len() >= 40);

    let script = admin.with_token(&secret);
    let me = script.get("/api/v1/me").await;
    assert_eq!(me.status, 200);
    assert!(me.body.get("csrf_token").is_none());
    assert_eq!(
        script
            .post("/api/v1/orgs", &json!({"name": "Acme", "slug": "acme"}))
            .await
            .status,
        201
    );

    let list = admin.get("/api/v1/me/tokens").await;
    assert_eq!(list.body["items"][0]["id"], id.as_str());
    assert!(
        !list.body.to_string().contains(&secret),
        "the secret is never shown again"
    );
    assert!(list.body["items"][0]["last_used_at"].is_string());

    // Only the SHA-256 of the secret is stored.
    let mut c = server.app().store().read().await.unwrap();
    let stored: String = sqlx::query("SELECT token_hash FROM api_tokens")
        .fetch_one(&mut *c)
        .await
        .unwrap()
        .try_get("token_hash")
        .unwrap();
    drop(c);
    assert_eq!(stored, spectree_app::secret::token_hash(&secret));

    assert_eq!(
        admin
            .delete(&format!("/api/v1/me/tokens/{id}"))
            .await
            .status,
        204
    );
    assert_eq!(script.get("/api/v1/me").await.code(), "unauthenticated");
    assert_eq!(
        admin.get("/api/v1/me/tokens").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    server.stop().await;
}

#[tokio::test]
async fn tokens_expire_and_unknown_tokens_are_refused() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let r = admin
        .post(
            "/api/v1/me/tokens",
            &json!({"name": "short", "expires_in_days": 1}),
        )
        .await;
    let script = admin.with_token(r.body["secret"].as_str().unwrap());
    assert_eq!(script.get("/api/v1/me").await.status, 200);
    server.clock.advance(Duration::from_secs(86_401));
    assert_eq!(script.get("/api/v1/me").await.code(), "unauthenticated");
    let forged = admin.with_token("stp_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assert_eq!(forged.get("/api/v1/me").await.status, 401);
    let r = admin
        .post(
            "/api/v1/me/tokens",
            &json!({"name": "x", "expires_in_days": 0}),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "validation_failed"));
    let r = admin
        .post("/api/v1/me/tokens", &json!({"name": "  "}))
        .await;
    assert_eq!((r.status, r.code()), (422, "validation_failed"));
    server.stop().await;
}

/// A new token of the signed-in user: (secret, id).
async fn new_token(c: &spectree_testkit::Client) -> (String, String) {
    let r = c.post("/api/v1/me/tokens", &json!({"name": "ci"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let secret = r.body["secret"].as_str().unwrap().to_owned();
    (secret, r.body["token"]["id"].as_str().unwrap().to_owned())
}

/// A node keeps a token it read for `auth.credential_cache_ttl` (docs/decisions/0035): a
/// revoke ends it at once on the node that revoked it, and on another node once that node's
/// read is that old (on the node's own injected clock).
#[tokio::test]
async fn a_revoked_token_ends_at_once_where_revoked_and_within_the_cache_ttl_elsewhere() {
    let a = TestServer::start().await;
    assert_eq!(a.config.auth.credential_cache_ttl, Duration::from_secs(1));
    let admin = a.admin().await;
    let (secret, id) = new_token(&admin).await;
    let b = a.another_node().await;
    let on_a = admin.with_token(&secret);
    let on_b = b.client().with_token(&secret);
    assert_eq!(on_a.get("/api/v1/me").await.status, 200);
    assert_eq!(on_b.get("/api/v1/me").await.status, 200);
    let (hits, kept) = b.app().credential_cache_stats();
    assert_eq!((hits, kept), (0, 1), "node b read the token and kept it");
    assert_eq!(on_b.get("/api/v1/me").await.status, 200);
    assert_eq!(
        b.app().credential_cache_stats().0,
        1,
        "then answered from it"
    );

    let revoked = admin.delete(&format!("/api/v1/me/tokens/{id}")).await;
    assert_eq!(revoked.status, 204);
    assert_eq!(on_a.get("/api/v1/me").await.code(), "unauthenticated");
    b.clock.advance(Duration::from_millis(900));
    assert_eq!(
        on_b.get("/api/v1/me").await.status,
        200,
        "node b's read of the token is younger than the TTL"
    );
    b.clock.advance(Duration::from_millis(100));
    assert_eq!(on_b.get("/api/v1/me").await.code(), "unauthenticated");
    // The refusal was read from the database, and is kept too.
    assert_eq!(on_b.get("/api/v1/me").await.code(), "unauthenticated");
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn with_the_credential_cache_off_a_revoke_ends_a_token_on_every_node_at_once() {
    let a = TestServer::start_with(|c| c.auth.credential_cache_ttl = Duration::ZERO).await;
    let admin = a.admin().await;
    let (secret, id) = new_token(&admin).await;
    let b = a.another_node().await;
    let on_b = b.client().with_token(&secret);
    assert_eq!(on_b.get("/api/v1/me").await.status, 200);
    assert_eq!(on_b.get("/api/v1/me").await.status, 200);
    assert_eq!(b.app().credential_cache_stats(), (0, 0));
    let revoked = admin.delete(&format!("/api/v1/me/tokens/{id}")).await;
    assert_eq!(revoked.status, 204);
    assert_eq!(on_b.get("/api/v1/me").await.code(), "unauthenticated");
    b.stop().await;
    a.stop().await;
}
