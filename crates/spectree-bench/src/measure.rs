//! The measurements: the tree without descriptions, search, item creation from concurrent
//! clients, and the Markdown export. Each warms up first and times requests from the client,
//! body download included.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use serde_json::Value;

use crate::api::{Api, query_escape};
use crate::stats::Summary;
use crate::text::{Rng, Vocabulary, item_body};

/// Repeated fetches of one large document.
#[derive(Debug, Clone, Copy)]
pub struct Fetch {
    /// Wall time per request.
    pub latency: Summary,
    /// Body size.
    pub bytes: usize,
}

/// `GET /tree` (no descriptions) `samples` times, after checking it holds `items` nodes.
pub async fn tree(api: &Api, project: &str, samples: usize, items: usize) -> anyhow::Result<Fetch> {
    let path = format!("/api/v1/projects/{project}/tree");
    let tree: Value = serde_json::from_slice(&api.get_body(&path).await?)?;
    let n = tree["items"].as_array().map_or(0, Vec::len);
    ensure!(n == items, "the tree has {n} nodes, expected {items}");
    fetch(api, &path, samples).await
}

/// `GET /export?format=markdown` `samples` times.
pub async fn export(api: &Api, project: &str, samples: usize) -> anyhow::Result<Fetch> {
    let path = format!("/api/v1/projects/{project}/export?format=markdown");
    fetch(api, &path, samples).await
}

async fn fetch(api: &Api, path: &str, samples: usize) -> anyhow::Result<Fetch> {
    let warm = api.get_drained(path).await?;
    ensure!(warm.status == 200, "GET {path}: status {}", warm.status);
    let mut times = Vec::with_capacity(samples);
    let mut bytes = warm.bytes;
    for _ in 0..samples {
        let t = Instant::now();
        let r = api.get_drained(path).await?;
        times.push(t.elapsed());
        ensure!(r.status == 200, "GET {path}: status {}", r.status);
        bytes = r.bytes;
    }
    Ok(Fetch {
        latency: Summary::of(&times),
        bytes,
    })
}

/// A search query of 1 (half the queries), 2 or 3 word prefixes. Each word is, by a coin
/// toss, any vocabulary word (most are rare: in about 1% of the items) or one drawn with
/// ranks spread evenly on a log scale (as likely from the 10 most common words as from ranks
/// 100 to 1,000); it is cut to a prefix of 3 letters or more. One word matches hundreds to
/// all of the items; two or three rare ones match a handful or none.
pub fn query(vocab: &Vocabulary, rng: &mut Rng) -> String {
    let words = match rng.below(100) {
        0..50 => 1,
        50..85 => 2,
        _ => 3,
    };
    let mut q = Vec::with_capacity(words);
    for _ in 0..words {
        let rank = if rng.below(2) == 0 {
            rng.below(vocab.len())
        } else {
            ((vocab.len() as f64).powf(rng.unit()) as usize).saturating_sub(1)
        };
        let w = vocab.word(rank.min(vocab.len() - 1));
        let len = rng.range(3.min(w.len()), w.len());
        q.push(&w[..len]);
    }
    q.join(" ")
}

/// One timed search.
#[derive(Debug, Clone)]
pub struct SearchSample {
    /// The query.
    pub query: String,
    /// Words in the query.
    pub words: usize,
    /// Hits on the first page.
    pub hits: usize,
    /// Whether there was a next page.
    pub more: bool,
    /// Wall time.
    pub latency: Duration,
}

/// The search measurement.
#[derive(Debug, Clone)]
pub struct Search {
    /// Every timed query.
    pub samples: Vec<SearchSample>,
}

impl Search {
    /// Latency of the queries `keep` selects.
    pub fn latency(&self, keep: impl Fn(&SearchSample) -> bool) -> Summary {
        let t: Vec<Duration> = self
            .samples
            .iter()
            .filter(|s| keep(s))
            .map(|s| s.latency)
            .collect();
        Summary::of(&t)
    }

    /// The `n` slowest queries, slowest first.
    pub fn slowest(&self, n: usize) -> Vec<&SearchSample> {
        let mut all: Vec<&SearchSample> = self.samples.iter().collect();
        all.sort_by_key(|s| std::cmp::Reverse(s.latency));
        all.truncate(n);
        all
    }

    /// Mean hits on the first page.
    pub fn mean_hits(&self) -> f64 {
        let n = self.samples.len().max(1) as f64;
        self.samples.iter().map(|s| s.hits as f64).sum::<f64>() / n
    }
}

