//! The servers a collaboration run measures: `spectree serve` (one node on SQLite, or two
//! nodes on one PostgreSQL database behind Redis) and the official Node
//! `@y/websocket-server`, each optionally pinned to CPUs with `taskset`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::json;
use tokio::process::{Child, Command};

use crate::api::Api;
use crate::server::{PgDatabase, Server, ServerOptions, Usage, proc_usage};

/// A running target: its processes and the room URLs of its nodes.
pub enum Running {
    /// Spectree nodes (the first made the setup), with a token and the items to use as rooms.
    Spectree {
        nodes: Vec<Server>,
        token: String,
        items: Vec<String>,
        pg: Option<PgDatabase>,
    },
    /// The Node reference server.
    Reference { child: Child, port: u16 },
}

impl Running {
    /// The WebSocket URL of room `r` on node `n`.
    pub fn url(&self, r: usize, n: usize) -> String {
        match self {
            Running::Spectree {
                nodes,
                token,
                items,
                ..
            } => {
                let base = nodes[n % nodes.len()].base.replacen("http://", "ws://", 1);
                format!("{base}/collab/{}?token={token}", items[r])
            }
            Running::Reference { port, .. } => format!("ws://127.0.0.1:{port}/bench-room-{r}"),
        }
    }

    /// How many nodes serve the rooms.
    pub fn nodes(&self) -> usize {
        match self {
            Running::Spectree { nodes, .. } => nodes.len(),
            Running::Reference { .. } => 1,
        }
    }

    /// CPU and memory of each server process.
    pub fn usage(&self) -> anyhow::Result<Vec<Usage>> {
        match self {
            Running::Spectree { nodes, .. } => nodes.iter().map(Server::usage).collect(),
            Running::Reference { child, .. } => Ok(vec![proc_usage(
                child.id().context("the reference server exited")?,
            )?]),
        }
    }

    /// Restarts every server process's peak resident size from its current size.
    pub fn reset_peak_rss(&self) -> anyhow::Result<()> {
        match self {
            Running::Spectree { nodes, .. } => nodes.iter().try_for_each(Server::reset_peak_rss),
            Running::Reference { child, .. } => {
                crate::server::reset_peak_rss(child.id().context("the reference server exited")?)
            }
        }
    }

    /// Stops everything (and drops the PostgreSQL database).
    pub async fn stop(self) -> anyhow::Result<()> {
        match self {
            Running::Spectree { nodes, pg, .. } => {
                for n in nodes {
                    n.stop().await?;
                }
                if let Some(pg) = pg {
                    pg.drop_database().await?;
                }
            }
            Running::Reference { mut child, .. } => {
                child.kill().await.ok();
            }
        }
        Ok(())
    }
}

/// How to start spectree.
pub struct SpectreeOptions<'a> {
    pub bin: &'a Path,
    pub dir: &'a Path,
    pub cpus: Option<&'a str>,
    pub log: &'a str,
    /// Two nodes on PostgreSQL behind Redis instead of one on SQLite.
    pub cluster: Option<(&'a str, &'a str)>,
    /// Extra TOML for the configuration file.
    pub config: &'a str,
}

/// A shell script that runs the server binary pinned (when asked) and with a configuration
/// file: `Server::start` runs it like the binary, and `exec` keeps the process id.
fn wrapper(opts: &SpectreeOptions<'_>, name: &str, redis: Option<&str>) -> anyhow::Result<PathBuf> {
    let config = opts.dir.join(format!("{name}.toml"));
    std::fs::write(&config, opts.config)?;
    let mut line = String::from("exec ");
    if let Some(c) = opts.cpus {
        line.push_str(&format!("taskset -c {c} "));
    }
    line.push_str(&format!(
        "'{}' --config '{}'",
        opts.bin.display(),
        config.display()
    ));
    if let Some(r) = redis {
        line.push_str(&format!(" --redis-url '{r}'"));
    }
    line.push_str(" \"$@\"\n");
    let path = opts.dir.join(format!("{name}.sh"));
    std::fs::write(&path, format!("#!/bin/sh\n{line}"))?;
    let status = std::process::Command::new("chmod")
        .arg("+x")
        .arg(&path)
        .status()?;
    if !status.success() {
        bail!("chmod +x {} failed", path.display());
    }
    Ok(path)
}

