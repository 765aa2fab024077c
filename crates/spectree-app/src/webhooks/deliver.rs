//! The delivery worker: takes due deliveries, posts them signed, and records each attempt.
//! A failed attempt is tried again after an exponential backoff with jitter (measured on the
//! app's clock) until the attempts are used up; a hook that fails too many times in a row is
//! switched off. Several nodes may run the worker: a delivery is claimed before it is sent.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::json;
use spectree_domain::webhooks::{SIGNATURE_PREFIX, backoff, is_forbidden_ip, signed_payload};
use spectree_store::webhooks::deliveries::{self, Delivery, DeliveryStatus};
use spectree_store::webhooks::{self as store, Webhook};
use spectree_store::{Store, StoreResult};
use url::{Host, Url};

use crate::{App, RequestCtx, audit};

/// Deliveries taken per run.
const BATCH: u32 = 100;
/// Deliveries sent at once.
const CONCURRENCY: usize = 8;
/// Longest error text kept.
const MAX_ERROR_CHARS: usize = 1000;

/// What one run of the worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Attempts made.
    pub attempted: usize,
    /// Attempts the receiver answered with 2xx.
    pub succeeded: usize,
}

/// What one attempt came to.
struct Outcome {
    status_code: Option<u16>,
    duration_ms: i64,
    error: Option<String>,
    response: Option<String>,
}

impl Outcome {
    fn ok(&self) -> bool {
        self.error.is_none() && self.status_code.is_some_and(|s| (200..300).contains(&s))
    }

    fn refused(error: String) -> Self {
        Self {
            status_code: None,
            duration_ms: 0,
            error: Some(error),
            response: None,
        }
    }
}

/// An error with its causes, for the delivery log.
fn describe(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        cause = c.source();
    }
    s.chars().take(MAX_ERROR_CHARS).collect()
}

/// A number in `0..=1` for the jitter of a backoff.
fn jitter() -> f64 {
    let mut b = [0u8; 4];
    match getrandom::fill(&mut b) {
        Ok(()) => f64::from(u32::from_le_bytes(b)) / f64::from(u32::MAX),
        Err(_) => 0.5,
    }
}

/// `sha256=<hex>` of the HMAC-SHA256 of `<timestamp>.<body>` keyed with `secret`.
pub(crate) fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let tag = ring::hmac::sign(&key, &signed_payload(timestamp, body));
    format!("{SIGNATURE_PREFIX}{}", hex::encode(tag.as_ref()))
}

impl App {
    fn webhook_client(&self) -> Result<&reqwest::Client, String> {
        if let Some(c) = self.inner.webhook_client.get() {
            return Ok(c);
        }
        let c = super::client::build(&self.settings().webhooks).map_err(|e| describe(&e))?;
        Ok(self.inner.webhook_client.get_or_init(|| c))
    }

    /// Wakes this node's delivery worker (new deliveries were queued and committed).
    pub fn wake_webhook_worker(&self) {
        self.inner.webhook_wake.notify_one();
    }

    /// Waits until [`App::wake_webhook_worker`] is called (a wake-up given while nobody
    /// waited is kept for the next wait).
    pub async fn webhook_work_queued(&self) {
        self.inner.webhook_wake.notified().await;
    }

    /// Makes one attempt of every due delivery (up to a batch); returns what happened.
    pub async fn deliver_due_webhooks(&self) -> StoreResult<DeliveryReport> {
        let settings = &self.settings().webhooks;
        let now = self.now();
        let due = {
            let mut c = self.store().read().await?;
            deliveries::due(&mut c, self.store().sealer(), now, BATCH).await?
        };
        if due.is_empty() {
            return Ok(DeliveryReport::default());
        }
        // Held past the longest an attempt can take, so no other worker takes it meanwhile.
        let lease = now.plus(settings.timeout.saturating_mul(2) + Duration::from_secs(5));
        let mut claimed = Vec::with_capacity(due.len());
        for d in due {
            let mut tx = self.store().begin().await?;
            if deliveries::claim(&mut tx, &d, lease).await? {
                Store::commit(tx).await?;
                claimed.push(d);
            }
        }
        let results: Vec<StoreResult<bool>> = futures_util::stream::iter(claimed)
            .map(|d| self.attempt(d))
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        let mut report = DeliveryReport::default();
        for r in results {
            report.attempted += 1;
            if r? {
                report.succeeded += 1;
            }
        }
        Ok(report)
    }

