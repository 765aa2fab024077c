//! `spectree-bench collab`: the live-collaboration protocol benchmark. A Rust load generator
//! speaking y-websocket (yrs `sync` encoding) drives spectree (one node, and two nodes behind
//! Redis) and the official `@y/websocket-server` side by side in one run, and reports
//! delivery latency percentiles, frames delivered against expected, server CPU and memory.
//! `spectree-bench collab-memory` measures resident memory per idle loaded document.

mod load;
mod memory;
mod targets;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::ensure;
use clap::{Args, ValueEnum};

use crate::server::{Usage, proc_usage};
use load::{Endpoint, Outcome, Plan};
use targets::SpectreeOptions;

pub use memory::{MemoryArgs, memory};

/// A server to measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// `spectree serve`, one node on SQLite (every update stored before it is relayed).
    Spectree,
    /// Two `spectree serve` nodes on one PostgreSQL database behind Redis; each room's
    /// clients alternate between the nodes.
    Cluster,
    /// The official Node `@y/websocket-server` (keeps documents in memory only).
    Reference,
}

/// Options of `collab`.
#[derive(Args)]
pub struct CollabArgs {
    /// Client counts to run, e.g. `1000` or `1000,2000,4000` for a scaling curve (stops for a
    /// target once its presence p99 passes --stop-p99-ms).
    #[arg(long, value_delimiter = ',', default_value = "1000")]
    pub clients: Vec<usize>,
    /// Clients per room (1,000 clients in 200 rooms: 5).
    #[arg(long, default_value_t = 5)]
    pub per_room: usize,
    /// Measured seconds per run.
    #[arg(long, default_value_t = 20)]
    pub seconds: u64,
    /// Targets, in order.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "spectree,reference,cluster"
    )]
    pub targets: Vec<Target>,
    /// CPUs for the servers (`taskset -c`), e.g. `1`; pin the generator itself with
    /// `taskset -c 0 spectree-bench ...`.
    #[arg(long)]
    pub server_cpus: Option<String>,
    /// 127.0.0.x source addresses to spread connections over.
    #[arg(long, default_value_t = 4)]
    pub sources: u8,
    /// A target's scaling curve stops once presence p99 passes this many milliseconds (or
    /// once more than a tenth of the sends leave over 10 ms late: the generator saturated).
    #[arg(long, default_value_t = 100)]
    pub stop_p99_ms: u64,
    /// The `spectree` binary (default: next to this one).
    #[arg(long)]
    pub server_bin: Option<PathBuf>,
    /// The npm folder with `@y/websocket-server` installed.
    #[arg(long, default_value = "crates/spectree-testkit/yjs")]
    pub yjs_dir: PathBuf,
    /// PostgreSQL server for the cluster target.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pub pg_url: String,
    /// Redis for the cluster target.
    #[arg(long, default_value = "redis://127.0.0.1:6379")]
    pub redis_url: String,
    /// `SPECTREE_LOG` for spectree.
    #[arg(long, default_value = "warn,spectree::server=info")]
    pub server_log: String,
}

/// The result of one run.
struct RunResult {
    target: Target,
    clients: usize,
    rooms: usize,
    outcome: Outcome,
    server_cpu: Duration,
    peak_rss_kib: u64,
    rss_kib: u64,
    generator_cpu: Duration,
    wall: Duration,
}

/// Runs `collab`.
pub async fn collab(args: CollabArgs) -> anyhow::Result<()> {
    ensure!(args.per_room >= 2, "--per-room must be at least 2");
    ensure!(args.seconds >= 1, "--seconds must be at least 1");
    let bin = server_binary(args.server_bin.as_deref())?;
    let mut results = Vec::new();
    let mut stopped: Vec<Target> = Vec::new();
    for &clients in &args.clients {
        for &target in &args.targets {
            if stopped.contains(&target) {
                continue;
            }
            let rooms = clients / args.per_room;
            ensure!(rooms > 0, "--clients must be at least --per-room");
            eprintln!(
                "{target:?}: {clients} clients in {rooms} rooms, {} s",
                args.seconds
            );
            let r = one_run(&args, &bin, target, rooms).await?;
            eprintln!("{}", row(&r));
            let p99 = percentile(&r.outcome.presence_same, 99.0);
            // More than a tenth of the sends late: the generator no longer keeps its
            // schedule, and what it measures is its own delay as much as the server's.
            let saturated = r.outcome.late_sends * 10 > r.outcome.sends;
            if p99 > args.stop_p99_ms * 1000 || saturated {
                if saturated {
                    eprintln!("{target:?}: the generator is saturated (over 10 % late sends)");
                }
                stopped.push(target);
            }
            results.push(r);
        }
    }
    println!("{}", table(&results, args.seconds));
    Ok(())
}

