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
    assert_eq!(list.body["items"].as_array().unwrap().len(), 2);
    let phone_session = other_session(&laptop).await;
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

/// A session read is kept for `auth.credential_cache_ttl` like a token's (docs/decisions/0035):
/// revoked from the session list, it ends at once on that node and within the TTL on another.
#[tokio::test]
async fn a_revoked_session_ends_at_once_where_revoked_and_within_the_cache_ttl_elsewhere() {
    let a = TestServer::start().await;
    a.admin().await;
    let laptop = a.user("ada@example.com").await;
    let phone = a.client();
    let login = phone.login("ada@example.com", PASSWORD).await;
    assert_eq!(login.status, 200);
    let cookie = login
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("spectree_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let b = a.another_node().await;
    let phone_on_b = b.client();
    let me_on_b = || async {
        phone_on_b
            .send(
                phone_on_b
                    .request(reqwest::Method::GET, "/api/v1/me")
                    .header("cookie", &cookie),
            )
            .await
    };
    assert_eq!(me_on_b().await.status, 200);
    assert_eq!(phone.get("/api/v1/me").await.status, 200);

    let phone_session = other_session(&laptop).await;
    let r = laptop
        .delete(&format!("/api/v1/me/sessions/{phone_session}"))
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(phone.get("/api/v1/me").await.code(), "unauthenticated");
    assert_eq!(
        me_on_b().await.status,
        200,
        "node b's read is younger than the TTL"
    );
    b.clock.advance(a.config.auth.credential_cache_ttl);
    assert_eq!(me_on_b().await.code(), "unauthenticated");
    b.stop().await;
    a.stop().await;
}

/// The id of the one session of `c`'s user other than `c`'s own.
async fn other_session(c: &spectree_testkit::Client) -> String {
    let list = c.get("/api/v1/me/sessions").await;
    let items = list.body["items"].as_array().unwrap().clone();
    items.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}
