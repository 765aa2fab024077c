//! `spectree-bench history`: the version history targets, end to end through the API of a
//! real server. One item gets many REST changes (each one a version), then its version list
//! is read page by page; a second item with a 100 KB description gets two versions that
//! differ in scattered words, and their diff is timed; the bytes the versions take in the
//! database are read back to show how storage grows.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use clap::Args;
use serde_json::{Value, json};
use sqlx::Row;

use crate::Database;
use crate::api::Api;
use crate::server::{PgDatabase, Server, ServerOptions};
use crate::stats::{Summary, size};
use crate::text::{Rng, Vocabulary};

/// Options of the history benchmark.
#[derive(Args)]
pub struct HistoryArgs {
    /// Which database the server uses.
    #[arg(long, value_enum, default_value_t = Database::Sqlite)]
    database: Database,
    /// PostgreSQL server to make a fresh database on (with `--database postgres`).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg_url: String,
    /// Versions of the first item (one REST change each).
    #[arg(long, default_value_t = 10_000)]
    versions: usize,
    /// Size of the large description, in KiB.
    #[arg(long, default_value_t = 100)]
    description_kib: usize,
    /// Versions of the large item (one changed word each), for the storage figure.
    #[arg(long, default_value_t = 200)]
    large_versions: usize,
    /// Requests timed per measurement.
    #[arg(long, default_value_t = 50)]
    samples: usize,
    /// The `spectree` binary (default: next to this one).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// `SPECTREE_LOG` for the server.
    #[arg(long, default_value = "info")]
    server_log: String,
}

/// A bearer-token client with PATCH (the shared API client has no PATCH).
struct Http {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Http {
    async fn send(&self, b: reqwest::RequestBuilder) -> anyhow::Result<(u16, Vec<u8>)> {
        let r = b.bearer_auth(&self.token).send().await?;
        let status = r.status().as_u16();
        let body = r.bytes().await?.to_vec();
        if !(200..300).contains(&status) {
            bail!("{status}: {}", String::from_utf8_lossy(&body));
        }
        Ok((status, body))
    }

    async fn patch(&self, path: &str, body: &Value) -> anyhow::Result<()> {
        let url = format!("{}{path}", self.base);
        self.send(self.http.patch(url).json(body)).await.map(|_| ())
    }

    async fn get(&self, path: &str) -> anyhow::Result<Vec<u8>> {
        let url = format!("{}{path}", self.base);
        Ok(self.send(self.http.get(url)).await?.1)
    }
}

/// Times `n` GETs of `path`; returns the summary and the size of the last answer.
async fn time_get(h: &Http, path: &str, n: usize) -> anyhow::Result<(Summary, usize)> {
    let mut samples = Vec::with_capacity(n);
    let mut bytes = 0;
    for _ in 0..n {
        let t = Instant::now();
        bytes = h.get(path).await?.len();
        samples.push(t.elapsed());
    }
    Ok((Summary::of(&samples), bytes))
}

/// Waits until the server has finished the background work the writes left (it used under
/// 5 % of a core over a second), at most 120 s, so the reads are timed on a settled server;
/// returns how long that took.
async fn settle(server: &Server) -> anyhow::Result<Duration> {
    let start = Instant::now();
    let mut before = server.usage()?.cpu;
    while start.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = server.usage()?.cpu;
        if now.saturating_sub(before) < Duration::from_millis(50) {
            break;
        }
        before = now;
    }
    Ok(start.elapsed())
}

/// Rows, full snapshots and stored bytes of an item's versions.
async fn storage(db_url: &str, item: &str) -> anyhow::Result<(i64, i64, i64)> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(db_url)
        .await?;
    let r = sqlx::query(
        "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(is_full), 0) AS BIGINT) AS f, \
         CAST(COALESCE(SUM(LENGTH(state)), 0) AS BIGINT) AS b FROM item_versions WHERE item_id = $1",
    )
    .bind(item)
    .fetch_one(&pool)
    .await?;
    let out = (r.try_get("n")?, r.try_get("f")?, r.try_get("b")?);
    pool.close().await;
    Ok(out)
}