/// Starts spectree and sets up `rooms` items (with `description` each) and a token.
pub async fn spectree(
    opts: &SpectreeOptions<'_>,
    rooms: usize,
    description: &str,
) -> anyhow::Result<Running> {
    let (count, pg, redis) = match opts.cluster {
        Some((pg_url, redis)) => (2, Some(PgDatabase::create(pg_url).await?), Some(redis)),
        None => (1, None, None),
    };
    let mut nodes = Vec::new();
    for n in 0..count {
        let bin = wrapper(opts, &format!("node{n}"), redis)?;
        let data = opts.dir.join(format!("node{n}"));
        std::fs::create_dir_all(&data)?;
        nodes.push(
            Server::start(&ServerOptions {
                bin: &bin,
                data_dir: &data,
                database_url: pg.as_ref().map(|p| p.url.as_str()),
                log_filter: opts.log,
                env: &[],
            })
            .await?,
        );
    }
    let api = Api::first_admin(&nodes[0].base, &nodes[0].setup_code).await?;
    let token = api
        .post("/api/v1/me/tokens", &json!({ "name": "collab-bench" }))
        .await?["secret"]
        .as_str()
        .context("token answer has no secret")?
        .to_owned();
    let items = setup_items(&api, rooms, description).await?;
    Ok(Running::Spectree {
        nodes,
        token,
        items,
        pg,
    })
}

/// An organization, team and project with `n` stories.
pub async fn setup_items(api: &Api, n: usize, description: &str) -> anyhow::Result<Vec<String>> {
    let id = |v: serde_json::Value| -> anyhow::Result<String> {
        Ok(v["id"].as_str().context("answer has no id")?.to_owned())
    };
    let org = id(api
        .post("/api/v1/orgs", &json!({ "name": "Bench", "slug": "bench" }))
        .await?)?;
    let team = id(api
        .post(
            &format!("/api/v1/orgs/{org}/teams"),
            &json!({ "name": "Live", "slug": "live" }),
        )
        .await?)?;
    let project = id(api
        .post(
            &format!("/api/v1/teams/{team}/projects"),
            &json!({ "name": "Live", "slug": "live" }),
        )
        .await?)?;
    let mut items = Vec::with_capacity(n);
    let mut pending = Vec::new();
    for i in 0..n {
        let api = api.fresh()?;
        let path = format!("/api/v1/projects/{project}/items");
        let body = json!({ "type": "story", "title": format!("Bench item {i}"), "description": description });
        pending.push(tokio::spawn(async move { api.post(&path, &body).await }));
        if pending.len() == 16 || i + 1 == n {
            for p in pending.drain(..) {
                items.push(id(p.await??)?);
            }
        }
    }
    Ok(items)
}

/// Starts `@y/websocket-server` (no persistence) from the test kit's npm folder.
pub async fn reference(yjs_dir: &Path, cpus: Option<&str>) -> anyhow::Result<Running> {
    let yjs_dir = &yjs_dir
        .canonicalize()
        .with_context(|| format!("{} is not there", yjs_dir.display()))?;
    let script = yjs_dir.join("node_modules/@y/websocket-server/src/server.js");
    if !script.is_file() {
        bail!(
            "{} is missing: run `npm ci` in {}",
            script.display(),
            yjs_dir.display()
        );
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut cmd = match cpus {
        Some(c) => {
            let mut cmd = Command::new("taskset");
            cmd.arg("-c").arg(c).arg("node");
            cmd
        }
        None => Command::new("node"),
    };
    let child = cmd
        .arg(&script)
        .current_dir(yjs_dir)
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env_remove("YPERSISTENCE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .context("starting node")?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        if tokio::time::Instant::now() > deadline {
            bail!("@y/websocket-server did not listen on {port} within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(Running::Reference { child, port })
}
