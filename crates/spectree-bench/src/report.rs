//! The results of a run as Markdown tables, and a PASS/MISS line per target.

use std::time::Duration;

use crate::generate::{Generated, Shape};
use crate::measure::{Create, Fetch, Search};
use crate::server::Usage;
use crate::stats::{Summary, ms, size};

/// Time spent in one phase of the run.
#[derive(Debug, Clone)]
pub struct Phase {
    /// What ran.
    pub name: &'static str,
    /// Wall time.
    pub wall: Duration,
    /// CPU time of the server process.
    pub server_cpu: Duration,
    /// CPU time of the benchmark process (the clients).
    pub bench_cpu: Duration,
    /// CPU time of all PostgreSQL processes, on PostgreSQL.
    pub db_cpu: Option<Duration>,
}

/// Everything a run measured.
pub struct Results {
    /// `SQLite` or `PostgreSQL`.
    pub database: &'static str,
    /// The project's shape.
    pub shape: Shape,
    /// Generating it.
    pub generated: Generated,
    /// The tree without descriptions.
    pub tree: Fetch,
    /// Search.
    pub search: Search,
    /// The Markdown export.
    pub export: Fetch,
    /// Item creation.
    pub create: Create,
    /// Time and CPU per phase.
    pub phases: Vec<Phase>,
    /// The server at the end.
    pub server: Usage,
}

/// Tree fetch target (median).
const TREE_TARGET: Duration = Duration::from_millis(300);
/// Search target (99th percentile).
const SEARCH_TARGET: Duration = Duration::from_millis(50);
/// Creation target.
const CREATE_TARGET: f64 = 2000.0;
/// Export target (median).
const EXPORT_TARGET: Duration = Duration::from_secs(2);

