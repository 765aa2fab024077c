//! Real Yjs peers for collaboration tests: each [`YjsPeer`] is a Node process running stock npm
//! `yjs` + `y-websocket` (`yjs/client.mjs`), driven by JSON lines; [`ReferenceServer`] is the
//! official `@y/websocket-server`, a yardstick for the harness itself and for benchmarks.
//!
//! The npm packages come from the committed `yjs/package-lock.json` through `npm ci`, run on
//! first use by [`ensure_npm_deps`].

use std::collections::HashSet;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::{Notify, OnceCell, mpsc};

/// The folder holding `package.json`, `package-lock.json` and `client.mjs`.
pub const YJS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/yjs");

/// How long [`YjsPeer::call`] waits for a reply, on top of any `timeoutMs` in the command.
const CALL_DEADLINE: Duration = Duration::from_secs(30);

/// Lines of the peer's stderr kept for error messages.
const STDERR_TAIL: usize = 40;

/// Written into `node_modules` after a successful `npm ci`: a copy of the lock file it installed.
const STAMP: &str = "node_modules/.spectree-installed-lock.json";

static NPM_DEPS: OnceCell<PathBuf> = OnceCell::const_new();

/// Makes sure `yjs/node_modules` matches `yjs/package-lock.json`, running
/// `npm ci --no-audit --no-fund` when it does not, and returns the folder.
///
/// Installs at most once per process (a `OnceCell`), and test processes running side by side
/// take turns through an OS file lock in the temp folder, released even if a holder dies.
/// Missing `node` or `npm` is an error, not a skip: collaboration tests need real peers.
pub async fn ensure_npm_deps() -> anyhow::Result<PathBuf> {
    NPM_DEPS
        .get_or_try_init(|| async {
            let dir = PathBuf::from(YJS_DIR);
            require_tool("node").await?;
            if is_installed(&dir)? {
                return Ok(dir);
            }
            require_tool("npm").await?;
            let install_dir = dir.clone();
            tokio::task::spawn_blocking(move || install_under_lock(&install_dir))
                .await
                .context("npm install task panicked")??;
            Ok(dir)
        })
        .await
        .cloned()
}

