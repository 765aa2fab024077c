//! Live AI generation (issue 5, F4.1.12) and attributed server-side writers (issue 6): the
//! offline generator watched by a stock Yjs client, cancel, refusals, the OpenAI-compatible
//! provider against a local streaming server, provider failures, and attribution of REST
//! and AI text.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use spectree::config::{AiProviderKind, Config};
use spectree_testkit::{Client, TestServer};

use crate::collab::{peer, token};
use crate::support::{item, project_fixture_with, team_member};

const WAIT: Duration = Duration::from_secs(20);

async fn fixture(tweak: impl FnOnce(&mut Config)) -> (TestServer, Client, String, String, String) {
    project_fixture_with(|c| {
        c.history.close_interval = Duration::from_millis(20);
        c.ai.offline_token_interval = Duration::from_millis(40);
        tweak(c);
    })
    .await
}

async fn generate(c: &Client, item: &str, body: Value) -> Value {
    let r = c
        .post(&format!("/api/v1/items/{item}/generate"), &body)
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(r.body["state"], "running");
    r.body
}

/// Polls the job until it is no longer running.
async fn until_ended(c: &Client, id: &str) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let r = c.get(&format!("/api/v1/generations/{id}")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        if r.body["state"] != "running" {
            return r.body;
        }
        assert!(Instant::now() < deadline, "the job never ended: {}", r.body);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// How many audit records of `action` the log holds for the item.
async fn audited(server: &TestServer, action: &str, item: &str) -> i64 {
    use sqlx::Row;
    server.app().chain_audit().await.unwrap();
    let mut c = server.app().store().read().await.unwrap();
    sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE action = $1 AND target_id = $2")
        .bind(action)
        .bind(item)
        .fetch_one(&mut *c)
        .await
        .unwrap()
        .try_get::<i64, _>("n")
        .unwrap()
}

/// The AI's presence among a peer's awareness states, if any.
fn ai_state(states: &Value) -> Option<Value> {
    states["states"]
        .as_array()?
        .iter()
        .find(|s| s["state"]["user"]["ai"] == true)
        .cloned()
}

#[tokio::test]
async fn a_second_client_watches_offline_generation_arrive_with_the_ais_presence() {
    let (server, owner, _, _, project) = fixture(|_| {}).await;
    let owner_id = owner.user_id().await;
    let id = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Password reset", "description": "Intro"}),
    )
    .await;
    let mut watcher = peer(&server, &id, &token(&owner).await).await;
    watcher
        .call(json!({"cmd": "recordText", "field": "description"}))
        .await
        .unwrap();
    let job = generate(
        &owner,
        &id,
        json!({"kind": "description", "prompt": "expiry of links"}),
    )
    .await;
    let job_id = job["id"].as_str().unwrap();

    // The AI is a participant of the room, with its name, its colour and a cursor.
    let deadline = Instant::now() + WAIT;
    let presence = loop {
        let states = watcher.call(json!({"cmd": "getAwareness"})).await.unwrap();
        if let Some(s) = ai_state(&states)
            && s["state"]["cursor"]["anchor"].is_object()
        {
            break s;
        }
        assert!(Instant::now() < deadline, "no AI presence: {states}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(
        presence["state"]["user"]["name"]
            .as_str()
            .unwrap()
            .starts_with("AI (for "),
        "{presence}"
    );
    assert_eq!(presence["state"]["user"]["id"], owner_id.as_str());
    assert_eq!(presence["clientId"], job["client_id"]);
    // The cursor is a Yjs relative position the stock client resolves.
    let anchor = &presence["state"]["cursor"]["anchor"];
    assert!(anchor["item"]["client"].is_u64(), "{anchor}");

    // Someone polling the job sees its progress while it runs.
    let deadline = Instant::now() + WAIT;
    loop {
        let r = owner.get(&format!("/api/v1/generations/{job_id}")).await;
        if r.body["state"] == "running" && r.body["tokens"].as_i64().unwrap() > 0 {
            assert!(!r.body["output"].as_str().unwrap().is_empty(), "{}", r.body);
            break;
        }
        assert!(
            r.body["state"] == "running",
            "ended before any progress: {}",
            r.body
        );
        assert!(Instant::now() < deadline, "no progress: {}", r.body);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let ended = until_ended(&owner, job_id).await;
    assert_eq!(ended["state"], "finished", "{ended}");
    let output = ended["output"].as_str().unwrap().to_owned();
    assert!(output.contains("Password reset"), "{output}");
    assert!(ended["tokens"].as_i64().unwrap() > 10);
    let expected = format!("Intro\n\n{output}");
    watcher
        .call(json!({"cmd": "waitFor", "path": "description", "equals": expected, "timeoutMs": 20000}))
        .await
        .unwrap();
    let seen = watcher
        .call(json!({"cmd": "recorded", "field": "description"}))
        .await
        .unwrap()["values"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        seen.len() >= 5,
        "the text arrives in several steps, each extending the last: {seen:?}"
    );
    for pair in seen.windows(2) {
        assert!(
            pair[1]
                .as_str()
                .unwrap()
                .starts_with(pair[0].as_str().unwrap()),
            "{pair:?}"
        );
    }
    // The AI's presence is cleared at the end.
    let deadline = Instant::now() + WAIT;
    while ai_state(&watcher.call(json!({"cmd": "getAwareness"})).await.unwrap()).is_some() {
        assert!(Instant::now() < deadline, "the AI presence stayed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // The row has it; attribution names the AI and who started it; a version records it.
    let row = owner.get(&format!("/api/v1/items/{id}")).await;
    assert_eq!(row.body["description"], expected.as_str());
    let r = owner.get(&format!("/api/v1/items/{id}/attribution")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let ranges = r.body["description"].as_array().unwrap();
    assert_eq!(ranges[0]["text"], "Intro");
    assert_eq!(
        ranges[0]["author"],
        json!({"kind": "user", "user_id": owner_id})
    );
    assert_eq!(ranges.len(), 2, "{ranges:?}");
    assert_eq!(ranges[1]["text"], format!("\n\n{output}").as_str());
    assert_eq!(
        ranges[1]["author"],
        json!({"kind": "ai", "user_id": owner_id})
    );
    let v = owner.get(&format!("/api/v1/items/{id}/versions")).await;
    let latest = &v.body["items"][0];
    assert_eq!(
        latest["authors"],
        json!([{"kind": "ai", "user_id": owner_id}]),
        "{latest}"
    );
    assert_eq!(audited(&server, "ai.generation_started", &id).await, 1);
    assert_eq!(audited(&server, "ai.generation_finished", &id).await, 1);
    server.stop().await;
}

#[tokio::test]
async fn criteria_and_children_are_written_as_the_ai_writes_them() {
    let (server, owner, _, _, project) = fixture(|_| {}).await;
    let id = item(
        &owner,
        &project,
        json!({"type": "feature", "title": "Checkout", "acceptance_criteria": [{"text": "Pays"}]}),
    )
    .await;
    let job = generate(
        &owner,
        &id,
        json!({"kind": "acceptance_criteria", "prompt": ""}),
    )
    .await;
    let ended = until_ended(&owner, job["id"].as_str().unwrap()).await;
    assert_eq!(ended["state"], "finished", "{ended}");
    let lines: Vec<String> = ended["output"]
        .as_str()
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(lines.len(), 3);
    let row = owner.get(&format!("/api/v1/items/{id}")).await;
    let criteria: Vec<&str> = row.body["acceptance_criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    let mut want = vec!["Pays"];
    want.extend(lines.iter().map(String::as_str));
    assert_eq!(criteria, want);

    let job = generate(
        &owner,
        &id,
        json!({"kind": "children", "prompt": "refunds"}),
    )
    .await;
    let ended = until_ended(&owner, job["id"].as_str().unwrap()).await;
    assert_eq!(ended["state"], "finished", "{ended}");
    let tree = owner.get(&format!("/api/v1/projects/{project}/tree")).await;
    let children: Vec<(&str, &str)> = tree.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["parent_id"] == id.as_str())
        .map(|i| (i["title"].as_str().unwrap(), i["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        children,
        vec![
            ("Design the story for Checkout", "story"),
            ("Build Checkout", "story"),
            ("Test Checkout", "story"),
            ("Handle refunds", "story"),
        ]
    );
    server.stop().await;
}

#[tokio::test]
async fn description_text_goes_in_at_the_chosen_place() {
    let (server, owner, _, _, project) = fixture(|_| {}).await;
    let id = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Naïve café", "description": "Héllo wörld"}),
    )
    .await;
    let job = generate(&owner, &id, json!({"kind": "description", "position": 5})).await;
    let ended = until_ended(&owner, job["id"].as_str().unwrap()).await;
    assert_eq!(ended["state"], "finished", "{ended}");
    let output = ended["output"].as_str().unwrap();
    let row = owner.get(&format!("/api/v1/items/{id}")).await;
    assert_eq!(
        row.body["description"],
        format!("Héllo{output} wörld").as_str()
    );
    let r = owner
        .post(
            &format!("/api/v1/items/{id}/generate"),
            &json!({"kind": "children", "position": 1}),
        )
        .await;
    assert_eq!(r.body["code"], "invalid_generation", "{}", r.body);
    server.stop().await;
}

#[tokio::test]
async fn cancel_stops_a_generation_and_what_it_wrote_stays_in_a_version() {
    let (server, owner, org, team, project) = fixture(|c| {
        c.ai.offline_token_interval = Duration::from_millis(150);
    })
    .await;
    let owner_id = owner.user_id().await;
    let id = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Export"}),
    )
    .await;
    let job = generate(&owner, &id, json!({"kind": "description", "prompt": ""})).await;
    let job_id = job["id"].as_str().unwrap();
    // Wait until some text arrived.
    let deadline = Instant::now() + WAIT;
    loop {
        let c = server
            .app()
            .collab()
            .content(id.parse().unwrap())
            .await
            .unwrap();
        if c.description.len() > 10 {
            break;
        }
        assert!(Instant::now() < deadline, "nothing was written");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let again = owner
        .post(
            &format!("/api/v1/items/{id}/generate"),
            &json!({"kind": "description"}),
        )
        .await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert_eq!(again.body["code"], "generation_running");
    // A Viewer may watch the job but not cancel it; the refused cancel changes nothing.
    let (viewer, _) = team_member(&server, &owner, (&org, &team), "v@acme.example", "viewer").await;
    let r = viewer
        .post_empty(&format!("/api/v1/generations/{job_id}/cancel"))
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = viewer.get(&format!("/api/v1/generations/{job_id}")).await;
    assert_eq!(r.body["state"], "running", "{}", r.body);

    let r = owner
        .post_empty(&format!("/api/v1/generations/{job_id}/cancel"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["state"], "cancelled");
    let deadline = Instant::now() + WAIT;
    let ended = loop {
        let r = owner.get(&format!("/api/v1/generations/{job_id}")).await;
        if r.body["tokens"].as_i64().unwrap_or(0) > 0 {
            break r.body;
        }
        assert!(
            Instant::now() < deadline,
            "the output was never recorded: {}",
            r.body
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(ended["state"], "cancelled");
    let written = ended["output"].as_str().unwrap().to_owned();
    let full = spectree_domain::ai::offline_text(&spectree_domain::ai::GenerationContext {
        kind: spectree_domain::ai::GenerationKind::Description,
        title: "Export".into(),
        item_type: spectree_domain::spec::ItemType::Story,
        parent_title: None,
        criteria: vec![],
        prompt: String::new(),
    });
    assert!(
        full.starts_with(&written) && written.len() < full.len(),
        "{written:?}"
    );
    // Nothing more arrives after the cancel (several token intervals later).
    tokio::time::sleep(Duration::from_millis(800)).await;
    let doc = server
        .app()
        .collab()
        .content(id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(doc.description, written);
    let row = owner.get(&format!("/api/v1/items/{id}")).await;
    assert_eq!(row.body["description"], written.as_str());
    let v = owner.get(&format!("/api/v1/items/{id}/versions")).await;
    assert_eq!(
        v.body["items"][0]["authors"],
        json!([{"kind": "ai", "user_id": owner_id}])
    );
    assert_eq!(audited(&server, "ai.generation_cancelled", &id).await, 1);
    assert_eq!(audited(&server, "ai.generation_finished", &id).await, 0);
    // A new job may start now.
    let job = generate(&owner, &id, json!({"kind": "acceptance_criteria"})).await;
    owner
        .post_empty(&format!(
            "/api/v1/generations/{}/cancel",
            job["id"].as_str().unwrap()
        ))
        .await;
    server.stop().await;
}

#[tokio::test]
async fn viewers_disabled_organizations_and_bad_requests_are_refused() {
    let (server, owner, org, team, project) = fixture(|_| {}).await;
    let id = item(&owner, &project, json!({"type": "task", "title": "Leaf"})).await;
    let (viewer, _) = team_member(&server, &owner, (&org, &team), "v@acme.example", "viewer").await;
    let r = viewer
        .post(
            &format!("/api/v1/items/{id}/generate"),
            &json!({"kind": "description"}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(r.body["code"], "forbidden");
    let r = owner
        .post(
            &format!("/api/v1/items/{id}/generate"),
            &json!({"kind": "children"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["code"], "invalid_generation");
    let r = owner
        .post(
            &format!("/api/v1/items/{id}/generate"),
            &json!({"kind": "description", "prompt": "x".repeat(4001)}),
        )
        .await;
    assert_eq!(r.body["code"], "invalid_generation", "{}", r.body);
    let r = owner
        .post(
            &format!("/api/v1/items/{id}/generate"),
            &json!({"kind": "poem"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);

    // The organization turns AI off: refused with a stable code; members may read the switch
    // but only admins change it.
    let r = viewer
        .put(
            &format!("/api/v1/orgs/{org}/ai"),
            &json!({"enabled": false}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = owner
        .put(
            &format!("/api/v1/orgs/{org}/ai"),
            &json!({"enabled": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        viewer.get(&format!("/api/v1/orgs/{org}/ai")).await.body,
        json!({"enabled": false})
    );
    let r = owner
        .post(
            &format!("/api/v1/items/{id}/generate"),
            &json!({"kind": "description"}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(r.body["code"], "ai_disabled");
    assert_eq!(crate::support::count(&server, "ai_generations").await, 0);
    server.stop().await;
}

/// A request the stub received: its `Authorization` header and JSON body.
type SeenRequest = (Option<String>, Value);

/// What the local OpenAI-compatible server saw and answers.
#[derive(Clone, Default)]
struct Stub {
    requests: Arc<Mutex<Vec<SeenRequest>>>,
    fail: bool,
    /// Tokens to send instead of [`STUB_TOKENS`].
    tokens: Option<Vec<String>>,
}

const STUB_TOKENS: [&str; 5] = ["Hello", " from", " the", " local", " stub"];

async fn completions(State(stub): State<Stub>, headers: HeaderMap, body: String) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let json: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    stub.requests.lock().unwrap().push((auth, json));
    if stub.fail {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [("content-type", "application/json")],
            r#"{"error":{"message":"model overloaded"}}"#,
        )
            .into_response();
    }
    // Each chunk is its own write, a little apart, as a real streaming endpoint sends them.
    let (tx, rx) = tokio::sync::mpsc::channel::<String>(8);
    let tokens = stub
        .tokens
        .clone()
        .unwrap_or_else(|| STUB_TOKENS.iter().map(|t| (*t).to_owned()).collect());
    tokio::spawn(async move {
        let _ = tx
            .send("data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n".into())
            .await;
        for t in tokens {
            let chunk = json!({"choices": [{"index": 0, "delta": {"content": t}}]});
            tokio::time::sleep(Duration::from_millis(20)).await;
            let _ = tx.send(format!("data: {chunk}\n\n")).await;
        }
        let _ = tx.send("data: [DONE]\n\n".into()).await;
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|s| (Ok::<_, Infallible>(s), rx))
    });
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(stream))
        .unwrap()
}

async fn start_stub(stub: Stub) -> String {
    let app = axum::Router::new()
        .route("/v1/chat/completions", post(completions))
        .with_state(stub);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/v1")
}

#[tokio::test]
async fn the_openai_compatible_provider_writes_the_tokens_a_local_streaming_server_sends() {
    let stub = Stub::default();
    let base = start_stub(stub.clone()).await;
    let (server, owner, _, _, project) = fixture(|c| {
        c.ai.provider = AiProviderKind::OpenAi;
        c.ai.base_url = Some(base.clone());
        c.ai.model = "test-model".into();
        c.ai.api_key = Some(spectree::config::Secret::new("test-key".into()));
    })
    .await;
    let id = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Greeting"}),
    )
    .await;
    let job = generate(
        &owner,
        &id,
        json!({"kind": "description", "prompt": "say hello"}),
    )
    .await;
    assert_eq!(job["provider"], "openai");
    let ended = until_ended(&owner, job["id"].as_str().unwrap()).await;
    assert_eq!(ended["state"], "finished", "{ended}");
    let expected = STUB_TOKENS.concat();
    assert_eq!(ended["output"], expected.as_str());
    assert_eq!(ended["tokens"], STUB_TOKENS.len());
    let row = owner.get(&format!("/api/v1/items/{id}")).await;
    assert_eq!(row.body["description"], expected.as_str());
    let seen = stub.requests.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].0.as_deref(), Some("Bearer test-key"));
    assert_eq!(seen[0].1["model"], "test-model");
    assert_eq!(seen[0].1["stream"], true);
    let prompt = seen[0].1["messages"][1]["content"].as_str().unwrap();
    assert!(
        prompt.contains("Greeting") && prompt.contains("say hello"),
        "{prompt}"
    );
    server.stop().await;
}

#[tokio::test]
async fn provider_errors_end_the_job_as_failed_with_the_reason() {
    let base = start_stub(Stub {
        fail: true,
        ..Stub::default()
    })
    .await;
    let (server, owner, _, _, project) = fixture(|c| {
        c.ai.provider = AiProviderKind::OpenAi;
        c.ai.base_url = Some(base.clone());
    })
    .await;
    let id = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Greeting"}),
    )
    .await;
    let job = generate(&owner, &id, json!({"kind": "description"})).await;
    let ended = until_ended(&owner, job["id"].as_str().unwrap()).await;
    assert_eq!(ended["state"], "failed", "{ended}");
    let reason = ended["error"].as_str().unwrap();
    assert!(
        reason.contains("503") && reason.contains("model overloaded"),
        "{reason}"
    );
    assert_eq!(audited(&server, "ai.generation_failed", &id).await, 1);
    server.stop().await;

    // Nothing listening at all.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let (server, owner, _, _, project) = fixture(|c| {
        c.ai.provider = AiProviderKind::OpenAi;
        c.ai.base_url = Some(format!("http://{closed}/v1"));
    })
    .await;
    let id = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Greeting"}),
    )
    .await;
    let job = generate(&owner, &id, json!({"kind": "description"})).await;
    let ended = until_ended(&owner, job["id"].as_str().unwrap()).await;
    assert_eq!(ended["state"], "failed", "{ended}");
    assert!(
        ended["error"].as_str().unwrap().contains("not reachable"),
        "{ended}"
    );
    server.stop().await;
}

#[tokio::test]
async fn rest_edits_are_attributed_to_the_person_who_made_them() {
    let (server, owner, org, team, project) = fixture(|_| {}).await;
    let owner_id = owner.user_id().await;
    let (editor, editor_id) =
        team_member(&server, &owner, (&org, &team), "e@acme.example", "editor").await;
    let id = item(
        &owner,
        &project,
        json!({"type": "story", "title": "T", "description": "One"}),
    )
    .await;
    // Both REST edits land in the same room lifetime (a client keeps it open).
    let _watcher = peer(&server, &id, &token(&owner).await).await;
    let r = editor
        .patch(
            &format!("/api/v1/items/{id}"),
            &json!({"description": "One two"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = owner
        .patch(
            &format!("/api/v1/items/{id}"),
            &json!({"description": "One two three"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = owner.get(&format!("/api/v1/items/{id}/attribution")).await;
    assert_eq!(
        r.body["description"],
        json!([
            {"start": 0, "end": 3, "text": "One", "author": {"kind": "user", "user_id": owner_id}},
            {"start": 3, "end": 7, "text": " two", "author": {"kind": "user", "user_id": editor_id}},
            {"start": 7, "end": 13, "text": " three", "author": {"kind": "user", "user_id": owner_id}},
        ])
    );
    server.stop().await;
}

#[tokio::test]
async fn provider_output_past_the_item_limits_fails_the_job_and_leaves_valid_content() {
    let base = start_stub(Stub {
        tokens: Some(vec!["x".repeat(1000); 5]),
        ..Stub::default()
    })
    .await;
    let (server, owner, _, _, project) = fixture(|c| {
        c.ai.provider = AiProviderKind::OpenAi;
        c.ai.base_url = Some(base.clone());
    })
    .await;
    let id = item(&owner, &project, json!({"type": "story", "title": "Long"})).await;
    let job = generate(&owner, &id, json!({"kind": "acceptance_criteria"})).await;
    let ended = until_ended(&owner, job["id"].as_str().unwrap()).await;
    assert_eq!(ended["state"], "failed", "{ended}");
    assert!(
        ended["error"].as_str().unwrap().contains("4000 characters"),
        "{ended}"
    );
    // The four tokens that fit are written, and the row took them (valid criteria).
    let row = owner.get(&format!("/api/v1/items/{id}")).await;
    assert_eq!(
        row.body["acceptance_criteria"][0]["text"]
            .as_str()
            .unwrap()
            .len(),
        4000
    );
    server.stop().await;
}
