//! `spectree-bench`: starts a real `spectree serve` process, fills it through the API and
//! measures it against the spec tree targets, on SQLite or PostgreSQL. Prints Markdown
//! tables and a PASS/MISS line per target; progress goes to stderr.

mod activity;
mod api;
mod audit;
mod collab;
mod generate;
mod history;
mod measure;
mod report;
mod server;
mod stats;
mod text;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::json;

use crate::api::Api;
use crate::generate::{Plan, Shape};
use crate::measure::CreateLoad;
use crate::report::{Phase, Results};
use crate::server::{PgDatabase, Server, ServerOptions, Usage, postgres_cpu, proc_usage};
use crate::text::{Rng, Vocabulary};

/// Benchmarks of the Spec Tree server.
#[derive(Parser)]
#[command(name = "spectree-bench")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The spec tree targets: tree fetch, search, item creation and Markdown export on a
    /// generated project of 10 epics × 100 features × 100 stories.
    Spec(SpecArgs),
    /// The version history targets: listing 10,000 versions of one item, diffing two
    /// versions of a 100 KB description, and how version storage grows.
    History(history::HistoryArgs),
    /// The live-collaboration protocol benchmark: y-websocket clients over rooms against
    /// spectree (one node, two behind Redis) and `@y/websocket-server` side by side.
    Collab(collab::CollabArgs),
    /// Resident memory per idle loaded live document (2 KB, 50 KB, 400 KB edit-heavy).
    CollabMemory(collab::MemoryArgs),
    /// Live activity delivery: SSE subscribers on one project's activity stream while items
    /// are created at a steady rate; latency from commit to each subscriber (target p99
    /// under 50 ms with 1,000 subscribers).
    Activity(activity::ActivityArgs),
    /// Audit appends from concurrent writers, each in its own transaction (target 10,000/s),
    /// straight against the store, with the chainer running; verifies the chain after.
    Audit(AuditArgs),
}

#[derive(Args)]
struct AuditArgs {
    /// Which database.
    #[arg(long, value_enum, default_value_t = Database::Sqlite)]
    database: Database,
    /// PostgreSQL server to make a fresh database on (with `--database postgres`).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg_url: String,
    /// Concurrent writers.
    #[arg(long, default_value_t = 24)]
    writers: usize,
    /// Events in all.
    #[arg(long, default_value_t = 100_000)]
    events: usize,
    /// Append path: the current one, or the head-lock path it replaced (for comparison).
    #[arg(long, value_enum, default_value_t = audit::Design::Pending)]
    design: audit::Design,
    /// The chainer's pause between runs, in milliseconds (the server's
    /// `audit.chain_interval`).
    #[arg(long, default_value_t = 200)]
    chain_interval_ms: u64,
    /// SQLite: most transactions committed together (the server's
    /// `database.sqlite_group_commit`; 1 commits each on its own).
    #[arg(long, default_value_t = 64)]
    group_commit: u32,
}

#[derive(Clone, Copy, ValueEnum)]
enum Database {
    Sqlite,
    Postgres,
}

#[derive(Args)]
struct SpecArgs {
    /// Which database the server uses.
    #[arg(long, value_enum, default_value_t = Database::Sqlite)]
    database: Database,
    /// PostgreSQL server to make a fresh database on (with `--database postgres`).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg_url: String,
    /// Project size relative to 101,010 items (features per epic and stories per feature
    /// scale with its square root).
    #[arg(long, default_value_t = 1.0)]
    items_scale: f64,
    /// Search queries to time.
    #[arg(long, default_value_t = 500)]
    search_queries: usize,
    /// How long the clients create items, in seconds.
    #[arg(long, default_value_t = 10)]
    create_seconds: u64,
    /// Concurrent clients creating items.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Requests timed for the tree and the export.
    #[arg(long, default_value_t = 20)]
    samples: usize,
    /// Most items per bulk call when generating the project (the API takes up to 1,000;
    /// default 100 on SQLite, where calls of 1,000 gain nothing more, and 1,000 on
    /// PostgreSQL).
    #[arg(long)]
    bulk_items: Option<usize>,
    /// Bulk calls in flight at once when generating the stories (default 1 on SQLite, which
    /// has one writer, and 4 on PostgreSQL).
    #[arg(long)]
    bulk_clients: Option<usize>,
    /// Seed of the generated text and queries.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The `spectree` binary (default: next to this one).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// `SPECTREE_LOG` for the server.
    #[arg(long, default_value = "info")]
    server_log: String,
    /// On PostgreSQL, skip the `VACUUM (ANALYZE)` run after generating the project (which
    /// stands in for autovacuum, off on some machines).
    #[arg(long)]
    no_vacuum: bool,
    /// Keep the data directory (with the server log) and the PostgreSQL database.
    #[arg(long)]
    keep: bool,
    /// A setting for the server, `SPECTREE_NAME=value` (repeatable), e.g.
    /// `SPECTREE_DATABASE_SQLITE_GROUP_COMMIT=1` to compare without group commit.
    #[arg(long = "server-env")]
    server_env: Vec<String>,
}

