//! The generated project: epics, features and stories created through the bulk endpoint.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{Value, json};

use crate::api::Api;
use crate::text::{Rng, Vocabulary, item_body};

/// How many items of each level.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Epics at the root.
    pub epics: usize,
    /// Features under each epic.
    pub features_per_epic: usize,
    /// Stories under each feature.
    pub stories_per_feature: usize,
}

impl Shape {
    /// 10 epics × 100 features × 100 stories at scale 1; features and stories per parent
    /// shrink or grow with the square root of `scale`, so the item count follows `scale`.
    pub fn scaled(scale: f64) -> Shape {
        let per = |n: f64| ((n * scale.sqrt()).round() as usize).max(1);
        Shape {
            epics: 10,
            features_per_epic: per(100.0),
            stories_per_feature: per(100.0),
        }
    }

    /// Features in all.
    pub fn features(&self) -> usize {
        self.epics * self.features_per_epic
    }

    /// Stories in all.
    pub fn stories(&self) -> usize {
        self.features() * self.stories_per_feature
    }

    /// Items in all.
    pub fn items(&self) -> usize {
        self.epics + self.features() + self.stories()
    }
}

/// What generating the project took.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The features' ids (parents for the stories created later).
    pub features: Vec<String>,
    /// Items created.
    pub items: usize,
    /// Bulk calls made.
    pub calls: usize,
    /// Request bytes sent.
    pub bytes: usize,
    /// Wall time.
    pub elapsed: Duration,
}

/// Most items the bulk endpoint takes in one call.
pub const BULK_MAX_ITEMS: usize = 1000;
/// Largest bulk body sent: the server takes up to `http.max_body_bytes` (1 MiB by default).
const BULK_BYTES: usize = 900 * 1024;

/// How to generate the project.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// How many items of each level.
    pub shape: Shape,
    /// Seed of the text.
    pub seed: u64,
    /// Most items per bulk call.
    pub bulk_items: usize,
    /// Bulk calls in flight at once while creating stories.
    pub bulk_clients: usize,
}

/// Creates the project's items through the bulk endpoint: epics, then features, then the
/// stories of each feature. The text of each feature's stories comes from a generator seeded
/// by the feature's index, so the project is the same however the calls are spread.
pub async fn project(
    api: &Api,
    project: &str,
    vocab: &Arc<Vocabulary>,
    plan: Plan,
) -> anyhow::Result<Generated> {
    let start = Instant::now();
    let max_items = plan.bulk_items.clamp(1, BULK_MAX_ITEMS);
    let shape = plan.shape;
    let mut rng = Rng::new(plan.seed);
    let mut bulk = Bulk::new(api.clone(), project, max_items);
    let epics: Vec<Value> = (0..shape.epics)
        .map(|_| item_body(vocab, &mut rng, "epic", None))
        .collect();
    let epic_ids = bulk.create(epics).await?;
    let mut features = Vec::with_capacity(shape.features());
    for e in &epic_ids {
        features.extend(
            (0..shape.features_per_epic).map(|_| item_body(vocab, &mut rng, "feature", Some(e))),
        );
    }
    let features = Arc::new(bulk.create(features).await?);
    let (mut calls, mut bytes) = (bulk.calls, bulk.bytes);
    let done = Arc::new(AtomicUsize::new(0));
    let clients = plan.bulk_clients.max(1);
    let mut tasks = Vec::with_capacity(clients);
    for w in 0..clients {
        let mut bulk = Bulk::new(api.clone(), project, max_items);
        let (features, vocab, done) = (Arc::clone(&features), Arc::clone(vocab), Arc::clone(&done));
        let total = shape.stories();
        tasks.push(tokio::spawn(async move {
            for (i, f) in features.iter().enumerate().skip(w).step_by(clients) {
                let mut rng = Rng::new(plan.seed ^ ((i as u64 + 1) << 24));
                let stories: Vec<Value> = (0..shape.stories_per_feature)
                    .map(|_| item_body(&vocab, &mut rng, "story", Some(f)))
                    .collect();
                let n = bulk.create(stories).await?.len();
                let before = done.fetch_add(n, Ordering::Relaxed);
                if (before + n) / 10_000 > before / 10_000 {
                    eprintln!("  … {} of {total} stories", before + n);
                }
            }
            anyhow::Ok((bulk.calls, bulk.bytes))
        }));
    }
    for t in tasks {
        let (c, b) = t.await.context("a bulk client failed")??;
        calls += c;
        bytes += b;
    }
    let stories = done.load(Ordering::Relaxed);
    Ok(Generated {
        items: epic_ids.len() + features.len() + stories,
        features: features.to_vec(),
        calls,
        bytes,
        elapsed: start.elapsed(),
    })
}

/// Bulk creation in calls of at most `max_items` items.
struct Bulk {
    api: Api,
    path: String,
    max_items: usize,
    calls: usize,
    bytes: usize,
}

impl Bulk {
    fn new(api: Api, project: &str, max_items: usize) -> Bulk {
        Bulk {
            api,
            path: format!("/api/v1/projects/{project}/items/bulk"),
            max_items,
            calls: 0,
            bytes: 0,
        }
    }

    /// Creates `items` in order; returns their ids in the same order.
    async fn create(&mut self, items: Vec<Value>) -> anyhow::Result<Vec<String>> {
        let mut ids = Vec::with_capacity(items.len());
        let mut batch: Vec<Value> = Vec::new();
        let mut batch_bytes = 0;
        let total = items.len();
        for (i, item) in items.into_iter().enumerate() {
            batch_bytes += serde_json::to_vec(&item)?.len() + 1;
            batch.push(item);
            if batch.len() == self.max_items || batch_bytes >= BULK_BYTES || i + 1 == total {
                ids.extend(self.send(std::mem::take(&mut batch), batch_bytes).await?);
                batch_bytes = 0;
            }
        }
        Ok(ids)
    }

    async fn send(&mut self, batch: Vec<Value>, bytes: usize) -> anyhow::Result<Vec<String>> {
        let n = batch.len();
        let created = self
            .api
            .post(&self.path, &json!({ "items": batch }))
            .await?;
        self.calls += 1;
        self.bytes += bytes;
        let ids: Vec<String> = created["items"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|i| i["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        anyhow::ensure!(
            ids.len() == n,
            "bulk create returned {} ids for {n} items",
            ids.len()
        );
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_full_shape_is_the_issue_s_project() {
        let s = Shape::scaled(1.0);
        assert_eq!((s.epics, s.features(), s.stories()), (10, 1000, 100_000));
        assert_eq!(s.items(), 101_010);
        assert_eq!(Shape::scaled(0.01).items(), 10 + 100 + 1000);
    }
}
