//! The server under test: a `spectree serve` process on a free port with its own data
//! directory and, on PostgreSQL, its own database; its log, CPU time and memory.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use sqlx::{AnyConnection, Connection, Executor};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

/// A PostgreSQL database made for one run, dropped at the end.
pub struct PgDatabase {
    admin_url: String,
    name: String,
    /// Its URL.
    pub url: String,
}

impl PgDatabase {
    /// Creates `spectree_bench_<uuid>` on the server `admin_url` points at.
    pub async fn create(admin_url: &str) -> anyhow::Result<PgDatabase> {
        sqlx::any::install_default_drivers();
        let name = format!("spectree_bench_{}", uuid::Uuid::now_v7().simple());
        let mut c = AnyConnection::connect(admin_url)
            .await
            .with_context(|| format!("connecting to {admin_url}"))?;
        c.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .context("creating the benchmark database")?;
        c.close().await.ok();
        let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
        Ok(PgDatabase {
            admin_url: admin_url.to_owned(),
            url: format!("{base}/{name}"),
            name,
        })
    }

    /// `VACUUM (ANALYZE)` on the database: what autovacuum does after a bulk load on a
    /// default PostgreSQL (this lets the planner see the tables' sizes and lets index-only
    /// scans skip the heap).
    pub async fn vacuum_analyze(&self) -> anyhow::Result<()> {
        let mut c = AnyConnection::connect(&self.url).await?;
        c.execute("VACUUM (ANALYZE)").await?;
        c.close().await.ok();
        Ok(())
    }

    /// Drops the database.
    pub async fn drop_database(&self) -> anyhow::Result<()> {
        let mut c = AnyConnection::connect(&self.admin_url).await?;
        c.execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .await?;
        c.close().await.ok();
        Ok(())
    }
}

/// How to start the server.
pub struct ServerOptions<'a> {
    /// The `spectree` binary.
    pub bin: &'a Path,
    /// Where its data (and its log) go.
    pub data_dir: &'a Path,
    /// A PostgreSQL URL; the embedded SQLite file when `None`.
    pub database_url: Option<&'a str>,
    /// `SPECTREE_LOG` for the server.
    pub log_filter: &'a str,
    /// More `SPECTREE_*` settings for the server (name, value).
    pub env: &'a [(String, String)],
}

/// A running server process.
pub struct Server {
    child: Child,
    pid: u32,
    /// Base URL, e.g. `http://127.0.0.1:40123`.
    pub base: String,
    /// The one-time setup code it logged.
    pub setup_code: String,
    /// Its stdout and stderr.
    pub log: PathBuf,
    /// Whether it runs on PostgreSQL.
    pub on_postgres: bool,
}

/// What the server process has used so far.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    /// User plus system CPU time.
    pub cpu: Duration,
    /// Peak resident set (VmHWM), in KiB.
    pub peak_rss_kib: u64,
    /// Resident set now (VmRSS), in KiB.
    pub rss_kib: u64,
}

/// A line of interest in the server's log.
enum Logged {
    Listening(String),
    SetupCode(String),
}

