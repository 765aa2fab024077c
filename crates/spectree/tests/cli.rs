//! The `spectree` command as an operator uses it: configuration commands, administration
//! commands and a first start on the embedded default.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn spectree(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_spectree"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SPECTREE_DATA_DIR", dir.join("data"))
        .current_dir(dir);
    c
}

fn run(c: &mut Command) -> Output {
    c.output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn the_example_configuration_checks_out() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(spectree(dir.path()).args(["config", "example"]));
    assert!(out.status.success());
    std::fs::write(dir.path().join("spectree.toml"), &out.stdout).unwrap();
    let out = run(spectree(dir.path()).args(["--config", "spectree.toml", "config", "check"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "configuration OK");
}

#[test]
fn a_bad_value_stops_with_a_message_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(spectree(dir.path())
        .env("SPECTREE_AUTH_SESSION_IDLE_TIMEOUT", "soon")
        .args(["config", "check"]));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("auth.session_idle_timeout"), "{err}");
    assert!(err.contains("SPECTREE_AUTH_SESSION_IDLE_TIMEOUT"), "{err}");

    std::fs::write(
        dir.path().join("bad.toml"),
        "[auth]\nsesion_idle_timeout = \"1h\"\n",
    )
    .unwrap();
    let out = run(spectree(dir.path()).args(["--config", "bad.toml", "config", "check"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("auth.sesion_idle_timeout"),
        "{}",
        text(&out.stderr)
    );

    let out = run(spectree(dir.path()).args(["--listen", "nowhere", "serve"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("listen"));
}

#[test]
fn config_print_redacts_secrets_and_flags_win_over_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(spectree(dir.path())
        .env(
            "SPECTREE_DATABASE_URL",
            "postgres://app:hunter2-secret@db.internal/spectree",
        )
        .env("SPECTREE_LISTEN", "127.0.0.1:9000")
        .args(["--listen", "127.0.0.1:9100", "config", "print"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    assert!(!printed.contains("hunter2"), "{printed}");
    assert!(printed.contains("[redacted]"));
    assert!(printed.contains("127.0.0.1:9100"), "{printed}");
}

#[test]
fn administrators_are_created_and_listed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = spectree(dir.path())
        .args([
            "admin",
            "user",
            "create",
            "--email",
            "Root@Example.com",
            "--name",
            "Root",
            "--password-stdin",
            "--instance-admin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"correct horse battery staple\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("root@example.com"));

    let out = run(spectree(dir.path()).args(["admin", "user", "list"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed = text(&out.stdout);
    assert!(
        listed.contains("root@example.com") && listed.contains("instance-admin"),
        "{listed}"
    );

    let mut child = spectree(dir.path())
        .args([
            "admin",
            "user",
            "create",
            "--email",
            "root@example.com",
            "--name",
            "Again",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"another long password\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("already exists"),
        "{}",
        text(&out.stderr)
    );
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn a_first_start_creates_the_data_directory_and_logs_a_setup_code() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Server(
        spectree(dir.path())
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = server.0.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut log = Vec::new();
    let code = loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| panic!("no setup code logged; log so far:\n{}", log.join("\n")));
        log.push(line.clone());
        if let Some(i) = line.find("setup code ") {
            break line[i + 11..].chars().take(19).collect::<String>();
        }
    };
    let joined = log.join("\n");
    assert!(
        joined.contains(&format!("listening on http://127.0.0.1:{port}")),
        "{joined}"
    );
    assert!(joined.contains("data"), "{joined}");
    assert!(dir.path().join("data/spectree.db").exists());
    assert!(dir.path().join("data/outbox").is_dir());

    spectree_app::install_tls_provider();
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    assert_eq!(
        http.get(format!("{base}/livez"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let r = http
        .post(format!("{base}/api/v1/setup"))
        .json(&serde_json::json!({"code": code, "email": "admin@example.com", "name": "Admin", "password": "correct horse battery staple"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
}
