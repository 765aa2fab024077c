//! Test harness: a real Spec Tree server on port 0, over SQLite (always) or PostgreSQL (when
//! `SPECTREE_TEST_DATABASE_URL` names a server: each test server gets a fresh database), with
//! a hand-driven clock, and a client that speaks the API like a browser (cookie jar, CSRF
//! header) or like a script (bearer token).
//!
//! Test code may unwrap: a failure here is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod browser;
mod client;
mod db;
pub mod redis;
pub mod smtp;
pub mod yjs;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

pub use client::{Client, Resp};
use spectree::config::{Config, Overrides};
use spectree::server::Running;
use spectree_domain::ManualClock;

/// Password used for every account the harness creates.
pub const PASSWORD: &str = "correct horse battery staple";

/// A running server and everything a test needs to drive it.
pub struct TestServer {
    /// Base URL, e.g. `http://127.0.0.1:40123`.
    pub base: String,
    /// The clock the server reads; tests advance it.
    pub clock: ManualClock,
    /// The setup code printed at start.
    pub setup_code: Option<String>,
    /// The configuration it runs with.
    pub config: Config,
    running: Option<Running>,
    db: db::TestDb,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// A server with the default test configuration.
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    /// A server whose configuration `tweak` adjusts before start.
    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let db = db::TestDb::create(dir.path()).await;
        let mut env = HashMap::new();
        env.insert("SPECTREE_LISTEN".to_owned(), "127.0.0.1:0".to_owned());
        env.insert(
            "SPECTREE_DATA_DIR".to_owned(),
            dir.path().join("data").display().to_string(),
        );
        env.insert("SPECTREE_DATABASE_URL".to_owned(), db.url().to_owned());
        let mut config = spectree::config::load(None, &env, &Overrides::default()).unwrap();
        // Tests shorten the live-document durations and wait with generous deadlines.
        config.collab.projection_debounce = std::time::Duration::from_millis(20);
        config.collab.room_grace = std::time::Duration::from_millis(300);
        config.collab.awareness_timeout = std::time::Duration::from_secs(3);
        tweak(&mut config);
        let clock = ManualClock::default();
        let running = spectree::server::start(config.clone(), Arc::new(clock.clone()))
            .await
            .unwrap();
        TestServer {
            base: format!("http://{}", running.addr),
            clock,
            setup_code: running.setup_code.clone(),
            config,
            running: Some(running),
            db,
            _dir: dir,
        }
    }

    /// Another node of the same deployment: its own process state and port, the same
    /// database and configuration (so the same Redis, when one is configured).
    pub async fn another_node(&self) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let mut config = self.config.clone();
        config.listen = "127.0.0.1:0".parse().unwrap();
        let clock = ManualClock::default();
        let running = spectree::server::start(config.clone(), Arc::new(clock.clone()))
            .await
            .unwrap();
        TestServer {
            base: format!("http://{}", running.addr),
            clock,
            setup_code: None,
            config,
            running: Some(running),
            db: self.db.shared(),
            _dir: dir,
        }
    }

    /// Whether this server runs on PostgreSQL.
    pub fn on_postgres(&self) -> bool {
        self.db.is_postgres()
    }

    /// The application inside the server (to inspect state a client cannot see).
    pub fn app(&self) -> &spectree_app::App {
        &self.running.as_ref().unwrap().app
    }

    /// The WebSocket base URL of live documents (`ws://…/collab`).
    pub fn collab_url(&self) -> String {
        format!("{}/collab", self.base.replacen("http://", "ws://", 1))
    }

    /// A new client with an empty cookie jar.
    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// The first instance administrator, created through the setup code and signed in.
    pub async fn admin(&self) -> Client {
        let c = self.client();
        let code = self
            .setup_code
            .clone()
            .expect("a fresh server has a setup code");
        let r = c
            .post(
                "/api/v1/setup",
                &serde_json::json!({"code": code, "email": "admin@example.com", "name": "Admin", "password": PASSWORD}),
            )
            .await;
        assert_eq!(r.status, 201, "setup failed: {}", r.body);
        c.adopt_session(&r.body);
        c
    }

    /// A new account signed in through sign-up (the instance must be set up).
    pub async fn user(&self, email: &str) -> Client {
        let c = self.client();
        let r = c
            .post(
                "/api/v1/auth/signup",
                &serde_json::json!({"email": email, "name": email.split('@').next().unwrap(), "password": PASSWORD}),
            )
            .await;
        assert_eq!(r.status, 201, "signup of {email} failed: {}", r.body);
        c.adopt_session(&r.body["session"]);
        c
    }

    /// The messages in the mail outbox, oldest first, as raw RFC 5322 text.
    pub fn outbox(&self) -> Vec<String> {
        let dir: PathBuf = self.config.data_dir.join("outbox");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == "eml"));
        files.sort();
        files
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }

    /// The token of the last mailed link to `to` whose path is `path` (e.g. `/verify-email`).
    pub fn mailed_token(&self, to: &str, path: &str) -> String {
        let needle = format!("{path}?token=");
        self.outbox()
            .iter()
            .rev()
            .filter(|m| m.contains(&format!("To: {to}")))
            .find_map(|m| {
                let body = decode_quoted_printable(m);
                let i = body.find(&needle)?;
                let rest = &body[i + needle.len()..];
                Some(
                    rest.chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                        .collect(),
                )
            })
            .unwrap_or_else(|| panic!("no mail to {to} with a {path} link"))
    }

    /// Stops the server; its database goes with the last node using it (also when a test
    /// ends without stopping its servers).
    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await.unwrap();
        }
    }
}

/// Undoes quoted-printable transfer encoding (soft line breaks and `=XX` escapes), as a mail
/// client would before showing the body.
fn decode_quoted_printable(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