/// Runs the history benchmark and prints its tables.
pub async fn history(args: HistoryArgs) -> anyhow::Result<()> {
    let bin = match &args.server_bin {
        Some(p) => p.clone(),
        None => std::env::current_exe()?.with_file_name("spectree"),
    };
    ensure!(bin.is_file(), "no server binary at {}", bin.display());
    ensure!(
        args.versions > 0 && args.samples > 0,
        "--versions and --samples must be at least 1"
    );
    let dir = tempfile::Builder::new()
        .prefix("spectree-bench-history-")
        .tempdir()?;
    let pg = match args.database {
        Database::Sqlite => None,
        Database::Postgres => Some(PgDatabase::create(&args.pg_url).await?),
    };
    let server = Server::start(&ServerOptions {
        bin: &bin,
        data_dir: dir.path(),
        database_url: pg.as_ref().map(|d| d.url.as_str()),
        log_filter: &args.server_log,
        env: &[],
    })
    .await?;
    let db_url = match &pg {
        Some(p) => p.url.clone(),
        None => format!("sqlite://{}/data/spectree.db?mode=ro", dir.path().display()),
    };
    let outcome = measure(&args, &server, &db_url).await;
    let stopped = server.stop().await;
    if let Some(pg) = &pg
        && let Err(e) = pg.drop_database().await
    {
        eprintln!("warning: dropping {} failed: {e:#}", pg.url);
    }
    outcome?;
    stopped
}