async fn one_run(
    args: &CollabArgs,
    bin: &std::path::Path,
    target: Target,
    rooms: usize,
) -> anyhow::Result<RunResult> {
    let dir = tempfile::Builder::new()
        .prefix("spectree-bench-collab-")
        .tempdir()?;
    let running = match target {
        Target::Reference => targets::reference(&args.yjs_dir, args.server_cpus.as_deref()).await?,
        Target::Spectree | Target::Cluster => {
            let cluster = (target == Target::Cluster)
                .then_some((args.pg_url.as_str(), args.redis_url.as_str()));
            targets::spectree(
                &SpectreeOptions {
                    bin,
                    dir: dir.path(),
                    cpus: args.server_cpus.as_deref(),
                    log: &args.server_log,
                    cluster,
                    config: "",
                },
                rooms,
                "",
            )
            .await?
        }
    };
    let nodes = running.nodes();
    let plan = Plan {
        rooms: (0..rooms)
            .map(|r| {
                (0..args.per_room)
                    .map(|k| {
                        let n = (r + k) % nodes;
                        Endpoint {
                            url: running.url(r, n),
                            node: n,
                        }
                    })
                    .collect()
            })
            .collect(),
        duration: Duration::from_secs(args.seconds),
        sources: args.sources,
    };
    load::check(&plan)?;
    // The peak is of the load (connecting, syncing, editing), not of the setup before it.
    running.reset_peak_rss()?;
    let before = running.usage()?;
    let me_before = proc_usage(std::process::id())?;
    let wall = Instant::now();
    let outcome = load::run(&plan).await;
    let wall = wall.elapsed();
    let after = running.usage();
    let me_after = proc_usage(std::process::id())?;
    let stopped = running.stop().await;
    let outcome = outcome?;
    let after = after?;
    stopped?;
    let sum = |u: &[Usage]| u.iter().map(|x| x.cpu).sum::<Duration>();
    Ok(RunResult {
        target,
        clients: rooms * args.per_room,
        rooms,
        outcome,
        server_cpu: sum(&after).saturating_sub(sum(&before)),
        peak_rss_kib: after.iter().map(|u| u.peak_rss_kib).max().unwrap_or(0),
        rss_kib: after.iter().map(|u| u.rss_kib).max().unwrap_or(0),
        generator_cpu: me_after.cpu.saturating_sub(me_before.cpu),
        wall,
    })
}

/// The `spectree` binary: the one given, or the one next to this benchmark.
fn server_binary(given: Option<&std::path::Path>) -> anyhow::Result<PathBuf> {
    let bin = match given {
        Some(p) => p.to_path_buf(),
        None => std::env::current_exe()?.with_file_name("spectree"),
    };
    ensure!(
        bin.is_file(),
        "no server binary at {}: build it (`cargo build --release -p spectree`) or pass --server-bin",
        bin.display()
    );
    Ok(bin)
}

/// Nearest-rank percentile of microsecond samples (0 when empty).
fn percentile(samples: &[u64], pct: f64) -> u64 {
    if samples.is_empty() {
        return 0;
    }
    let mut s = samples.to_vec();
    s.sort_unstable();
    // In permille, so that 99.9 is exact.
    let permille = (pct * 10.0).round() as usize;
    let rank = (permille * s.len()).div_ceil(1000).max(1);
    s[rank.min(s.len()) - 1]
}

fn ms(us: u64) -> String {
    format!("{:.1}", us as f64 / 1000.0)
}

fn pcts(samples: &[u64]) -> String {
    if samples.is_empty() {
        return "-".into();
    }
    format!(
        "{} / {} / {} / {}",
        ms(percentile(samples, 50.0)),
        ms(percentile(samples, 90.0)),
        ms(percentile(samples, 99.0)),
        ms(percentile(samples, 99.9))
    )
}

fn row(r: &RunResult) -> String {
    let o = &r.outcome;
    let got_u = (o.update_same.len() + o.update_cross.len()) as u64;
    let got_p = (o.presence_same.len() + o.presence_cross.len()) as u64;
    let mut line = format!(
        "| {:?} | {} / {} | {} | {} | {} | {} | {}/{} | {}/{} | {:.2} s | {:.1} / {:.1} MB | {:.0} % | {} of {} |",
        r.target,
        r.clients,
        r.rooms,
        pcts(&o.update_same),
        pcts(&o.presence_same),
        pcts(&o.update_cross),
        pcts(&o.presence_cross),
        got_u,
        o.updates_expected,
        got_p,
        o.presence_expected,
        r.server_cpu.as_secs_f64(),
        r.peak_rss_kib as f64 / 1024.0,
        r.rss_kib as f64 / 1024.0,
        100.0 * r.generator_cpu.as_secs_f64() / r.wall.as_secs_f64().max(1e-9),
        o.late_sends,
        o.sends,
    );
    if o.dropped > 0 {
        line.push_str(&format!(" {} sockets dropped", o.dropped));
    }
    line
}

fn table(results: &[RunResult], seconds: u64) -> String {
    let mut out = format!(
        "Latency in ms, p50 / p90 / p99 / p99.9, from each message's intended send time; \
         {seconds} s per run.\n\n\
         | target | clients / rooms | update, same node | presence, same node | update, across nodes \
         | presence, across nodes | updates delivered/expected | presence delivered/expected \
         | server CPU | server RSS peak / end | generator CPU | late sends (>10 ms) |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|\n"
    );
    for r in results {
        out.push_str(&row(r));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_are_nearest_rank() {
        let s: Vec<u64> = (1..=1000).collect();
        assert_eq!(percentile(&s, 50.0), 500);
        assert_eq!(percentile(&s, 99.9), 999);
        assert_eq!(percentile(&s, 100.0), 1000);
        assert_eq!(percentile(&[], 99.0), 0);
    }
}
