//! The activity dispatcher: claims committed activity from the outbox in batches and hands
//! each batch to every consumer inside the claiming transaction, so a consumer's own writes
//! (a notification, a webhook delivery row) commit together with the claim, and a failure
//! rolls both back for a later retry. After the commit each consumer is told which
//! activities it processed ([`ActivityConsumer::committed`]), for side effects that must not
//! happen before (live delivery publishes there).

use futures_util::future::BoxFuture;
use spectree_domain::webhooks::backoff;
use spectree_store::activity::Activity;
use spectree_store::activity::outbox::{self, Claimed};
use spectree_store::{AnyConnection, Store, StoreError};

use crate::App;

/// A consumer failed to process an activity; it is retried later (see
/// [`App::dispatch_activity`]).
#[derive(Debug, thiserror::Error)]
pub enum ConsumeError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Anything else the consumer wants to report.
    #[error("{0}")]
    Other(String),
}

/// A background consumer of activity. Register it in the list the binary passes to the
/// dispatcher loop (`crates/spectree/src/server.rs`, `activity_consumers`).
pub trait ActivityConsumer: Send + Sync {
    /// A short name for logs.
    fn name(&self) -> &'static str;

    /// Processes a batch of activities, in order, inside the dispatcher's claim transaction
    /// `c`, stopping at the first failure: the failed activity's index in `batch` and why.
    /// Writes made through `c` commit with the claim; an error rolls the batch back (and the
    /// dispatcher then hands the activities over one at a time, as batches of one). What
    /// every activity needs is read once for the batch.
    fn consume_batch<'a>(
        &'a self,
        c: &'a mut AnyConnection,
        batch: &'a [Activity],
    ) -> BoxFuture<'a, Result<(), (usize, ConsumeError)>>;

    /// Called once the claim transaction committed, with the activities it processed in id
    /// order (default: nothing). Side effects outside the database go here.
    fn committed(&self, _batch: &[Activity]) {}

    /// Called when the writes made for an activity were rolled back because a consumer
    /// failed on it (it is retried later or set aside): forget what was kept for
    /// [`ActivityConsumer::committed`] (default: nothing).
    fn abandoned(&self, _activity_id: i64) {}
}

/// What one dispatch pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dispatched {
    /// Activities claimed and processed.
    pub activities: usize,
    /// Activities a consumer failed on, put back for a retry.
    pub retried: usize,
    /// Activities set aside as dead letters, out of attempts.
    pub dead: usize,
}

/// Activities claimed per transaction.
const BATCH: u32 = 200;

/// A consumer's failure on one activity.
struct Failure<'a> {
    consumer: &'static str,
    activity: &'a Activity,
    error: ConsumeError,
}

impl App {
    /// Claims and processes outbox batches until no due activity is left (as of the last
    /// claim: the caller runs it again after every commit signal).
    ///
    /// A batch is first handed to the consumers whole. Should a consumer fail, the batch
    /// rolls back and is claimed again and handed over one activity at a time, each in its
    /// own savepoint: the activities that pass commit, and the one that failed goes back to
    /// the outbox for a retry after a backoff (`activity_retry`), or, out of attempts,
    /// becomes a dead letter. A failing activity never holds back the others.
    pub async fn dispatch_activity(
        &self,
        consumers: &[Box<dyn ActivityConsumer>],
    ) -> Result<Dispatched, ConsumeError> {
        let mut done = Dispatched::default();
        loop {
            if !outbox::pending(&mut *self.store().read().await?, self.now()).await? {
                return Ok(done);
            }
            let mut tx = self.store().begin().await?;
            let batch = outbox::claim(&mut tx, self.store().dialect(), BATCH, self.now()).await?;
            if batch.is_empty() {
                // Claimed by another node in between (PostgreSQL).
                return Ok(done);
            }
            // A claim short of a full batch emptied the outbox as of its snapshot: whatever
            // commits after it bumps the commit signal, so the caller runs again (no second
            // read to find the outbox empty).
            let drained = batch.len() < BATCH as usize;
            let activities: Vec<Activity> = batch.into_iter().map(|c| c.activity).collect();
            let passed = if let Err(f) = consume_all(&mut tx, consumers, &activities).await {
                tracing::warn!(consumer = f.consumer, activity = f.activity.id,
                    error = %f.error, "an activity consumer failed; retrying the batch \
                    one activity at a time");
                // Rolled back before claiming again: a claim that skipped the rows this
                // one still held would hand the others over and leave the failed activity
                // in the outbox as if never tried (no attempt counted, no backoff).
                Store::rollback(tx).await?;
                for a in &activities {
                    for consumer in consumers {
                        consumer.abandoned(a.id);
                    }
                }
                let mut tx = self.store().begin().await?;
                let batch =
                    outbox::claim(&mut tx, self.store().dialect(), BATCH, self.now()).await?;
                let passed = self
                    .consume_one_by_one(&mut tx, consumers, &batch, &mut done)
                    .await?;
                Store::commit_without_activity(tx).await?;
                passed
            } else {
                // The consumers record no activity (notifications, deliveries): waking the
                // dispatchers for this commit would only have them find the outbox empty.
                Store::commit_without_activity(tx).await?;
                activities
            };
            for consumer in consumers {
                consumer.committed(&passed);
            }
            done.activities += passed.len();
            if drained {
                return Ok(done);
            }
        }
    }

