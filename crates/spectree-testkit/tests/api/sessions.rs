//! Server-side sessions: listing, revoking, idle and absolute expiry.

use std::time::Duration;

use spectree_testkit::{PASSWORD, TestServer};

#[tokio::test]
async fn sessions_end_after_the_idle_timeout() {
    let server = TestServer::start_with(|c| {
        c.auth.session_idle_timeout = Duration::from_secs(600);
        c.auth.session_absolute_timeout = Duration::from_secs(3600);
    })
    .await;
    server.admin().await;
    let ada = server.user("ada@example.com").await;
    server.clock.advance(Duration::from_secs(540));
    assert_eq!(
        ada.get("/api/v1/me").await.status,
        200,
        "activity within the idle period"
    );
    server.clock.advance(Duration::from_secs(540));
    assert_eq!(
        ada.get("/api/v1/me").await.status,
        200,
        "activity renewed the idle period"
    );
    server.clock.advance(Duration::from_secs(601));
    assert_eq!(ada.get("/api/v1/me").await.code(), "unauthenticated");
    server.stop().await;
}

#[tokio::test]
async fn sessions_end_at_the_absolute_timeout_however_active() {
    let server = TestServer::start_with(|c| {
        c.auth.session_idle_timeout = Duration::from_secs(600);
        c.auth.session_absolute_timeout = Duration::from_secs(1800);
    })
    .await;
    server.admin().await;
    let ada = server.user("ada@example.com").await;
    for _ in 0..3 {
        server.clock.advance(Duration::from_secs(500));
        assert_eq!(ada.get("/api/v1/me").await.status, 200);
    }
    server.clock.advance(Duration::from_secs(301));
    assert_eq!(ada.get("/api/v1/me").await.code(), "unauthenticated");
    server.stop().await;
}

#[tokio::test]
async fn a_user_can_list_and_revoke_their_sessions() {
    let server = TestServer::start().await;
    server.admin().await;
    let laptop = server.user("ada@example.com").await;
    let phone = server.client();
    assert_eq!(phone.login("ada@example.com", PASSWORD).await.status, 200);
    let list = laptop.get("/api/v1/me/sessions").await;
    let items = list.body["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    let phone_session = items.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = laptop
        .delete(&format!("/api/v1/me/sessions/{phone_session}"))
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(phone.get("/api/v1/me").await.code(), "unauthenticated");
    assert_eq!(laptop.get("/api/v1/me").await.status, 200);
    let r = laptop
        .delete(&format!("/api/v1/me/sessions/{phone_session}"))
        .await;
    assert_eq!((r.status, r.code()), (404, "not_found"));
    server.stop().await;
}
