//! Outgoing webhooks: a real HTTP receiver started by the test gets signed deliveries of the
//! kinds its hook picked; failures are retried with backoff (on the server's clock), logged
//! and replayable; internal targets are refused at creation and at delivery.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use spectree_domain::Clock;
use spectree_domain::ids::OrgId;
use spectree_testkit::{Client, TestServer};

use crate::audit::{actions, chain};
use crate::support::{item, member, project_fixture_with};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A webhook receiver on 127.0.0.1 (also used by the browser tests).
#[derive(Clone, Default)]
pub(crate) struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    /// Statuses to answer with, in order; 200 once they run out.
    script: Arc<Mutex<Vec<u16>>>,
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> impl IntoResponse {
    r.got.lock().unwrap().push(Received {
        headers,
        body: body.to_vec(),
    });
    let status = {
        let mut s = r.script.lock().unwrap();
        if s.is_empty() { 200 } else { s.remove(0) }
    };
    (StatusCode::from_u16(status).unwrap(), "thanks")
}

async fn redirect() -> impl IntoResponse {
    (StatusCode::FOUND, [("location", "http://127.0.0.1:9/")], "")
}

impl Receiver {
    /// Starts a receiver on 127.0.0.1; returns it and its base URL.
    pub(crate) async fn start(script: Vec<u16>) -> (Receiver, String) {
        let r = Receiver {
            script: Arc::new(Mutex::new(script)),
            ..Receiver::default()
        };
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .route("/redirect", axum::routing::post(redirect))
            .with_state(r.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        (r, format!("http://{addr}"))
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits (generously) until `n` requests arrived.
    pub(crate) async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..400 {
            let got = self.got();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the receiver got {} requests, not {n}", self.got().len());
    }
}

/// HMAC-SHA256 (RFC 2104) written out over `sha2`, so the test checks the signature
/// independently of the server's implementation.
fn hmac_sha256(key: &[u8], msg: &[u8]) -> String {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&ipad)
        .chain_update(msg)
        .finalize();
    hex::encode(
        Sha256::new()
            .chain_update(&opad)
            .chain_update(inner)
            .finalize(),
    )
}

/// Whether a received delivery carries a valid signature made with `secret`.
pub(crate) fn signed_with(r: &Received, secret: &str) -> bool {
    let ts = r.header("x-spectree-timestamp");
    let mut msg = ts.as_bytes().to_vec();
    msg.push(b'.');
    msg.extend_from_slice(&r.body);
    r.header("x-spectree-signature") == format!("sha256={}", hmac_sha256(secret.as_bytes(), &msg))
}

/// Waits (generously) until the hook's newest delivery satisfies `done`; returns the log.
async fn wait_log(c: &Client, hook: &str, done: impl Fn(&Value) -> bool) -> Vec<Value> {
    let mut last = Value::Null;
    for _ in 0..400 {
        let r = c.get(&format!("/api/v1/webhooks/{hook}/deliveries")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let items = r.body["items"].as_array().unwrap().clone();
        if items.first().is_some_and(&done) {
            return items;
        }
        last = r.body;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the delivery log never got there: {last}");
}

async fn fixture(
    tweak: impl FnOnce(&mut spectree::config::Config),
) -> (TestServer, Client, String, String, String) {
    project_fixture_with(|c| {
        // The receiver runs on 127.0.0.1.
        c.webhooks.allow_private_targets = true;
        c.webhooks.backoff_base = Duration::from_secs(10);
        c.webhooks.backoff_max = Duration::from_secs(60);
        tweak(c);
    })
    .await
}

#[tokio::test]
async fn a_real_receiver_gets_signed_deliveries_of_the_picked_kinds_only() {
    let (server, owner, org, team, project) = fixture(|_| {}).await;
    let (rx, base) = Receiver::start(vec![]).await;
    let r = owner
        .post(
            &format!("/api/v1/teams/{team}/webhooks"),
            &json!({"url": format!("{base}/hook"), "events": ["item_created", "status_changed"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let hook = r.body["webhook"]["id"].as_str().unwrap().to_owned();
    let secret = r.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_") && secret.len() > 40);
    // The secret is shown once.
    let r = owner.get(&format!("/api/v1/webhooks/{hook}")).await;
    assert!(r.body.get("secret").is_none());
    assert!(!r.body.to_string().contains(&secret));

    // A comment (not picked) and then an item (picked).
    let first = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "Checkout"}),
    )
    .await;
    let t = owner
        .post(
            &format!("/api/v1/items/{first}/threads"),
            &json!({"body": "Looks good"}),
        )
        .await;
    assert_eq!(t.status, 201, "{}", t.body);
    let second = item(&owner, &project, json!({"type": "epic", "title": "Search"})).await;
    let got = rx.wait_for(2).await;
    // Give a wrongly queued comment delivery time to arrive before counting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got_all = rx.got();
    assert_eq!(got_all.len(), 2, "only the picked kinds are delivered");
    for (d, want) in got.iter().zip([&first, &second]) {
        assert_eq!(d.header("x-spectree-event"), "item_created");
        assert_eq!(d.header("content-type"), "application/json");
        assert!(signed_with(d, &secret), "signature does not verify");
        assert!(!signed_with(d, "whsec_some_other_secret"));
        let body = d.json();
        assert_eq!(body["event"], "item_created");
        assert_eq!(body["org_id"], org);
        assert_eq!(body["team_id"], team);
        assert_eq!(body["webhook_id"], hook);
        assert_eq!(body["data"]["item_id"], **want);
        assert_eq!(body["data"]["project_id"], project);
        let ts: i64 = d.header("x-spectree-timestamp").parse().unwrap();
        assert!((ts - server.clock.now().0.div_euclid(1000)).abs() < 5);
    }
    let log = wait_log(&owner, &hook, |d| d["status"] == "succeeded").await;
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["id"], got[1].header("x-spectree-delivery"));
    assert_eq!(log[0]["status_code"], 200);
    assert_eq!(log[0]["attempts"], 1);
    assert_eq!(log[0]["response"], "thanks");
    assert!(log[0]["duration_ms"].as_i64().is_some());

    // A status change is picked too; after a rotation, deliveries use the new secret.
    let r = owner
        .post(
            &format!("/api/v1/webhooks/{hook}/rotate-secret"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let rotated = r.body["secret"].as_str().unwrap().to_owned();
    assert_ne!(rotated, secret);
    let etag = owner.get(&format!("/api/v1/items/{second}")).await;
    let etag = etag.header("etag").unwrap().to_owned();
    let r = owner
        .send(
            owner
                .request(reqwest::Method::PATCH, &format!("/api/v1/items/{second}"))
                .header("if-match", etag)
                .json(&json!({"status": "ready"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let got = rx.wait_for(3).await;
    assert_eq!(got[2].header("x-spectree-event"), "status_changed");
    assert!(signed_with(&got[2], &rotated));
    assert!(!signed_with(&got[2], &secret));

    // A redirect is not followed: the attempt fails and says so.
    let r = owner
        .patch(
            &format!("/api/v1/webhooks/{hook}"),
            &json!({"url": format!("{base}/redirect")}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = owner
        .post(&format!("/api/v1/webhooks/{hook}/ping"), &json!({}))
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let log = wait_log(&owner, &hook, |d| d["attempts"] == 1).await;
    assert_eq!(log[0]["event"], "ping");
    assert_eq!(log[0]["status"], "pending");
    assert_eq!(log[0]["status_code"], 302);
    assert!(
        log[0]["error"]
            .as_str()
            .unwrap()
            .contains("redirects are not followed")
    );
    assert_eq!(rx.got().len(), 3);

    let r = owner.delete(&format!("/api/v1/webhooks/{hook}")).await;
    assert_eq!(r.status, 204);
    let records = chain(&server, org.parse::<OrgId>().unwrap()).await;
    let got = actions(&records);
    for want in [
        "webhook.created",
        "webhook.secret_rotated",
        "webhook.updated",
        "webhook.pinged",
        "webhook.deleted",
    ] {
        assert!(got.iter().any(|a| a == want), "{want} missing from {got:?}");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_failing_receiver_is_retried_after_a_backoff_and_a_delivery_can_be_replayed() {
    let (server, owner, org, team, _project) = fixture(|_| {}).await;
    let (rx, base) = Receiver::start(vec![500]).await;
    let r = owner
        .post(
            &format!("/api/v1/teams/{team}/webhooks"),
            &json!({"url": format!("{base}/hook"), "events": ["item_created"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let hook = r.body["webhook"]["id"].as_str().unwrap().to_owned();
    let secret = r.body["secret"].as_str().unwrap().to_owned();
    let r = owner
        .post(&format!("/api/v1/webhooks/{hook}/ping"), &json!({}))
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let delivery = r.body["id"].as_str().unwrap().to_owned();

    let log = wait_log(&owner, &hook, |d| d["attempts"] == 1).await;
    assert_eq!(log[0]["status"], "pending");
    assert_eq!(log[0]["status_code"], 500);
    assert!(log[0]["error"].as_str().unwrap().contains("500"));
    assert!(log[0]["next_attempt_at"].is_string());
    // Not due before its backoff has passed on the server's clock.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(rx.got().len(), 1);
    server.clock.advance(Duration::from_secs(11));
    let got = rx.wait_for(2).await;
    let log = wait_log(&owner, &hook, |d| d["status"] == "succeeded").await;
    assert_eq!(log[0]["attempts"], 2);
    assert_eq!(log[0]["status_code"], 200);
    assert!(log[0]["error"].is_null());
    assert_eq!(got[0].header("x-spectree-delivery"), delivery);
    assert_eq!(got[1].header("x-spectree-delivery"), delivery);
    assert_eq!(got[0].body, got[1].body);
    assert!(signed_with(&got[1], &secret));

    // Replay: the same event and body as a new delivery.
    let r = owner
        .post(
            &format!("/api/v1/webhooks/{hook}/deliveries/{delivery}/replay"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let replay = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["replay_of"], delivery);
    let got = rx.wait_for(3).await;
    assert_eq!(got[2].header("x-spectree-delivery"), replay);
    assert_eq!(got[2].header("x-spectree-event"), "ping");
    assert_eq!(got[2].body, got[0].body);
    assert!(signed_with(&got[2], &secret));
    let r = owner
        .get(&format!("/api/v1/webhooks/{hook}/deliveries/{replay}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let records = chain(&server, org.parse::<OrgId>().unwrap()).await;
    assert!(
        actions(&records)
            .iter()
            .any(|a| a == "webhook.delivery_replayed")
    );
    server.stop().await;
}

#[tokio::test]
async fn a_hook_failing_too_many_times_in_a_row_is_switched_off() {
    let (server, owner, org, team, _project) = fixture(|c| c.webhooks.disable_after = 2).await;
    let (rx, base) = Receiver::start(vec![503; 10]).await;
    let r = owner
        .post(
            &format!("/api/v1/teams/{team}/webhooks"),
            &json!({"url": format!("{base}/hook"), "events": ["item_created"]}),
        )
        .await;
    let hook = r.body["webhook"]["id"].as_str().unwrap().to_owned();
    owner
        .post(&format!("/api/v1/webhooks/{hook}/ping"), &json!({}))
        .await;
    wait_log(&owner, &hook, |d| d["attempts"] == 1).await;
    server.clock.advance(Duration::from_secs(11));
    let log = wait_log(&owner, &hook, |d| d["status"] == "failed").await;
    assert_eq!(log[0]["attempts"], 2);
    assert!(log[0]["error"].as_str().unwrap().contains("switched off"));
    assert_eq!(rx.got().len(), 2);
    let r = owner.get(&format!("/api/v1/webhooks/{hook}")).await;
    assert_eq!(r.body["active"], false);
    assert_eq!(r.body["consecutive_failures"], 2);
    assert!(
        r.body["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("2 failed")
    );
    // Switched back on, it starts counting again.
    let r = owner
        .patch(
            &format!("/api/v1/webhooks/{hook}"),
            &json!({"active": true}),
        )
        .await;
    assert_eq!(r.body["active"], true);
    assert_eq!(r.body["consecutive_failures"], 0);
    let records = chain(&server, org.parse::<OrgId>().unwrap()).await;
    let disabled = records
        .iter()
        .find(|r| r.event.action == "webhook.disabled")
        .expect("the switch-off is audited");
    assert!(disabled.event.actor_id.is_none());
    server.stop().await;
}

#[tokio::test]
async fn internal_targets_are_refused_at_creation_and_at_delivery() {
    // Private targets are not allowed here (the default).
    let (server, owner, _org, team, _project) = project_fixture_with(|_| {}).await;
    assert!(!server.config.webhooks.allow_private_targets);
    let (rx, base) = Receiver::start(vec![]).await;
    let path = format!("/api/v1/teams/{team}/webhooks");
    let port = base.rsplit(':').next().unwrap().to_owned();
    for (url, code) in [
        (format!("{base}/hook"), "forbidden_webhook_target"),
        (
            "http://10.1.2.3/hook".to_owned(),
            "forbidden_webhook_target",
        ),
        (
            "http://169.254.169.254/latest/meta-data".to_owned(),
            "forbidden_webhook_target",
        ),
        (
            "http://[::1]:8080/hook".to_owned(),
            "forbidden_webhook_target",
        ),
        (
            format!("http://localhost:{port}/hook"),
            "forbidden_webhook_target",
        ),
        ("ftp://example.com/hook".to_owned(), "invalid_webhook_url"),
        (
            "https://user:pw@example.com/hook".to_owned(),
            "invalid_webhook_url",
        ),
        ("hook".to_owned(), "invalid_webhook_url"),
    ] {
        let r = owner
            .post(&path, &json!({"url": url, "events": ["item_created"]}))
            .await;
        assert_eq!((r.status, r.code()), (422, code), "{url}: {}", r.body);
    }
    for events in [
        json!([]),
        json!(["nope"]),
        json!(["commented", "commented"]),
    ] {
        let r = owner
            .post(
                &path,
                &json!({"url": "https://93.184.216.34/hook", "events": events}),
            )
            .await;
        assert_eq!(
            (r.status, r.code()),
            (422, "invalid_webhook_events"),
            "{events}"
        );
    }
    assert_eq!(crate::support::count(&server, "webhooks").await, 0);

    // A host name that resolved to a public address when the hook was made and resolves to
    // loopback now (DNS rebinding) is refused when the delivery connects: the row is written
    // directly, as creation would refuse it today.
    let org_id = {
        let r = owner.get(&format!("/api/v1/teams/{team}")).await;
        r.body["org_id"].as_str().unwrap().parse().unwrap()
    };
    let now = server.app().now();
    let hook = spectree_app::store::webhooks::Webhook {
        id: uuid::Uuid::now_v7().to_string(),
        org_id,
        team_id: team.parse().unwrap(),
        url: format!("http://localhost:{port}/hook"),
        events: vec!["item_created".into()],
        active: true,
        consecutive_failures: 0,
        disabled_reason: None,
        created_by: owner.user_id().await.parse().unwrap(),
        created_at: now,
        updated_at: now,
    };
    {
        let mut tx = server.app().store().begin().await.unwrap();
        spectree_app::store::webhooks::insert(
            &mut tx,
            server.app().store().sealer(),
            &hook,
            "whsec_test",
        )
        .await
        .unwrap();
        spectree_app::store::Store::commit(tx).await.unwrap();
    }
    let r = owner
        .post(&format!("/api/v1/webhooks/{}/ping", hook.id), &json!({}))
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let log = wait_log(&owner, &hook.id, |d| d["attempts"] == 1).await;
    let error = log[0]["error"].as_str().unwrap();
    assert!(
        error.contains("refused") && error.contains("localhost"),
        "{error}"
    );
    assert!(log[0]["status_code"].is_null());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(rx.got().is_empty(), "nothing reached the loopback receiver");
    server.stop().await;
}

#[tokio::test]
async fn only_team_admins_manage_webhooks() {
    let (server, owner, org, team, _project) = fixture(|_| {}).await;
    let (editor, _) = member(&server, &owner, &org, "ed@acme.example", Some("editor")).await;
    let (lead, lead_id) = member(&server, &owner, &org, "lead@acme.example", None).await;
    let r = owner
        .put(
            &format!("/api/v1/teams/{team}/members/{lead_id}"),
            &json!({"role": "admin"}),
        )
        .await;
    assert!(r.status < 300, "{}: {}", r.status, r.body);
    let path = format!("/api/v1/teams/{team}/webhooks");
    let body = json!({"url": "https://93.184.216.34/hook", "events": ["item_created"]});
    let r = editor.post(&path, &body).await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));
    let r = editor.get(&path).await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));
    let r = lead.post(&path, &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let hook = r.body["webhook"]["id"].as_str().unwrap().to_owned();
    for p in [
        format!("/api/v1/webhooks/{hook}"),
        format!("/api/v1/webhooks/{hook}/deliveries"),
    ] {
        let r = editor.get(&p).await;
        assert_eq!((r.status, r.code()), (403, "forbidden"), "{p}");
        assert_eq!(lead.get(&p).await.status, 200, "{p}");
    }
    let r = editor.delete(&format!("/api/v1/webhooks/{hook}")).await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));
    let r = lead.get(&path).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);

    let stranger = server.user("stranger@example.com").await;
    stranger.create_org("Elsewhere", "elsewhere").await;
    let r = stranger.get(&format!("/api/v1/webhooks/{hook}")).await;
    assert_eq!((r.status, r.code()), (404, "not_found"));
    let r = stranger.post(&path, &body).await;
    assert_eq!((r.status, r.code()), (404, "not_found"));
    server.stop().await;
}

#[tokio::test]
async fn finished_deliveries_leave_the_log_after_the_retention_and_pending_ones_stay() {
    let (server, owner, _org, team, _project) = fixture(|c| {
        c.webhooks.delivery_retention = Duration::from_secs(3600);
    })
    .await;
    let (_rx, base) = Receiver::start(vec![200, 500, 500, 500, 500, 500]).await;
    let r = owner
        .post(
            &format!("/api/v1/teams/{team}/webhooks"),
            &json!({"url": format!("{base}/hook"), "events": ["item_created"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let hook = r.body["webhook"]["id"].as_str().unwrap().to_owned();
    let ping = |c: &Client| {
        let url = format!("/api/v1/webhooks/{hook}/ping");
        let c = c.clone();
        async move {
            let r = c.post(&url, &json!({})).await;
            assert_eq!(r.status, 202, "{}", r.body);
            r.body["id"].as_str().unwrap().to_owned()
        }
    };
    let done = ping(&owner).await;
    wait_log(&owner, &hook, |d| d["status"] == "succeeded").await;
    let waiting = ping(&owner).await;
    wait_log(&owner, &hook, |d| d["id"] == waiting && d["attempts"] == 1).await;

    // Within the retention nothing goes.
    let report = server.app().apply_retention().await.unwrap();
    assert_eq!(report.webhook_deliveries_removed, 0);
    server.clock.advance(Duration::from_secs(2 * 3600));
    let report = server.app().apply_retention().await.unwrap();
    assert_eq!(report.webhook_deliveries_removed, 1);
    let r = owner
        .get(&format!("/api/v1/webhooks/{hook}/deliveries"))
        .await;
    let ids: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![waiting.as_str()], "the pending delivery stays");
    let r = owner
        .get(&format!("/api/v1/webhooks/{hook}/deliveries/{done}"))
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    server.stop().await;
}
