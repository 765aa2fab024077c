//! Prometheus metrics: request counts and latencies by route template, and database pool
//! figures, served in the Prometheus text format at `/metrics`.

use std::sync::atomic::AtomicI64;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::state::AppState;

/// Labels of a request metric. `route` is the route template (`/api/v1/teams/{team}`), never
/// the concrete path, so ids do not explode the label space.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

type HistogramFamily = Family<RequestLabels, Histogram, fn() -> Histogram>;

/// The metrics of one process.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily,
    pool_open: Gauge<i64, AtomicI64>,
    pool_idle: Gauge<i64, AtomicI64>,
    activity_waiting: Gauge<i64, AtomicI64>,
    activity_dead: Gauge<i64, AtomicI64>,
    credential_hits: Counter,
    credentials_kept: Gauge<i64, AtomicI64>,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms to ~16 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("spectree");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: HistogramFamily = Family::new_with_constructor(latency_histogram);
        let pool_open = Gauge::<i64, AtomicI64>::default();
        let pool_idle = Gauge::<i64, AtomicI64>::default();
        let activity_waiting = Gauge::<i64, AtomicI64>::default();
        let activity_dead = Gauge::<i64, AtomicI64>::default();
        let credential_hits = Counter::default();
        let credentials_kept = Gauge::<i64, AtomicI64>::default();
        registry.register("http_requests", "HTTP requests handled", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time to answer HTTP requests",
            latency.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Open database connections",
            pool_open.clone(),
        );
        registry.register(
            "db_pool_idle_connections",
            "Idle database connections",
            pool_idle.clone(),
        );
        registry.register(
            "activity_outbox",
            "Activity waiting for the consumers (notifications, webhooks, live delivery), \
             retries included",
            activity_waiting.clone(),
        );
        registry.register(
            "activity_dead_letters",
            "Activity the consumers gave up on after activity.max_attempts",
            activity_dead.clone(),
        );
        registry.register(
            "credential_cache_hits",
            "Requests authenticated from a session or API token read lately \
             (auth.credential_cache_ttl)",
            credential_hits.clone(),
        );
        registry.register(
            "credential_cache_entries",
            "Sessions and API tokens kept for auth.credential_cache_ttl",
            credentials_kept.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            pool_open,
            pool_idle,
            activity_waiting,
            activity_dead,
            credential_hits,
            credentials_kept,
        }
    }
}

impl Metrics {
    /// Renders every metric in the Prometheus text format, with the pool figures and the
    /// activity outbox's (waiting, dead letters) read now (the last known ones when the
    /// database could not be read), and the credential cache's (hits so far, entries).
    pub fn render(
        &self,
        pool: (u32, u32),
        activity: Option<(i64, i64)>,
        credentials: (u64, usize),
    ) -> String {
        let (hits, kept) = credentials;
        self.credential_hits
            .inc_by(hits.saturating_sub(self.credential_hits.get()));
        self.credentials_kept
            .set(i64::try_from(kept).unwrap_or(i64::MAX));
        self.pool_open.set(i64::from(pool.0));
        self.pool_idle.set(i64::from(pool.1));
        if let Some((waiting, dead)) = activity {
            self.activity_waiting.set(waiting);
            self.activity_dead.set(dead);
        }
        let mut out = String::new();
        if let Err(e) =
            prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)
        {
            tracing::error!(error = %e, "encoding metrics failed");
        }
        out
    }
}

/// Middleware that counts and times every request.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let res = next.run(req).await;
    let labels = RequestLabels {
        method,
        route,
        status: res.status().as_u16(),
    };
    state.metrics.requests.get_or_create(&labels).inc();
    state
        .metrics
        .latency
        .get_or_create(&labels)
        .observe(start.elapsed().as_secs_f64());
    res
}
