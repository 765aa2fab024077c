//! The activity dispatcher: claims committed activity from the outbox in batches and hands
//! each one to every consumer inside the claiming transaction, so a consumer's own writes
//! (a notification, a webhook delivery row) commit together with the claim, and a failure
//! rolls both back for a later retry. After the commit each consumer is told which
//! activities it processed ([`ActivityConsumer::committed`]), for side effects that must not
//! happen before (live delivery publishes there).

use futures_util::future::BoxFuture;
use spectree_store::activity::{Activity, outbox};
use spectree_store::{AnyConnection, Store, StoreError};

use crate::App;

/// A consumer failed to process an activity; the whole batch is retried later.
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

    /// Processes one activity inside the dispatcher's claim transaction `c`. Writes made
    /// through `c` commit with the claim; an error rolls the batch back.
    fn consume<'a>(
        &'a self,
        c: &'a mut AnyConnection,
        activity: &'a Activity,
    ) -> BoxFuture<'a, Result<(), ConsumeError>>;

    /// Called once the claim transaction committed, with the batch in id order (default:
    /// nothing). Side effects outside the database go here.
    fn committed(&self, _batch: &[Activity]) {}
}

/// What one dispatch pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dispatched {
    /// Activities claimed and processed.
    pub activities: usize,
}

/// Activities claimed per transaction.
const BATCH: u32 = 200;

impl App {
    /// Claims and processes outbox batches until the outbox is empty.
    pub async fn dispatch_activity(
        &self,
        consumers: &[Box<dyn ActivityConsumer>],
    ) -> Result<Dispatched, ConsumeError> {
        let mut done = Dispatched::default();
        loop {
            if !outbox::pending(&mut *self.store().read().await?).await? {
                return Ok(done);
            }
            let mut tx = self.store().begin().await?;
            let batch = outbox::claim(&mut tx, self.store().dialect(), BATCH).await?;
            if batch.is_empty() {
                // Claimed by another node in between (PostgreSQL).
                return Ok(done);
            }
            for activity in &batch {
                for consumer in consumers {
                    if let Err(e) = consumer.consume(&mut tx, activity).await {
                        tracing::error!(consumer = consumer.name(), activity = activity.id,
                            error = %e, "an activity consumer failed; the batch is retried");
                        return Err(e);
                    }
                }
            }
            Store::commit(tx).await?;
            for consumer in consumers {
                consumer.committed(&batch);
            }
            done.activities += batch.len();
        }
    }
}