impl SpecArgs {
    /// `--server-env` as (name, value) pairs.
    fn server_env(&self) -> anyhow::Result<Vec<(String, String)>> {
        self.server_env
            .iter()
            .map(|kv| match kv.split_once('=') {
                Some((k, v)) if k.starts_with("SPECTREE_") => Ok((k.to_owned(), v.to_owned())),
                _ => anyhow::bail!("--server-env takes SPECTREE_NAME=value, not {kv:?}"),
            })
            .collect()
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // A workspace build shares reqwest's rustls with the server's webhook client, and
    // rustls then needs a provider installed before any client is built.
    let _ = rustls::crypto::ring::default_provider().install_default();
    match Cli::parse().command {
        Command::Spec(args) => spec(args).await,
        Command::History(args) => history::history(args).await,
        Command::Audit(args) => audit_bench(args).await,
        Command::Activity(args) => activity::activity(args).await,
        Command::Collab(args) => collab::collab(args).await,
        Command::CollabMemory(args) => collab::memory(args).await,
    }
}

async fn audit_bench(args: AuditArgs) -> anyhow::Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("spectree-bench-audit-")
        .tempdir()?;
    let pg = match args.database {
        Database::Sqlite => None,
        Database::Postgres => Some(PgDatabase::create(&args.pg_url).await?),
    };
    let url = match &pg {
        Some(pg) => pg.url.clone(),
        None => format!("sqlite://{}", dir.path().join("audit.db").display()),
    };
    let outcome = audit::run(&audit::AuditBench {
        url,
        writers: args.writers,
        events: args.events,
        design: args.design,
        chain_interval: Duration::from_millis(args.chain_interval_ms),
        group_commit: args.group_commit,
    })
    .await;
    if let Some(pg) = &pg
        && let Err(e) = pg.drop_database().await
    {
        eprintln!("warning: dropping {} failed: {e:#}", pg.url);
    }
    println!("{}", outcome?);
    Ok(())
}

async fn spec(args: SpecArgs) -> anyhow::Result<()> {
    let bin = match &args.server_bin {
        Some(p) => p.clone(),
        None => std::env::current_exe()?.with_file_name("spectree"),
    };
    ensure!(
        bin.is_file(),
        "no server binary at {}: build it (`cargo build --release -p spectree`) or pass --server-bin",
        bin.display()
    );
    ensure!(
        args.items_scale > 0.0 && args.items_scale <= 10.0,
        "--items-scale must be in (0, 10]"
    );
    ensure!(
        args.search_queries > 0 && args.samples > 0 && args.clients > 0 && args.create_seconds > 0,
        "--search-queries, --samples, --clients and --create-seconds must be at least 1"
    );
    let dir = tempfile::Builder::new()
        .prefix("spectree-bench-")
        .tempdir()?;
    let pg = match args.database {
        Database::Sqlite => None,
        Database::Postgres => Some(PgDatabase::create(&args.pg_url).await?),
    };
    let outcome = run(&args, &bin, dir.path(), pg.as_ref()).await;
    if args.keep {
        eprintln!("kept {}", dir.keep().display());
        if let Some(pg) = &pg {
            eprintln!("kept {}", pg.url);
        }
    } else if let Some(pg) = &pg
        && let Err(e) = pg.drop_database().await
    {
        eprintln!("warning: dropping {} failed: {e:#}", pg.url);
    }
    let results = outcome?;
    println!("{}", report::render(&results));
    for v in report::verdicts(&results) {
        println!("{v}");
    }
    Ok(())
}

async fn run(
    args: &SpecArgs,
    bin: &Path,
    dir: &Path,
    pg: Option<&PgDatabase>,
) -> anyhow::Result<Results> {
    let server = Server::start(&ServerOptions {
        bin,
        data_dir: dir,
        database_url: pg.map(|d| d.url.as_str()),
        log_filter: &args.server_log,
        env: &args.server_env()?,
    })
    .await?;
    eprintln!("server {} (log {})", server.base, server.log.display());
    let results = measure_all(args, &server, pg).await;
    let stopped = server.stop().await;
    let results = results?;
    stopped?;
    Ok(results)
}