    /// Activity waiting in the outbox (retries included) and dead letters, for the metrics.
    pub async fn activity_backlog(&self) -> Result<(i64, i64), StoreError> {
        outbox::counts(&mut *self.store().read().await?).await
    }

    /// The careful pass: each activity in its own savepoint (see
    /// [`App::dispatch_activity`]). Returns the activities that passed.
    async fn consume_one_by_one(
        &self,
        tx: &mut AnyConnection,
        consumers: &[Box<dyn ActivityConsumer>],
        batch: &[Claimed],
        done: &mut Dispatched,
    ) -> Result<Vec<Activity>, ConsumeError> {
        let mut passed = Vec::with_capacity(batch.len());
        for claimed in batch {
            outbox::isolate(tx).await?;
            let one = std::slice::from_ref(&claimed.activity);
            let Err(f) = consume_all(tx, consumers, one).await else {
                outbox::settle(tx, true).await?;
                passed.push(claimed.activity.clone());
                continue;
            };
            outbox::settle(tx, false).await?;
            for consumer in consumers {
                consumer.abandoned(claimed.activity.id);
            }
            let policy = &self.settings().activity_retry;
            let attempts = claimed.attempts.saturating_add(1);
            if attempts >= policy.max_attempts {
                tracing::error!(consumer = f.consumer, activity = claimed.activity.id, attempts,
                    error = %f.error, "an activity consumer keeps failing; the activity is set \
                    aside as a dead letter");
                outbox::dead_letter(
                    tx,
                    claimed.activity.id,
                    f.consumer,
                    &f.error.to_string(),
                    attempts,
                    self.now(),
                )
                .await?;
                done.dead += 1;
            } else {
                let retry_at = self.now().plus(backoff(policy, attempts, 1.0));
                tracing::warn!(consumer = f.consumer, activity = claimed.activity.id, attempts,
                    error = %f.error, "an activity consumer failed; the activity is retried \
                    later");
                outbox::retry_later(tx, claimed.activity.id, attempts, retry_at).await?;
                done.retried += 1;
            }
        }
        Ok(passed)
    }
}

/// Hands the activities to every consumer in turn (each takes the whole batch), stopping at
/// the first failure.
async fn consume_all<'a>(
    tx: &mut AnyConnection,
    consumers: &[Box<dyn ActivityConsumer>],
    batch: &'a [Activity],
) -> Result<(), Failure<'a>> {
    if batch.is_empty() {
        return Ok(());
    }
    for consumer in consumers {
        if let Err((i, error)) = consumer.consume_batch(tx, batch).await {
            return Err(Failure {
                consumer: consumer.name(),
                // A consumer names an activity of the batch (clamped, should one not).
                activity: &batch[i.min(batch.len() - 1)],
                error,
            });
        }
    }
    Ok(())
}
