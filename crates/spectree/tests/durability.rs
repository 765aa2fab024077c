//! A server killed with SIGKILL in the middle of a busy editing session loses no update that
//! any client had received: updates are in the durable log before they are relayed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use spectree_testkit::yjs::YjsPeer;

struct Server {
    child: Child,
    code: Option<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &std::path::Path, port: u16) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_spectree"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SPECTREE_DATA_DIR", dir.join("data"))
        .env("SPECTREE_COLLAB_PROJECTION_DEBOUNCE", "20ms")
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut code = None;
    loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("server did not start");
        if let Some(i) = line.find("setup code ") {
            code = Some(line[i + 11..].chars().take(19).collect());
        }
        if line.contains("listening on") {
            // The setup code, when there is one, is logged right after.
            if let Ok(l) = rx.recv_timeout(Duration::from_millis(500))
                && let Some(i) = l.find("setup code ")
            {
                code = Some(l[i + 11..].chars().take(19).collect());
            }
            break;
        }
    }
    Server { child, code }
}

#[tokio::test]
async fn a_killed_server_loses_no_update_a_client_had_received() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start(dir.path(), port);
    spectree_app::install_tls_provider();
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let setup = http
        .post(format!("{base}/api/v1/setup"))
        .json(&json!({"code": server.code.clone().unwrap(), "email": "admin@example.com", "name": "Admin", "password": "correct horse battery staple"}))
        .send()
        .await
        .unwrap();
    let csrf = setup.json::<serde_json::Value>().await.unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let token: serde_json::Value = http
        .post(format!("{base}/api/v1/me/tokens"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"name": "t"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["secret"].as_str().unwrap().to_owned();
    let api = |method: reqwest::Method, path: &str| {
        http.request(method, format!("{base}{path}"))
            .bearer_auth(&token)
    };
    let org: serde_json::Value = api(reqwest::Method::POST, "/api/v1/orgs")
        .json(&json!({"name": "A", "slug": "acme"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let team: serde_json::Value = api(
        reqwest::Method::POST,
        &format!("/api/v1/orgs/{}/teams", org["id"].as_str().unwrap()),
    )
    .json(&json!({"name": "T", "slug": "core"}))
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let project: serde_json::Value = api(
        reqwest::Method::POST,
        &format!("/api/v1/teams/{}/projects", team["id"].as_str().unwrap()),
    )
    .json(&json!({"name": "P", "slug": "pp"}))
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let item: serde_json::Value = api(
        reqwest::Method::POST,
        &format!("/api/v1/projects/{}/items", project["id"].as_str().unwrap()),
    )
    .json(&json!({"type": "story", "title": "Log"}))
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let item = item["id"].as_str().unwrap().to_owned();
    let url = format!("ws://127.0.0.1:{port}/collab");

    let mut writer = YjsPeer::connect(&url, &item, Some(&token)).await.unwrap();
    let mut watcher = YjsPeer::connect(&url, &item, Some(&token)).await.unwrap();
    for p in [&mut writer, &mut watcher] {
        p.call(json!({"cmd": "waitSynced", "timeoutMs": 15000}))
            .await
            .unwrap();
    }
    // A busy session: the writer appends numbered marks as fast as it can; the server is
    // killed while it does.
    let mut n = 0;
    while n < 400 {
        let len = writer
            .call(json!({"cmd": "getText", "field": "description"}))
            .await
            .unwrap()["text"]
            .as_str()
            .unwrap()
            .encode_utf16()
            .count();
        writer.call(json!({"cmd": "insertText", "field": "description", "index": len, "text": format!(" {n}")})).await.unwrap();
        n += 1;
        if n == 250 {
            let _ = server.child.kill();
            let _ = server.child.wait();
        }
    }
    let seen = watcher
        .call(json!({"cmd": "getText", "field": "description"}))
        .await
        .unwrap()["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        seen.len() > 20,
        "the watcher saw edits before the kill: {seen:?}"
    );
    drop(writer);
    drop(watcher);

    let _server = start(dir.path(), port);
    let mut fresh = YjsPeer::connect(&url, &item, Some(&token)).await.unwrap();
    fresh
        .call(json!({"cmd": "waitSynced", "timeoutMs": 15000}))
        .await
        .unwrap();
    let stored = fresh
        .call(json!({"cmd": "getText", "field": "description"}))
        .await
        .unwrap()["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        stored.starts_with(&seen),
        "everything the watcher had received survives the kill\nseen:   {seen}\nstored: {stored}"
    );
}