async fn measure(args: &HistoryArgs, server: &Server, db_url: &str) -> anyhow::Result<()> {
    let api = Api::first_admin(&server.base, &server.setup_code).await?;
    let project = crate::make_project(&api).await?;
    let token = api
        .post("/api/v1/me/tokens", &json!({"name": "history-bench"}))
        .await?;
    let h = Http {
        base: server.base.clone(),
        token: token["secret"]
            .as_str()
            .context("no token secret")?
            .to_owned(),
        http: reqwest::Client::new(),
    };
    let id = |v: &Value| -> anyhow::Result<String> {
        Ok(v["id"].as_str().context("answer has no id")?.to_owned())
    };
    let database = if server.on_postgres {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!("## History benchmark ({database})\n");

    // 1. Many versions of one item.
    let item = id(&api
        .post(
            &format!("/api/v1/projects/{project}/items"),
            &json!({"type": "story", "title": "Rev 0", "description": "A story that changes a lot."}),
        )
        .await?)?;
    let t = Instant::now();
    for i in 1..args.versions {
        h.patch(
            &format!("/api/v1/items/{item}"),
            &json!({"title": format!("Rev {i}")}),
        )
        .await?;
        if i % 1000 == 0 {
            eprintln!("{i} versions ({:.1} s)", t.elapsed().as_secs_f64());
        }
    }
    let made = t.elapsed();
    let settled = settle(server).await?;
    let (rows, fulls, bytes) = storage(db_url, &item).await?;
    println!(
        "{} versions made by REST changes in {:.1} s ({:.2} ms each); stored: {rows} rows, {fulls} full snapshots, {}. The server's follow-up work (activities, notifications, search keys) settled {:.1} s later.\n",
        args.versions,
        made.as_secs_f64(),
        made.as_secs_f64() * 1000.0 / args.versions.max(1) as f64,
        size(bytes as usize),
        settled.as_secs_f64()
    );
    println!("| request | p50 / p90 / p99 / max | answer |\n|---|---|---|");
    let first = format!("/api/v1/items/{item}/versions?limit=200");
    let (s, b) = time_get(&h, &first, args.samples).await?;
    println!(
        "| list versions, first page of 200 | {} | {} |",
        s.row(),
        size(b)
    );
    let mid = format!(
        "/api/v1/items/{item}/versions?limit=200&cursor={}",
        args.versions / 2
    );
    let (s, b) = time_get(&h, &mid, args.samples).await?;
    println!(
        "| list versions, a middle page of 200 | {} | {} |",
        s.row(),
        size(b)
    );
    let mut walks = Vec::new();
    for _ in 0..args.samples.min(10) {
        let t = Instant::now();
        let mut cursor: Option<String> = None;
        let mut seen = 0;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/items/{item}/versions?limit=200&cursor={c}"),
                None => first.clone(),
            };
            let page: Value = serde_json::from_slice(&h.get(&path).await?)?;
            seen += page["items"].as_array().map_or(0, Vec::len);
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        ensure!(seen == args.versions, "walked {seen} versions");
        walks.push(t.elapsed());
    }
    println!(
        "| list all {} versions (every page of 200) | {} | |",
        args.versions,
        Summary::of(&walks).row()
    );
    // The whole index in one request (metadata only, up to 10,000 versions per answer).
    let index = format!("/api/v1/items/{item}/versions/index");
    let all: Value = serde_json::from_slice(&h.get(&index).await?)?;
    let listed = all["versions"].as_array().map_or(0, Vec::len);
    ensure!(
        listed == args.versions.min(10_000),
        "the index listed {listed} versions"
    );
    let (s, b) = time_get(&h, &index, args.samples).await?;
    println!(
        "| version index: all {listed} versions' metadata in one request | {} | {} |",
        s.row(),
        size(b)
    );
    let read = format!("/api/v1/items/{item}/versions/{}", args.versions - 1);
    let (s, b) = time_get(&h, &read, args.samples).await?;
    println!(
        "| read one version (last full snapshot + patches) | {} | {} |",
        s.row(),
        size(b)
    );

    // 2. A 100 KB description: diff of two versions, and storage growth.
    let mut rng = Rng::new(7);
    let vocab = Vocabulary::new(5000, &mut rng);
    let mut words: Vec<String> = Vec::new();
    let mut len = 0;
    while len < args.description_kib * 1024 {
        let w = vocab.draw(&mut rng).to_owned();
        len += w.len() + 1;
        words.push(w);
    }
    let text = |ws: &[String]| -> String {
        ws.chunks(12)
            .map(|c| c.join(" "))
            .collect::<Vec<_>>()
            .join(".\n")
    };
    let v1 = text(&words);
    let big = id(&api
        .post(
            &format!("/api/v1/projects/{project}/items"),
            &json!({"type": "story", "title": "Large", "description": v1}),
        )
        .await?)?;
    let mut changed = words.clone();
    for i in (0..changed.len()).step_by(50) {
        changed[i] = format!("changed{i}");
    }
    let v2 = text(&changed);
    h.patch(&format!("/api/v1/items/{big}"), &json!({"description": v2}))
        .await?;
    let diff = format!("/api/v1/items/{big}/diff?from=1&to=2");
    let (s, b) = time_get(&h, &diff, args.samples).await?;
    println!(
        "| diff of two versions of a {} description ({} words changed), JSON | {} | {} |",
        size(v1.len()),
        changed.len().div_ceil(50),
        s.row(),
        size(b)
    );
    let (s, b) = time_get(&h, &format!("{diff}&format=markdown"), args.samples).await?;
    println!("| the same diff as Markdown | {} | {} |", s.row(), size(b));

    let mut current = changed;
    for k in 0..args.large_versions {
        let i = (k * 7919) % current.len();
        current[i] = format!("edit{k}");
        h.patch(
            &format!("/api/v1/items/{big}"),
            &json!({"description": text(&current)}),
        )
        .await?;
    }
    let (rows, fulls, bytes) = storage(db_url, &big).await?;
    let naive = rows as usize * v1.len();
    println!(
        "\nStorage of the large item: {rows} versions of a {} description take {} \
         ({fulls} full snapshots, the rest patches); a full copy per version would take {} ({:.1}x).",
        size(v1.len()),
        size(bytes as usize),
        size(naive),
        naive as f64 / bytes.max(1) as f64
    );
    Ok(())
}
