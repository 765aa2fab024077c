//! `spectree-bench activity`: live activity delivery. Many Server-Sent Event subscribers
//! follow one project's activity stream on a real server while items are created at a
//! steady rate; for every event and subscriber the latency is the time from the activity's
//! `created_at` (taken inside the creating transaction, just before its commit, in
//! milliseconds) to the moment the subscriber read it. Both clocks are this machine's, so
//! the figure is "commit to subscriber", rounded up by under a millisecond.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail, ensure};
use clap::Args;
use serde_json::{Value, json};
use spectree_domain::Timestamp;
use tokio::sync::watch;

use crate::Database;
use crate::api::Api;
use crate::server::{PgDatabase, Server, ServerOptions};
use crate::stats::Summary;

/// Options of the activity benchmark.
#[derive(Args)]
pub struct ActivityArgs {
    /// Which database the server uses.
    #[arg(long, value_enum, default_value_t = Database::Sqlite)]
    database: Database,
    /// PostgreSQL server to make a fresh database on (with `--database postgres`).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg_url: String,
    /// SSE subscribers on the project's activity stream.
    #[arg(long, default_value_t = 1000)]
    subscribers: usize,
    /// Items created per second (one activity each).
    #[arg(long, default_value_t = 10)]
    rate: u32,
    /// How long items are created, in seconds.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// The `spectree` binary (default: next to this one).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// `SPECTREE_LOG` for the server.
    #[arg(long, default_value = "info")]
    server_log: String,
}

/// Runs the benchmark and prints its Markdown table.
pub async fn activity(args: ActivityArgs) -> anyhow::Result<()> {
    let bin = match &args.server_bin {
        Some(p) => p.clone(),
        None => std::env::current_exe()?.with_file_name("spectree"),
    };
    ensure!(bin.is_file(), "no server binary at {}", bin.display());
    ensure!(
        args.subscribers > 0 && args.rate > 0 && args.seconds > 0,
        "--subscribers, --rate and --seconds must be at least 1"
    );
    let dir = tempfile::Builder::new()
        .prefix("spectree-bench-activity-")
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
    let outcome = measure(&args, &server).await;
    let stopped = server.stop().await;
    if let Some(pg) = &pg
        && let Err(e) = pg.drop_database().await
    {
        eprintln!("warning: dropping {} failed: {e:#}", pg.url);
    }
    outcome?;
    stopped
}

/// Milliseconds since the Unix epoch, now.
fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or_default()
}

/// One subscriber: reads the stream until told to stop; returns the latencies it saw.
async fn subscribe(
    res: reqwest::Response,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<Vec<Duration>> {
    let mut res = res;
    let mut buf: Vec<u8> = Vec::new();
    let mut out = Vec::new();
    loop {
        let chunk = tokio::select! {
            c = res.chunk() => c?,
            _ = stop.wait_for(|s| *s) => return Ok(out),
        };
        let Some(chunk) = chunk else {
            bail!("the stream ended");
        };
        let got = now_ms();
        buf.extend_from_slice(&chunk);
        while let Some(end) = buf.windows(2).position(|w| w == b"\n\n") {
            let frame: Vec<u8> = buf.drain(..end + 2).collect();
            let frame = String::from_utf8_lossy(&frame);
            if !frame.lines().any(|l| l == "event: activity") {
                continue;
            }
            let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data: ")) else {
                continue;
            };
            let v: Value = serde_json::from_str(data)?;
            let created = v["created_at"]
                .as_str()
                .and_then(Timestamp::parse_rfc3339)
                .context("an activity without created_at")?;
            let lat = (got - created.0 as f64).max(0.0);
            out.push(Duration::from_secs_f64(lat / 1000.0));
        }
    }
}

async fn measure(args: &ActivityArgs, server: &Server) -> anyhow::Result<()> {
    let api = Api::first_admin(&server.base, &server.setup_code).await?;
    let project = crate::make_project(&api).await?;
    let token = api
        .post("/api/v1/me/tokens", &json!({"name": "activity-bench"}))
        .await?;
    let token = token["secret"]
        .as_str()
        .context("no token secret")?
        .to_owned();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()?;
    let url = format!("{}/api/v1/projects/{project}/activity/stream", server.base);
    eprintln!("opening {} subscribers…", args.subscribers);
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = Vec::with_capacity(args.subscribers);
    for _ in 0..args.subscribers {
        let res = http.get(&url).bearer_auth(&token).send().await?;
        ensure!(res.status().is_success(), "subscribe: {}", res.status());
        tasks.push(tokio::spawn(subscribe(res, stop_rx.clone())));
    }
    let database = if server.on_postgres {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let events = args.rate as u64 * args.seconds;
    eprintln!("creating {events} items at {}/s on {database}…", args.rate);
    let writer = Arc::new(api.fresh()?);
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(args.rate)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let started = Instant::now();
    let mut create_times = Vec::with_capacity(events as usize);
    for n in 0..events {
        tick.tick().await;
        let t = Instant::now();
        writer
            .post(
                &format!("/api/v1/projects/{project}/items"),
                &json!({"type": "epic", "title": format!("Epic {n}")}),
            )
            .await?;
        create_times.push(t.elapsed());
    }
    let elapsed = started.elapsed();
    // Let the last events arrive, then stop the subscribers.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let _ = stop_tx.send(true);
    let mut all = Vec::with_capacity(events as usize * args.subscribers);
    let mut failed = 0usize;
    for t in tasks {
        match t.await {
            Ok(Ok(v)) => all.extend(v),
            Ok(Err(e)) => {
                failed += 1;
                eprintln!("a subscriber failed: {e:#}");
            }
            Err(e) => {
                failed += 1;
                eprintln!("a subscriber panicked: {e}");
            }
        }
    }
    let s = Summary::of(&all);
    let expected = events as usize * args.subscribers;
    let create = Summary::of(&create_times);
    println!(
        "### Activity delivery ({database}, {} subscribers)\n",
        args.subscribers
    );
    println!("| measure | value |");
    println!("| --- | --- |");
    println!(
        "| items created (one activity each) | {events} in {:.1} s ({:.1}/s) |",
        elapsed.as_secs_f64(),
        events as f64 / elapsed.as_secs_f64()
    );
    println!(
        "| deliveries received / expected | {} / {expected} ({failed} subscribers failed) |",
        all.len()
    );
    println!(
        "| commit → subscriber p50 / p90 / p99 / max | {} |",
        s.row()
    );
    println!(
        "| create request p50 / p90 / p99 / max | {} |",
        create.row()
    );
    let verdict = if all.len() == expected && s.p99 < Duration::from_millis(50) {
        "PASS"
    } else {
        "MISS"
    };
    println!(
        "\n{verdict}: p99 from commit to subscriber under 50 ms with {} subscribers, every event delivered",
        args.subscribers
    );
    Ok(())
}