/// CPU and wall clock at the start of a phase.
struct Mark {
    wall: Instant,
    server: Usage,
    bench: Usage,
    db: Option<Duration>,
}

impl Mark {
    fn now(server: &Server) -> anyhow::Result<Mark> {
        Ok(Mark {
            wall: Instant::now(),
            server: server.usage()?,
            bench: proc_usage(std::process::id())?,
            db: server.on_postgres.then(postgres_cpu),
        })
    }

    fn done(self, name: &'static str, server: &Server) -> anyhow::Result<Phase> {
        let end = Mark::now(server)?;
        eprintln!("{name}: {:.1} s", self.wall.elapsed().as_secs_f64());
        Ok(Phase {
            name,
            wall: end.wall - self.wall,
            server_cpu: end.server.cpu.saturating_sub(self.server.cpu),
            bench_cpu: end.bench.cpu.saturating_sub(self.bench.cpu),
            db_cpu: end.db.zip(self.db).map(|(e, s)| e.saturating_sub(s)),
        })
    }
}

async fn measure_all(
    args: &SpecArgs,
    server: &Server,
    pg: Option<&PgDatabase>,
) -> anyhow::Result<Results> {
    let api = Api::first_admin(&server.base, &server.setup_code).await?;
    let project = make_project(&api).await?;
    let mut rng = Rng::new(args.seed);
    let vocab = Arc::new(Vocabulary::new(2000, &mut rng));
    let shape = Shape::scaled(args.items_scale);
    let mut phases = Vec::new();

    eprintln!("generating {} items", shape.items());
    let mark = Mark::now(server)?;
    let plan = Plan {
        shape,
        seed: args.seed,
        bulk_items: args.bulk_items.unwrap_or(match args.database {
            Database::Sqlite => 100,
            Database::Postgres => generate::BULK_MAX_ITEMS,
        }),
        bulk_clients: args.bulk_clients.unwrap_or(match args.database {
            Database::Sqlite => 1,
            Database::Postgres => 4,
        }),
    };
    let generated = generate::project(&api, &project, &vocab, plan).await?;
    phases.push(mark.done("generate", server)?);

    if let Some(pg) = pg
        && !args.no_vacuum
    {
        let mark = Mark::now(server)?;
        pg.vacuum_analyze().await.context("VACUUM (ANALYZE)")?;
        phases.push(mark.done("VACUUM (ANALYZE)", server)?);
    }

    let mark = Mark::now(server)?;
    let tree = measure::tree(&api, &project, args.samples, shape.items()).await?;
    phases.push(mark.done("tree", server)?);

    let mark = Mark::now(server)?;
    let search = measure::search(&api, &project, &vocab, &mut rng, args.search_queries).await?;
    phases.push(mark.done("search", server)?);

    let mark = Mark::now(server)?;
    let export = measure::export(&api, &project, args.samples).await?;
    phases.push(mark.done("export", server)?);

    let mark = Mark::now(server)?;
    let load = CreateLoad {
        project: project.clone(),
        features: Arc::new(generated.features.clone()),
        vocab: Arc::clone(&vocab),
        seed: args.seed,
        clients: args.clients,
    };
    let create = measure::create(&api, &load, Duration::from_secs(args.create_seconds)).await?;
    phases.push(mark.done("create (1 s warm-up included)", server)?);

    Ok(Results {
        database: match args.database {
            Database::Sqlite => "SQLite",
            Database::Postgres => "PostgreSQL",
        },
        shape,
        generated,
        tree,
        search,
        export,
        create,
        phases,
        server: server.usage()?,
    })
}

/// An organization, a team and an empty project; returns the project's id.
async fn make_project(api: &Api) -> anyhow::Result<String> {
    let id = |v: &serde_json::Value| -> anyhow::Result<String> {
        Ok(v["id"].as_str().context("answer has no id")?.to_owned())
    };
    let org = id(&api
        .post("/api/v1/orgs", &json!({ "name": "Bench", "slug": "bench" }))
        .await?)?;
    let team = id(&api
        .post(
            &format!("/api/v1/orgs/{org}/teams"),
            &json!({ "name": "Specs", "slug": "specs" }),
        )
        .await?)?;
    id(&api
        .post(
            &format!("/api/v1/teams/{team}/projects"),
            &json!({ "name": "Generated", "slug": "generated",
                     "description": "10 epics × 100 features × 100 stories" }),
        )
        .await?)
}