    /// One attempt of one claimed delivery; true when the receiver answered 2xx.
    async fn attempt(&self, mut d: Delivery) -> StoreResult<bool> {
        let (hook, secret) = {
            let mut c = self.store().read().await?;
            let hook = store::get(&mut c, &d.webhook_id).await?;
            let secret =
                store::secret(&mut c, self.store().sealer(), d.org_id, &d.webhook_id).await?;
            (hook, secret)
        };
        let (Some(hook), Some(secret)) = (hook, secret) else {
            // Deleted meanwhile; its deliveries went with it.
            return Ok(false);
        };
        if !hook.active {
            let mut tx = self.store().begin().await?;
            let reason = "the webhook is switched off";
            deliveries::fail_pending(&mut tx, hook.org_id, &hook.id, reason, self.now()).await?;
            Store::commit(tx).await?;
            return Ok(false);
        }
        let outcome = self.send(&hook, &secret, &d).await;
        let ok = outcome.ok();
        let settings = &self.settings().webhooks;
        let now = self.now();
        d.attempts += 1;
        d.status_code = outcome.status_code.map(i64::from);
        d.duration_ms = Some(outcome.duration_ms);
        d.error = outcome.error;
        d.response = outcome.response;
        let mut tx = self.store().begin().await?;
        if ok {
            d.status = DeliveryStatus::Succeeded;
            d.next_attempt_at = None;
            d.completed_at = Some(now);
            store::note_success(&mut tx, hook.org_id, &hook.id).await?;
            deliveries::record_attempt(&mut tx, &d).await?;
        } else {
            let attempts = u32::try_from(d.attempts).unwrap_or(u32::MAX);
            if attempts >= settings.retry.max_attempts {
                d.status = DeliveryStatus::Failed;
                d.next_attempt_at = None;
                d.completed_at = Some(now);
            } else {
                d.next_attempt_at = Some(now.plus(backoff(&settings.retry, attempts, jitter())));
            }
            deliveries::record_attempt(&mut tx, &d).await?;
            let failures = store::note_failure(&mut tx, hook.org_id, &hook.id).await?;
            if failures >= i64::from(settings.disable_after) {
                let reason = format!("switched off after {failures} failed attempts in a row");
                store::disable(&mut tx, hook.org_id, &hook.id, &reason, now).await?;
                deliveries::fail_pending(&mut tx, hook.org_id, &hook.id, &reason, now).await?;
                audit::record(
                    &mut tx,
                    now,
                    hook.org_id,
                    None,
                    "webhook.disabled",
                    ("webhook", Some(hook.id.clone())),
                    &RequestCtx::default(),
                    json!({ "team_id": hook.team_id, "failures": failures, "last_error": d.error }),
                )
                .await?;
                tracing::warn!(webhook = %hook.id, failures, "webhook switched off after failing");
            }
        }
        Store::commit(tx).await?;
        Ok(ok)
    }

    /// Posts a delivery. An IP-literal target is checked here; a host name is checked by the
    /// client's resolver on the addresses it connects to.
    async fn send(&self, hook: &Webhook, secret: &str, d: &Delivery) -> Outcome {
        let settings = &self.settings().webhooks;
        let url = match Url::parse(&hook.url) {
            Ok(u) => u,
            Err(e) => return Outcome::refused(format!("invalid URL: {e}")),
        };
        let literal = match url.host() {
            Some(Host::Ipv4(v4)) => Some(std::net::IpAddr::V4(v4)),
            Some(Host::Ipv6(v6)) => Some(std::net::IpAddr::V6(v6)),
            _ => None,
        };
        if let Some(ip) = literal
            && !settings.allow_private_targets
            && is_forbidden_ip(ip)
        {
            return Outcome::refused(format!(
                "refused: {ip} is a loopback, private, link-local or otherwise internal address"
            ));
        }
        let client = match self.webhook_client() {
            Ok(c) => c,
            Err(e) => return Outcome::refused(format!("HTTP client: {e}")),
        };
        let timestamp = self.now().0.div_euclid(1000);
        let body = d.payload.clone().into_bytes();
        let req = client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Spectree-Event", &d.event)
            .header("X-Spectree-Delivery", &d.id)
            .header("X-Spectree-Timestamp", timestamp.to_string())
            .header("X-Spectree-Signature", signature(secret, timestamp, &body))
            .body(body);
        let started = Instant::now();
        let res = req.send().await;
        let mut outcome = match res {
            Err(e) => Outcome {
                status_code: None,
                duration_ms: 0,
                error: Some(describe(&e)),
                response: None,
            },
            Ok(mut resp) => {
                let status = resp.status();
                let mut kept: Vec<u8> = Vec::new();
                let mut error = None;
                while kept.len() < settings.response_max_bytes {
                    match resp.chunk().await {
                        Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
                        Ok(None) => break,
                        Err(e) => {
                            error = Some(describe(&e));
                            break;
                        }
                    }
                }
                kept.truncate(settings.response_max_bytes);
                if status.is_redirection() {
                    error = Some(format!("answered {status}: redirects are not followed"));
                } else if !status.is_success() {
                    error = Some(format!("answered {status}"));
                }
                Outcome {
                    status_code: Some(status.as_u16()),
                    duration_ms: 0,
                    error,
                    response: Some(String::from_utf8_lossy(&kept).into_owned()),
                }
            }
        };
        outcome.duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        outcome
    }
}