impl Server {
    /// Starts `spectree serve` on port 0 and waits until it is ready. Its environment has
    /// no `SPECTREE_*` variables but the ones set here, so the caller's cannot leak in.
    pub async fn start(opts: &ServerOptions<'_>) -> anyhow::Result<Server> {
        let log = opts.data_dir.join("server.log");
        let mut cmd = Command::new(opts.bin);
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("SPECTREE_") {
                cmd.env_remove(k);
            }
        }
        cmd.arg("serve")
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(opts.data_dir.join("data"))
            .env("SPECTREE_LOG", opts.log_filter)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(url) = opts.database_url {
            cmd.env("SPECTREE_DATABASE_URL", url);
        }
        for (k, v) in opts.env {
            cmd.env(k, v);
        }
        // `SPECTREE_BENCH_SERVER_<KEY>` in the caller's environment sets `SPECTREE_<KEY>` for
        // the server (to compare settings, e.g. page cache sizes).
        for (k, v) in std::env::vars_os() {
            if let Some(key) = k.to_string_lossy().strip_prefix("SPECTREE_BENCH_SERVER_") {
                cmd.env(format!("SPECTREE_{key}"), v);
            }
        }
        let mut child = cmd
            .spawn()
            .with_context(|| format!("starting {}", opts.bin.display()))?;
        let pid = child.id().context("the server exited at once")?;
        let file = tokio::fs::File::create(&log).await?;
        let (tx, mut rx) = mpsc::unbounded_channel();
        let (writer_tx, writer_rx) = mpsc::unbounded_channel::<String>();
        tokio::spawn(write_log(file, writer_rx));
        if let Some(out) = child.stdout.take() {
            tokio::spawn(follow(out, tx.clone(), writer_tx.clone()));
        }
        if let Some(err) = child.stderr.take() {
            tokio::spawn(follow(err, tx, writer_tx));
        }
        let (mut addr, mut code) = (None, None);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while addr.is_none() || code.is_none() {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(Logged::Listening(a))) => addr = Some(a),
                Ok(Some(Logged::SetupCode(c))) => code = Some(c),
                Ok(None) | Err(_) => {
                    let _ = child.start_kill();
                    bail!(
                        "the server did not log its address and setup code; see {}",
                        log.display()
                    );
                }
            }
        }
        let (Some(addr), Some(setup_code)) = (addr, code) else {
            bail!("unreachable: the loop ends with both");
        };
        let server = Server {
            child,
            pid,
            base: format!("http://{addr}"),
            setup_code,
            log,
            on_postgres: opts.database_url.is_some(),
        };
        server.wait_ready().await?;
        Ok(server)
    }

    async fn wait_ready(&self) -> anyhow::Result<()> {
        let http = reqwest::Client::new();
        let start = Instant::now();
        loop {
            if let Ok(r) = http.get(format!("{}/readyz", self.base)).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            if start.elapsed() > Duration::from_secs(60) {
                bail!("{}/readyz did not answer 200 within 60 s", self.base);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// CPU time and memory of the process so far.
    pub fn usage(&self) -> anyhow::Result<Usage> {
        proc_usage(self.pid)
    }

    /// Restarts the process's peak resident size (`VmHWM`) from its current size.
    pub fn reset_peak_rss(&self) -> anyhow::Result<()> {
        reset_peak_rss(self.pid)
    }

    /// Asks the server to shut down (SIGTERM) and waits for it; kills it after 15 s.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let term = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid.to_string())
            .status()
            .await;
        if term.is_ok_and(|s| s.success())
            && tokio::time::timeout(Duration::from_secs(15), self.child.wait())
                .await
                .is_ok()
        {
            return Ok(());
        }
        self.child.kill().await.context("killing the server")
    }
}

/// CPU time and memory of a process so far, from `/proc`.
/// Restarts `pid`'s peak resident size (`VmHWM`) from its current size (Linux 4.0 and later:
/// `5` written to `/proc/<pid>/clear_refs`), so that a peak measured afterwards is the peak
/// of what followed, not of the setup before (signing in hashes a password with 19 MiB).
pub fn reset_peak_rss(pid: u32) -> anyhow::Result<()> {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5")
        .with_context(|| format!("resetting the peak resident size of process {pid}"))
}

pub fn proc_usage(pid: u32) -> anyhow::Result<Usage> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name, which is in parentheses and may hold spaces: field 3
    // (state) is index 0, so utime (field 14) and stime (15) are 11 and 12.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .context("unexpected /proc/<pid>/stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| -> anyhow::Result<u64> {
        Ok(fields.get(i).context("short /proc/<pid>/stat")?.parse()?)
    };
    let ticks = tick(11)? + tick(12)?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib = |key: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    Ok(Usage {
        cpu: Duration::from_secs_f64(ticks as f64 / clock_ticks_per_second()),
        peak_rss_kib: kib("VmHWM:"),
        rss_kib: kib("VmRSS:"),
    })
}

/// CPU time of every `postgres` process on the machine (the server's backends among them).
pub fn postgres_cpu() -> Duration {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Duration::ZERO;
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "postgres")
        })
        .filter_map(|pid| proc_usage(pid).ok())
        .map(|u| u.cpu)
        .sum()
}

/// Clock ticks per second for `/proc/<pid>/stat` (`getconf CLK_TCK`; 100 on Linux).
fn clock_ticks_per_second() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// Copies an output stream of the server to the log, and reports the lines of interest.
async fn follow(
    stream: impl AsyncRead + Unpin,
    found: mpsc::UnboundedSender<Logged>,
    log: mpsc::UnboundedSender<String>,
) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(addr) = after(&line, "is listening on http://") {
            let _ = found.send(Logged::Listening(addr));
        }
        if let Some(code) = after(&line, "setup code ") {
            let _ = found.send(Logged::SetupCode(code));
        }
        let _ = log.send(line);
    }
}

/// The word that follows `marker` in `line`.
fn after(line: &str, marker: &str) -> Option<String> {
    let i = line.find(marker)?;
    let word: String = line[i + marker.len()..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    (!word.is_empty()).then_some(word)
}

async fn write_log(mut file: tokio::fs::File, mut lines: mpsc::UnboundedReceiver<String>) {
    while let Some(mut line) = lines.recv().await {
        line.push('\n');
        while let Ok(more) = lines.try_recv() {
            line.push_str(&more);
            line.push('\n');
        }
        if file.write_all(line.as_bytes()).await.is_err() || file.flush().await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::after;

    #[test]
    fn the_address_and_setup_code_are_read_from_the_log() {
        let line = "2026-01-01T00:00:00Z  WARN spectree::server: This instance has no administrator \
                    yet. Open http://127.0.0.1:8080/setup and enter the one-time setup code \
                    ABCD-EFGH-JKMN-PQRS (or run ...)";
        assert_eq!(
            after(line, "setup code ").as_deref(),
            Some("ABCD-EFGH-JKMN-PQRS")
        );
        let line =
            "INFO spectree::server: Spec Tree is listening on http://127.0.0.1:4321 (data in x)";
        assert_eq!(
            after(line, "is listening on http://").as_deref(),
            Some("127.0.0.1:4321")
        );
    }
}
