//! First-run setup, sign-up, log-in, log-out, verification, password reset, rate limits,
//! CSRF and Origin checks.

use std::time::Duration;

use serde_json::json;
use spectree_testkit::{PASSWORD, TestServer};

#[tokio::test]
async fn a_fresh_instance_needs_setup_and_refuses_sign_up_until_then() {
    let server = TestServer::start().await;
    let c = server.client();
    assert_eq!(c.get("/api/v1/setup").await.body["required"], true);
    let r = c
        .post(
            "/api/v1/auth/signup",
            &json!({"email": "a@example.com", "name": "A", "password": PASSWORD}),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "setup_required"));

    let r = c
        .post("/api/v1/setup", &json!({"code": "WRONG-CODE", "email": "admin@example.com", "name": "Admin", "password": PASSWORD}))
        .await;
    assert_eq!((r.status, r.code()), (403, "invalid_setup_code"));

    let admin = server.admin().await;
    let me = admin.get("/api/v1/me").await;
    assert_eq!(me.body["user"]["instance_admin"], true);
    assert_eq!(me.body["user"]["email_verified"], true);
    assert_eq!(c.get("/api/v1/setup").await.body["required"], false);

    let code = server.setup_code.clone().unwrap();
    let r = c
        .post(
            "/api/v1/setup",
            &json!({"code": code, "email": "b@example.com", "name": "B", "password": PASSWORD}),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "already_set_up"));
    let r = c
        .post(
            "/api/v1/auth/signup",
            &json!({"email": "a@example.com", "name": "A", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    server.stop().await;
}

#[tokio::test]
async fn people_sign_up_sign_in_and_sign_out() {
    let server = TestServer::start().await;
    server.admin().await;
    let ada = server.user("ada@example.com").await;
    let me = ada.get("/api/v1/me").await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["user"]["email"], "ada@example.com");
    assert!(me.body["csrf_token"].is_string());

    let r = ada.post_empty("/api/v1/auth/logout").await;
    assert_eq!(r.status, 204);
    assert!(r.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert_eq!(ada.get("/api/v1/me").await.code(), "unauthenticated");

    let r = ada
        .login("ada@example.com", "not the password at all")
        .await;
    assert_eq!((r.status, r.code()), (401, "invalid_credentials"));
    let r = ada.login("nobody@example.com", PASSWORD).await;
    assert_eq!((r.status, r.code()), (401, "invalid_credentials"));
    let r = ada.login("ADA@example.com ", PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(ada.get("/api/v1/me").await.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn the_session_cookie_is_http_only_lax_and_secure_when_configured() {
    let server = TestServer::start_with(|c| c.http.secure_cookies = true).await;
    let c = server.client();
    let code = server.setup_code.clone().unwrap();
    let r = c
        .post("/api/v1/setup", &json!({"code": code, "email": "admin@example.com", "name": "Admin", "password": PASSWORD}))
        .await;
    let cookie = r.header("set-cookie").unwrap().to_owned();
    assert!(cookie.starts_with("spectree_session=sts_"), "{cookie}");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Secure"] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
    server.stop().await;
}

#[tokio::test]
async fn signing_in_again_replaces_the_session() {
    let server = TestServer::start().await;
    server.admin().await;
    let ada = server.user("ada@example.com").await;
    let first = ada.get("/api/v1/me/sessions").await.body["items"][0]["id"].clone();
    let r = ada.login("ada@example.com", PASSWORD).await;
    assert_eq!(r.status, 200);
    assert_ne!(r.body["session_id"], first);
    let sessions = ada.get("/api/v1/me/sessions").await;
    let items = sessions.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "the old session must be gone: {items:?}");
    assert_eq!(items[0]["id"], r.body["session_id"]);
    assert_eq!(items[0]["current"], true);
    server.stop().await;
}

#[tokio::test]
async fn email_verification_marks_the_address_verified_once() {
    let server = TestServer::start().await;
    server.admin().await;
    let ada = server.user("ada@example.com").await;
    assert_eq!(
        ada.get("/api/v1/me").await.body["user"]["email_verified"],
        false
    );
    let token = server.mailed_token("ada@example.com", "/verify-email");
    let r = ada
        .post("/api/v1/auth/verify-email", &json!({"token": token}))
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(
        ada.get("/api/v1/me").await.body["user"]["email_verified"],
        true
    );
    let r = ada
        .post("/api/v1/auth/verify-email", &json!({"token": token}))
        .await;
    assert_eq!((r.status, r.code()), (400, "invalid_token"));
    server.stop().await;
}

#[tokio::test]
async fn verification_links_expire() {
    let server = TestServer::start().await;
    server.admin().await;
    let ada = server.user("ada@example.com").await;
    let token = server.mailed_token("ada@example.com", "/verify-email");
    server
        .clock
        .advance(server.config.auth.verification_ttl + Duration::from_secs(1));
    let r = ada
        .post("/api/v1/auth/verify-email", &json!({"token": token}))
        .await;
    assert_eq!((r.status, r.code()), (400, "invalid_token"));
    assert_eq!(
        ada.post_empty("/api/v1/auth/verify-email/resend")
            .await
            .status,
        202
    );
    let fresh = server.mailed_token("ada@example.com", "/verify-email");
    assert_ne!(fresh, token);
    let r = ada
        .post("/api/v1/auth/verify-email", &json!({"token": fresh}))
        .await;
    assert_eq!(r.status, 204);
    server.stop().await;
}

#[tokio::test]
async fn a_password_reset_sets_a_new_password_and_ends_every_session() {
    let server = TestServer::start().await;
    server.admin().await;
    let ada = server.user("ada@example.com").await;
    let anon = server.client();
    let before = server.outbox().len();
    let r = anon
        .post(
            "/api/v1/auth/password-reset",
            &json!({"email": "nobody@example.com"}),
        )
        .await;
    assert_eq!(r.status, 202);
    assert_eq!(
        server.outbox().len(),
        before,
        "no mail for unknown addresses"
    );

    let r = anon
        .post(
            "/api/v1/auth/password-reset",
            &json!({"email": "ada@example.com"}),
        )
        .await;
    assert_eq!(r.status, 202);
    let token = server.mailed_token("ada@example.com", "/reset-password");
    let r = anon
        .post(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "password": "short"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "weak_password"));
    let r = anon
        .post(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "password": "a brand new passphrase"}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(ada.get("/api/v1/me").await.code(), "unauthenticated");
    assert_eq!(anon.login("ada@example.com", PASSWORD).await.status, 401);
    assert_eq!(
        anon.login("ada@example.com", "a brand new passphrase")
            .await
            .status,
        200
    );
    let r = anon
        .post(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "password": "another new passphrase"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "invalid_token"));
    server.stop().await;
}

#[tokio::test]
async fn failed_log_ins_are_rate_limited_until_the_window_passes() {
    let server = TestServer::start_with(|c| {
        c.auth.login_max_failures = 3;
        c.auth.login_window = Duration::from_secs(600);
    })
    .await;
    server.admin().await;
    server.user("ada@example.com").await;
    let c = server.client();
    for _ in 0..3 {
        assert_eq!(
            c.login("ada@example.com", "wrong wrong wrong").await.status,
            401
        );
    }
    let r = c.login("ada@example.com", PASSWORD).await;
    assert_eq!((r.status, r.code()), (429, "rate_limited"));
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 600);
    server.clock.advance(Duration::from_secs(601));
    assert_eq!(c.login("ada@example.com", PASSWORD).await.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn invite_only_sign_up_needs_an_invitation_to_the_same_address() {
    let server = TestServer::start_with(|c| {
        c.signup.mode = spectree_domain::identity::SignupMode::InviteOnly;
    })
    .await;
    let admin = server.admin().await;
    let c = server.client();
    let r = c
        .post(
            "/api/v1/auth/signup",
            &json!({"email": "bob@example.com", "name": "Bob", "password": PASSWORD}),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "invitation_required"));
    let org = admin.create_org("Acme", "acme").await;
    let r = admin
        .post(
            &format!("/api/v1/orgs/{org}/invitations"),
            &json!({"email": "bob@example.com", "org_role": "editor"}),
        )
        .await;
    assert_eq!(r.status, 201);
    let token = server.mailed_token("bob@example.com", "/invite");
    let r = c
        .post("/api/v1/auth/signup", &json!({"email": "eve@example.com", "name": "Eve", "password": PASSWORD, "invitation_token": token}))
        .await;
    assert_eq!((r.status, r.code()), (400, "invalid_token"));
    let r = c
        .post("/api/v1/auth/signup", &json!({"email": "bob@example.com", "name": "Bob", "password": PASSWORD, "invitation_token": token}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["user"]["email_verified"], true);
    c.adopt_session(&r.body["session"]);
    let me = c.get("/api/v1/me").await;
    assert_eq!(me.body["organizations"][0]["role"], "editor");
    server.stop().await;
}

#[tokio::test]
async fn allowed_domains_limit_sign_up_and_require_a_verified_address() {
    let server =
        TestServer::start_with(|c| c.signup.allowed_domains = vec!["acme.test".into()]).await;
    server.admin().await;
    let c = server.client();
    let r = c
        .post(
            "/api/v1/auth/signup",
            &json!({"email": "eve@evil.test", "name": "Eve", "password": PASSWORD}),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "domain_not_allowed"));
    let r = c
        .post(
            "/api/v1/auth/signup",
            &json!({"email": "ada@acme.test", "name": "Ada", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.body["verification_required"], true);
    assert!(r.body.get("session").is_none());
    assert!(r.header("set-cookie").is_none());
    let r = c.login("ada@acme.test", PASSWORD).await;
    assert_eq!((r.status, r.code()), (403, "email_not_verified"));
    let token = server.mailed_token("ada@acme.test", "/verify-email");
    assert_eq!(
        c.post("/api/v1/auth/verify-email", &json!({"token": token}))
            .await
            .status,
        204
    );
    assert_eq!(c.login("ada@acme.test", PASSWORD).await.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn cookie_writes_need_the_csrf_token() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    admin.forget_csrf();
    let r = admin
        .post("/api/v1/orgs", &json!({"name": "Acme", "slug": "acme"}))
        .await;
    assert_eq!((r.status, r.code()), (403, "csrf_failed"));
    let r = admin
        .send(
            admin
                .request(reqwest::Method::POST, "/api/v1/orgs")
                .header("x-csrf-token", "forged")
                .json(&json!({"name": "Acme", "slug": "acme"})),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "csrf_failed"));
    // Reading needs no token, and the token is in /me.
    let me = admin.get("/api/v1/me").await;
    admin.adopt_session(&me.body);
    let r = admin
        .post("/api/v1/orgs", &json!({"name": "Acme", "slug": "acme"}))
        .await;
    assert_eq!(r.status, 201);
    server.stop().await;
}

#[tokio::test]
async fn writes_from_another_site_are_refused() {
    let server = TestServer::start().await;
    server.admin().await;
    server.user("ada@example.com").await;
    let c = server.client();
    let login = json!({"email": "ada@example.com", "password": PASSWORD});
    let r = c
        .send(
            c.request(reqwest::Method::POST, "/api/v1/auth/login")
                .header("origin", "https://evil.example")
                .json(&login),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "origin_mismatch"));
    let host = server.base.trim_start_matches("http://").to_owned();
    let r = c
        .send(
            c.request(reqwest::Method::POST, "/api/v1/auth/login")
                .header("origin", format!("http://{host}"))
                .json(&login),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    server.stop().await;
}