/// `queries` searches one after another from one client, after 50 warm-up queries.
pub async fn search(
    api: &Api,
    project: &str,
    vocab: &Vocabulary,
    rng: &mut Rng,
    queries: usize,
) -> anyhow::Result<Search> {
    for _ in 0..50 {
        let q = query(vocab, rng);
        api.get_body(&search_path(project, &q)).await?;
    }
    let mut samples = Vec::with_capacity(queries);
    for _ in 0..queries {
        let q = query(vocab, rng);
        let path = search_path(project, &q);
        let t = Instant::now();
        let body = api.get_body(&path).await?;
        let latency = t.elapsed();
        let page: Value = serde_json::from_slice(&body)?;
        samples.push(SearchSample {
            words: q.split(' ').count(),
            query: q,
            hits: page["items"].as_array().map_or(0, Vec::len),
            more: page["next_cursor"].is_string(),
            latency,
        });
    }
    Ok(Search { samples })
}

fn search_path(project: &str, q: &str) -> String {
    format!("/api/v1/projects/{project}/search?q={}", query_escape(q))
}

/// Item creation from concurrent clients.
#[derive(Debug, Clone)]
pub struct Create {
    /// Clients.
    pub clients: usize,
    /// Items created (201).
    pub created: usize,
    /// Requests that failed or got another status.
    pub errors: usize,
    /// The first failure, if any.
    pub first_error: Option<String>,
    /// From the first request to the last answer.
    pub elapsed: Duration,
    /// Latency of the successful requests.
    pub latency: Summary,
}

impl Create {
    /// Items created per second.
    pub fn per_second(&self) -> f64 {
        self.created as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

/// What creating items needs.
pub struct CreateLoad {
    /// The project.
    pub project: String,
    /// Features to put stories under (picked at random).
    pub features: Arc<Vec<String>>,
    /// Words for the text.
    pub vocab: Arc<Vocabulary>,
    /// Seed of the clients' generators.
    pub seed: u64,
    /// Concurrent clients.
    pub clients: usize,
}

/// Clients each with their own connection issue `POST /items` one after another for
/// `duration` (after a 1 s warm-up that is not counted).
pub async fn create(api: &Api, load: &CreateLoad, duration: Duration) -> anyhow::Result<Create> {
    run_clients(api, load, Duration::from_secs(1), 0).await?;
    run_clients(api, load, duration, 1).await
}

async fn run_clients(
    api: &Api,
    load: &CreateLoad,
    duration: Duration,
    round: u64,
) -> anyhow::Result<Create> {
    let path = format!("/api/v1/projects/{}/items", load.project);
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::with_capacity(load.clients);
    for i in 0..load.clients {
        let api = api.fresh()?;
        let path = path.clone();
        let features = Arc::clone(&load.features);
        let vocab = Arc::clone(&load.vocab);
        let mut rng = Rng::new(load.seed ^ (round << 32) ^ (i as u64 + 1));
        tasks.push(tokio::spawn(async move {
            let mut ok = Vec::new();
            let mut errors = 0;
            let mut first_error = None;
            while Instant::now() < deadline {
                let parent = &features[rng.below(features.len())];
                let body = item_body(&vocab, &mut rng, "story", Some(parent));
                let t = Instant::now();
                match api.post_drained(&path, &body).await {
                    Ok(r) if r.status == 201 => ok.push(t.elapsed()),
                    Ok(r) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| format!("status {}", r.status));
                    }
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| format!("{e:#}"));
                    }
                }
            }
            (ok, errors, first_error)
        }));
    }
    let mut latencies = Vec::new();
    let (mut errors, mut first_error) = (0, None);
    for t in tasks {
        let (ok, e, first) = t.await.context("a client task failed")?;
        latencies.extend(ok);
        errors += e;
        first_error = first_error.or(first);
    }
    Ok(Create {
        clients: load.clients,
        created: latencies.len(),
        errors,
        first_error,
        elapsed: start.elapsed(),
        latency: Summary::of(&latencies),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_have_one_to_three_prefixes_of_vocabulary_words() {
        let v = Vocabulary::new(2000, &mut Rng::new(7));
        let mut rng = Rng::new(9);
        for _ in 0..1000 {
            let q = query(&v, &mut rng);
            let words: Vec<&str> = q.split(' ').collect();
            assert!((1..=3).contains(&words.len()), "{q}");
            for w in words {
                assert!(w.len() >= 3, "{q}");
                assert!((0..v.len()).any(|r| v.word(r).starts_with(w)), "{q}");
            }
        }
    }
}