async fn require_tool(tool: &str) -> anyhow::Result<()> {
    let out = Command::new(tool)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|e| {
            anyhow!(
                "`{tool}` is needed to run real yjs peers in tests but could not be started ({e}); \
                 install Node.js 20+ with npm"
            )
        })?;
    if !out.status.success() {
        bail!(
            "`{tool} --version` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// Whether `node_modules` was installed by `npm ci` from the current lock file.
fn is_installed(dir: &Path) -> anyhow::Result<bool> {
    let lock = std::fs::read(dir.join("package-lock.json"))
        .with_context(|| format!("reading {}/package-lock.json", dir.display()))?;
    Ok(std::fs::read(dir.join(STAMP)).is_ok_and(|stamp| stamp == lock))
}

fn install_under_lock(dir: &Path) -> anyhow::Result<()> {
    let lock_name: String = dir
        .display()
        .to_string()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let lock_path = std::env::temp_dir().join(format!("spectree-npm-ci{lock_name}.lock"));
    let lock_file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("opening {}", lock_path.display()))?;
    lock_file
        .lock()
        .with_context(|| format!("locking {}", lock_path.display()))?;
    // Another process may have installed while we waited for the lock.
    if !is_installed(dir)? {
        let out = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
            .context("starting `npm ci`")?;
        if !out.status.success() {
            bail!(
                "`npm ci` in {} failed ({}):\n{}\n{}",
                dir.display(),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::fs::copy(dir.join("package-lock.json"), dir.join(STAMP))
            .context("writing the npm install stamp")?;
    }
    // Dropping the file releases the lock.
    drop(lock_file);
    Ok(())
}

/// Events and stderr gathered by the reader tasks.
#[derive(Default)]
struct Shared {
    events: Vec<Value>,
    stderr: Vec<String>,
}

/// One stock Yjs client (a Y.Doc and a `WebsocketProvider`) in its own Node process.
///
/// Commands are JSON objects with a `cmd` key and their arguments (see `yjs/README.md`), e.g.
/// `json!({"cmd": "insertText", "field": "title", "index": 0, "text": "Hi"})`. The process is
/// killed when the peer is dropped.
pub struct YjsPeer {
    child: Child,
    stdin: ChildStdin,
    replies: mpsc::UnboundedReceiver<Value>,
    shared: Arc<Mutex<Shared>>,
    new_event: Arc<Notify>,
    /// Indices into `events` already handed out by `wait_event`.
    taken: HashSet<usize>,
    next_id: u64,
}

impl YjsPeer {
    /// Installs the npm packages if needed and starts `node client.mjs`. The peer is not
    /// connected yet: send `connect` (or use [`YjsPeer::connect`]).
    pub async fn spawn() -> anyhow::Result<YjsPeer> {
        let dir = ensure_npm_deps().await?;
        let mut child = Command::new("node")
            .arg("client.mjs")
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("starting `node client.mjs`")?;
        let stdin = child.stdin.take().context("no stdin")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let stderr = child.stderr.take().context("no stderr")?;
        let shared = Arc::new(Mutex::new(Shared::default()));
        let new_event = Arc::new(Notify::new());
        let (tx, replies) = mpsc::unbounded_channel();
        tokio::spawn(read_stdout(
            stdout,
            tx,
            Arc::clone(&shared),
            Arc::clone(&new_event),
        ));
        tokio::spawn(read_stderr(stderr, Arc::clone(&shared)));
        Ok(YjsPeer {
            child,
            stdin,
            replies,
            shared,
            new_event,
            taken: HashSet::new(),
            next_id: 1,
        })
    }

    /// Spawns a peer and connects it to `url` (e.g. `ws://127.0.0.1:4000/collab`), room `room`,
    /// with `?token=` when given. Does not wait for the sync: call `waitSynced` for that.
    pub async fn connect(url: &str, room: &str, token: Option<&str>) -> anyhow::Result<YjsPeer> {
        let mut peer = Self::spawn().await?;
        peer.call(json!({"cmd": "connect", "url": url, "room": room, "token": token}))
            .await?;
        Ok(peer)
    }

    /// Sends one command and returns its reply object (`{"reqId", "ok": true, ...results}`),
    /// or the peer's error text as an `Err`. The correlation key `reqId` is added here. Waits
    /// 30 s, plus the command's own `timeoutMs` if it has one.
    pub async fn call(&mut self, cmd: Value) -> anyhow::Result<Value> {
        let Value::Object(mut obj) = cmd else {
            bail!("a peer command is a JSON object, got {cmd}");
        };
        let name = obj.get("cmd").cloned().unwrap_or(Value::Null);
        let req_id = self.next_id;
        self.next_id += 1;
        obj.insert("reqId".to_owned(), json!(req_id));
        let extra = obj
            .get("timeoutMs")
            .and_then(Value::as_u64)
            .map_or(Duration::ZERO, Duration::from_millis);
        let mut line = serde_json::to_string(&obj)?;
        line.push('\n');
        if let Err(e) = self.stdin.write_all(line.as_bytes()).await {
            bail!(
                "peer is gone ({e}) while sending {name}{}",
                self.stderr_tail()
            );
        }
        self.stdin.flush().await?;
        let deadline = tokio::time::Instant::now() + CALL_DEADLINE + extra;
        loop {
            let reply = match tokio::time::timeout_at(deadline, self.replies.recv()).await {
                Err(_) => bail!("no reply to {name} in time{}", self.stderr_tail()),
                Ok(None) => bail!(
                    "peer exited before replying to {name}{}",
                    self.stderr_tail()
                ),
                Ok(Some(reply)) => reply,
            };
            // Replies to earlier calls that timed out are stale; skip them.
            if reply.get("reqId") != Some(&json!(req_id)) {
                continue;
            }
            if reply.get("ok") == Some(&Value::Bool(true)) {
                return Ok(reply);
            }
            let error = reply
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("error without a message");
            bail!("{name} failed: {error}");
        }
    }

    /// All events seen so far, oldest first (`{"event": "status", "status": "connected"}`, ...).
    pub fn events(&self) -> Vec<Value> {
        self.shared.lock().unwrap().events.clone()
    }

    /// The earliest event named `name` not yet returned by `wait_event`, waiting up to `timeout`
    /// for one to arrive. Successive calls walk through successive occurrences.
    pub async fn wait_event(&mut self, name: &str, timeout: Duration) -> anyhow::Result<Value> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Register interest before looking, so an event pushed in between is not missed.
            let notified = self.new_event.notified();
            {
                let shared = self.shared.lock().unwrap();
                let found = shared.events.iter().enumerate().find(|(i, e)| {
                    !self.taken.contains(i) && e.get("event").and_then(Value::as_str) == Some(name)
                });
                if let Some((i, event)) = found {
                    let event = event.clone();
                    drop(shared);
                    self.taken.insert(i);
                    return Ok(event);
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                bail!(
                    "no {name} event within {timeout:?}; events so far: {}",
                    Value::Array(self.events())
                );
            }
        }
    }

    /// The last lines the peer wrote to stderr (library warnings, crashes).
    pub fn stderr(&self) -> Vec<String> {
        self.shared.lock().unwrap().stderr.clone()
    }

    /// The operating system's id of the Node process, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    fn stderr_tail(&self) -> String {
        let lines = self.stderr();
        if lines.is_empty() {
            String::new()
        } else {
            format!("\npeer stderr:\n{}", lines.join("\n"))
        }
    }
}

impl Drop for YjsPeer {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // The test failed: what the peer saw helps to tell why.
            eprintln!(
                "yjs peer {:?} events: {}{}",
                self.child.id(),
                Value::Array(self.events()),
                self.stderr_tail()
            );
        }
        // `kill_on_drop` ends the process; starting the kill here makes it prompt.
        let _ = self.child.start_kill();
    }
}