fn verdict(ok: bool) -> &'static str {
    if ok { "PASS" } else { "MISS" }
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The report, in Markdown.
pub fn render(r: &Results) -> String {
    let mut out = String::new();
    let line = |out: &mut String, s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    let g = &r.generated;
    line(
        &mut out,
        format!(
            "### {}: {} items ({} epics × {} features × {} stories)\n",
            r.database,
            thousands(r.shape.items()),
            r.shape.epics,
            r.shape.features_per_epic,
            r.shape.stories_per_feature
        ),
    );
    line(
        &mut out,
        "| measurement | p50 / p90 / p99 / max | result | target |".into(),
    );
    line(&mut out, "|---|---|---|---|".into());
    line(
        &mut out,
        format!(
            "| generate through `items/bulk` ({} calls, {} sent) | | {:.1} s, {} items/s | (informational) |",
            g.calls,
            size(g.bytes),
            g.elapsed.as_secs_f64(),
            thousands((g.items as f64 / g.elapsed.as_secs_f64().max(f64::EPSILON)) as usize)
        ),
    );
    line(
        &mut out,
        format!(
            "| tree, no descriptions ({} requests, {} each) | {} | p50 {} | p50 < 300 ms: **{}** |",
            r.tree.latency.n,
            size(r.tree.bytes),
            r.tree.latency.row(),
            ms(r.tree.latency.p50),
            verdict(r.tree.latency.p50 < TREE_TARGET)
        ),
    );
    let all = r.search.latency(|_| true);
    line(
        &mut out,
        format!(
            "| search ({} queries, mean {:.1} hits on the first page) | {} | p99 {} | p99 < 50 ms: **{}** |",
            all.n,
            r.search.mean_hits(),
            all.row(),
            ms(all.p99),
            verdict(all.p99 < SEARCH_TARGET)
        ),
    );
    let c = &r.create;
    line(
        &mut out,
        format!(
            "| create, {} clients for {:.1} s ({} items, {} errors) | {} | {} items/s | ≥ 2,000 items/s: **{}** |",
            c.clients,
            c.elapsed.as_secs_f64(),
            thousands(c.created),
            c.errors,
            c.latency.row(),
            thousands(c.per_second() as usize),
            verdict(c.per_second() >= CREATE_TARGET && c.errors == 0)
        ),
    );
    line(
        &mut out,
        format!(
            "| Markdown export ({} requests, {} each) | {} | p50 {} | p50 < 2 s: **{}** |",
            r.export.latency.n,
            size(r.export.bytes),
            r.export.latency.row(),
            ms(r.export.latency.p50),
            verdict(r.export.latency.p50 < EXPORT_TARGET)
        ),
    );
    if let Some(e) = &c.first_error {
        line(&mut out, format!("\nFirst failed create: {e}"));
    }
    line(&mut out, String::new());
    line(
        &mut out,
        "| search queries | n | p50 / p90 / p99 / max |".into(),
    );
    line(&mut out, "|---|---|---|".into());
    let classes: [(&str, Summary); 6] = [
        ("1 word", r.search.latency(|s| s.words == 1)),
        ("2 words", r.search.latency(|s| s.words == 2)),
        ("3 words", r.search.latency(|s| s.words == 3)),
        ("no hit", r.search.latency(|s| s.hits == 0)),
        (
            "1 to 50 hits, one page",
            r.search.latency(|s| s.hits > 0 && !s.more),
        ),
        ("more than one page", r.search.latency(|s| s.more)),
    ];
    for (name, s) in classes {
        line(&mut out, format!("| {name} | {} | {} |", s.n, s.row()));
    }
    let slow: Vec<String> = r
        .search
        .slowest(5)
        .iter()
        .map(|s| {
            format!(
                "`{}` {} ({}{} hits)",
                s.query,
                ms(s.latency),
                s.hits,
                if s.more { "+" } else { "" }
            )
        })
        .collect();
    line(
        &mut out,
        format!("\nSlowest searches: {}.", slow.join(", ")),
    );
    line(&mut out, String::new());
    let on_pg = r.phases.iter().any(|p| p.db_cpu.is_some());
    if on_pg {
        line(
            &mut out,
            "| phase | wall | server CPU | PostgreSQL CPU | bench CPU |".into(),
        );
        line(&mut out, "|---|---|---|---|---|".into());
    } else {
        line(&mut out, "| phase | wall | server CPU | bench CPU |".into());
        line(&mut out, "|---|---|---|---|".into());
    }
    for p in &r.phases {
        let db = match p.db_cpu {
            Some(d) => format!(" {:.1} s |", d.as_secs_f64()),
            None if on_pg => " |".to_owned(),
            None => String::new(),
        };
        line(
            &mut out,
            format!(
                "| {} | {:.1} s | {:.1} s |{db} {:.1} s |",
                p.name,
                p.wall.as_secs_f64(),
                p.server_cpu.as_secs_f64(),
                p.bench_cpu.as_secs_f64()
            ),
        );
    }
    line(
        &mut out,
        format!(
            "\nServer process: {:.1} s CPU in all, peak RSS {}, RSS at the end {}.",
            r.server.cpu.as_secs_f64(),
            size(usize::try_from(r.server.peak_rss_kib * 1024).unwrap_or(usize::MAX)),
            size(usize::try_from(r.server.rss_kib * 1024).unwrap_or(usize::MAX)),
        ),
    );
    out
}

/// One line per target.
pub fn verdicts(r: &Results) -> Vec<String> {
    let all = r.search.latency(|_| true);
    let c = &r.create;
    vec![
        format!(
            "{} {} tree fetch without descriptions: p50 {} (target < 300 ms)",
            verdict(r.tree.latency.p50 < TREE_TARGET),
            r.database,
            ms(r.tree.latency.p50)
        ),
        format!(
            "{} {} search: p99 {} (target < 50 ms)",
            verdict(all.p99 < SEARCH_TARGET),
            r.database,
            ms(all.p99)
        ),
        format!(
            "{} {} create from {} clients: {:.0} items/s, {} errors (target ≥ 2,000 items/s)",
            verdict(c.per_second() >= CREATE_TARGET && c.errors == 0),
            r.database,
            c.clients,
            c.per_second(),
            c.errors
        ),
        format!(
            "{} {} Markdown export: p50 {} (target < 2 s)",
            verdict(r.export.latency.p50 < EXPORT_TARGET),
            r.database,
            ms(r.export.latency.p50)
        ),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(super::thousands(101_010), "101,010");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1_000_000), "1,000,000");
    }
}