async fn read_stdout(
    stdout: impl AsyncRead + Unpin,
    replies: mpsc::UnboundedSender<Value>,
    shared: Arc<Mutex<Shared>>,
    new_event: Arc<Notify>,
) {
    let mut lines = BufReader::new(stdout).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let value = match serde_json::from_str::<Value>(&line) {
            Ok(v) if v.is_object() => v,
            _ => json!({"event": "stdout-noise", "line": line}),
        };
        if value.get("event").is_some() {
            shared.lock().unwrap().events.push(value);
            new_event.notify_waiters();
        } else {
            // The receiver is gone only when the peer was dropped.
            let _ = replies.send(value);
        }
    }
}

async fn read_stderr(stderr: impl AsyncRead + Unpin, shared: Arc<Mutex<Shared>>) {
    let mut lines = BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let mut shared = shared.lock().unwrap();
        if shared.stderr.len() == STDERR_TAIL {
            shared.stderr.remove(0);
        }
        shared.stderr.push(line);
    }
}

/// The official Node `y-websocket` server (`@y/websocket-server`) on a free loopback port:
/// the reference the harness is checked against, and a baseline for benchmarks. Killed on drop.
pub struct ReferenceServer {
    /// The provider URL, e.g. `ws://127.0.0.1:40123`; a room is a path segment under it.
    pub url: String,
    /// The port it listens on.
    pub port: u16,
    child: Child,
}

impl ReferenceServer {
    /// Starts the server and waits until it listens.
    pub async fn start() -> anyhow::Result<ReferenceServer> {
        let dir = ensure_npm_deps().await?;
        // The server cannot report a port it was given as 0, so pick a free one first. Another
        // process may take it in between; then the start fails loudly rather than flaking.
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut child = Command::new("node")
            .arg("node_modules/@y/websocket-server/src/server.js")
            .current_dir(&dir)
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .env_remove("YPERSISTENCE")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .context("starting @y/websocket-server")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await? {
                if line.contains("running at") {
                    return Ok(());
                }
            }
            bail!("@y/websocket-server exited before listening")
        })
        .await
        .context("@y/websocket-server did not start within 30 s")?;
        ready?;
        // Keep draining stdout so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(ReferenceServer {
            url: format!("ws://127.0.0.1:{port}"),
            port,
            child,
        })
    }
}

impl Drop for ReferenceServer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}
