//! Item creates that arrive together are written together (docs/decisions/0027): on SQLite
//! one batch at a time, as its one writer runs use cases one after another anyway; on
//! PostgreSQL a few batches side by side (docs/decisions/0030), each read in one statement
//! and written in one, without a transaction around them (docs/decisions/0036).
//!
//! Each create is its own use case with its own outcome: authorized, validated, placed last
//! under its parent, with its version, activity, watch and audit record. What they share is
//! the commit and the statements: the creates queued while a batch is being written
//! form the next batch, whose parents, last positions and authorizations are read once and
//! whose rows go in with a statement per table instead of one per row. A create that
//! breaks a rule is answered with its error and writes nothing; a storage failure of the
//! shared writes rolls the batch back and its creates are retried one by one, so one bad
//! create cannot fail the others.
//!
//! No timer: a create that finds the queue idle is written at once; batches form only while
//! the writer is busy, which is when sharing its work pays.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use spectree_domain::discussion::mentions;
use spectree_domain::ids::{ItemId, ProjectId, UserId};
use spectree_domain::org::Action;
use spectree_domain::spec::Position;
use spectree_domain::spec::search::words_text;
use spectree_store::spec::items::{self, Item, NewParent};
use spectree_store::spec::projects::Project;
use spectree_store::{AnyConnection, Conn, Dialect, Store, StoreError};
use tokio::sync::oneshot;

use super::SpecError;
use super::access::authorize_found;
use super::items::{NewItem, text_words};
use crate::{Actor, App};

/// Most creates written in one transaction.
const MAX_BATCH: usize = 64;

/// Batches written at once on PostgreSQL. One batch at a time leaves its cores idle while
/// each statement's round trip and the commit's flush are waited for (all the more with the
/// database on another host); a writer per create gives up the shared statements. Two, not
/// four (docs/decisions/0034): a batch costs PostgreSQL about a millisecond of CPU whatever
/// it holds, and four writers split the same queue into batches half as large.
const PG_WRITERS: usize = 2;

/// One queued create and where its outcome goes.
pub(crate) struct CreateJob {
    actor: Actor,
    project: ProjectId,
    new: NewItem,
    /// The text of its search words, worked out before it queued (off the writer's path).
    words: String,
    reply: oneshot::Sender<Result<Item, SpecError>>,
}

/// The creates waiting to be written, and whether a task is writing them.
#[derive(Default)]
pub(crate) struct CreateQueue {
    state: Mutex<QueueState>,
    /// Batches written.
    batches: AtomicU64,
    /// Creates ever queued.
    received: AtomicU64,
}

#[derive(Default)]
struct QueueState {
    jobs: Vec<CreateJob>,
    /// Tasks writing batches now.
    drainers: usize,
}

impl CreateQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, QueueState> {
        // The state stays consistent across a panic (a push or a drain), so a poisoned lock
        // is still usable.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Ends a drain: on a panic the queued creates are dropped (their callers get an error)
/// and the next create starts a new drain.
struct DrainGuard<'a>(&'a CreateQueue);

impl Drop for DrainGuard<'_> {
    fn drop(&mut self) {
        let mut s = self.0.lock();
        s.jobs.clear();
        s.drainers -= 1;
    }
}

impl App {
    /// Batches of item creates written so far (retries of a failed batch not counted).
    pub fn item_create_batches(&self) -> u64 {
        self.inner.creates.batches.load(Ordering::Relaxed)
    }

    /// Creates queued so far (taken by a batch or not).
    pub fn item_creates_received(&self) -> u64 {
        self.inner.creates.received.load(Ordering::SeqCst)
    }

    /// Queues a create and waits for its outcome. The create is written by the queue's task,
    /// so it completes whether or not the caller still waits (as [`App::detached`]).
    pub(super) async fn create_queued(
        &self,
        actor: &Actor,
        project: ProjectId,
        new: NewItem,
    ) -> Result<Item, SpecError> {
        let (reply, outcome) = oneshot::channel();
        let words = words_text(&text_words(
            &new.title,
            &new.description,
            &new.acceptance_criteria,
        ));
        let start = {
            let mut s = self.inner.creates.lock();
            s.jobs.push(CreateJob {
                actor: actor.clone(),
                project,
                new,
                words,
                reply,
            });
            self.inner.creates.received.fetch_add(1, Ordering::SeqCst);
            let start = s.drainers < self.create_writers();
            if start {
                s.drainers += 1;
            }
            start
        };
        if start {
            let app = self.clone();
            tokio::spawn(async move { app.drain_creates().await });
        }
        outcome.await.unwrap_or_else(|_| {
            Err(SpecError::Store(StoreError::Commit(
                "the create was abandoned".into(),
            )))
        })
    }

    /// How many batches are written at once: one on SQLite, whose one writer runs them one
    /// after another anyway; on PostgreSQL, whose transactions run side by side,
    /// [`PG_WRITERS`] with no more than half the pool's connections (docs/decisions/0030).
    fn create_writers(&self) -> usize {
        let half = usize::try_from(self.store().max_writers() / 2).unwrap_or(usize::MAX);
        half.clamp(1, PG_WRITERS)
    }

    /// Writes queued creates, batch after batch, until the queue is empty. On PostgreSQL
    /// the drain keeps one connection for its batches: sqlx pings a connection each time it
    /// leaves the pool and each time it returns, two round trips a batch for nothing.
    async fn drain_creates(&self) {
        let queue = &self.inner.creates;
        let guard = DrainGuard(queue);
        let mut held: Option<Conn> = None;
        loop {
            let batch: Vec<CreateJob> = {
                let mut s = queue.lock();
                if s.jobs.is_empty() {
                    s.drainers -= 1;
                    break;
                }
                let n = s.jobs.len().min(MAX_BATCH);
                s.jobs.drain(..n).collect()
            };
            self.create_batch(batch, &mut held).await;
        }
        std::mem::forget(guard);
    }

    /// Writes one batch and answers its creates.
    async fn create_batch(&self, batch: Vec<CreateJob>, held: &mut Option<Conn>) {
        let together = match self.store().dialect() {
            Dialect::Postgres => self.create_together_autocommit(&batch, held).await,
            Dialect::Sqlite => self.create_together(&batch).await,
        };
        match together {
            Ok(outcomes) => {
                self.inner.creates.batches.fetch_add(1, Ordering::Relaxed);
                for (job, outcome) in batch.into_iter().zip(outcomes) {
                    let _ = job.reply.send(outcome);
                }
            }
            Err(e) => {
                if batch.len() > 1 {
                    tracing::warn!(creates = batch.len(), error = %e,
                        "a batch of item creates failed; retrying them one by one");
                }
                for job in batch {
                    let outcome = self
                        .create_item_alone(&job.actor, job.project, job.new)
                        .await;
                    let _ = job.reply.send(outcome);
                }
            }
        }
    }

    /// The creates of a batch in one transaction (SQLite, where it joins the writer's
    /// group): each one's outcome, or the storage error that rolled them all back.
    async fn create_together(
        &self,
        batch: &[CreateJob],
    ) -> Result<Vec<Result<Item, SpecError>>, StoreError> {
        let mut tx = self.store().begin().await?;
        let outcomes = self.place_batch(&mut tx, batch).await?;
        let (rows, actors, words) = created_of(batch, &outcomes);
        if !rows.is_empty() {
            self.write_created_items(&mut tx, &rows, &actors, words)
                .await?;
        }
        Store::commit(tx).await?;
        Ok(outcomes)
    }

    /// The creates of a batch on PostgreSQL (docs/decisions/0036): the reads outside a
    /// transaction, then every row in one statement, which commits on its own
    /// ([`Store::autocommit`]): two round trips a batch instead of seven (the two reads were
    /// one, and `BEGIN`, `COMMIT` and sqlx's pings as the connection leaves the pool and
    /// returns are gone). Mentions in a description need their own reads and
    /// writes, so a batch with any goes in a transaction. The connection is kept in `held`
    /// for the next batch unless something failed.
    async fn create_together_autocommit(
        &self,
        batch: &[CreateJob],
        held: &mut Option<Conn>,
    ) -> Result<Vec<Result<Item, SpecError>>, StoreError> {
        let mut conn = match held.take() {
            Some(c) => c,
            None => self
                .store()
                .autocommit()
                .await?
                .ok_or_else(|| StoreError::Corrupt("no autocommit connection".into()))?,
        };
        let outcomes = self.place_batch(&mut conn, batch).await?;
        let (rows, actors, words) = created_of(batch, &outcomes);
        if !rows.is_empty() {
            if rows.iter().any(|i| !mentions(&i.description).is_empty()) {
                // Its reads and writes, in a transaction of their own (as good as on this
                // connection: see `Store::autocommit`).
                let mut tx = self.store().begin().await?;
                self.write_created_items(&mut tx, &rows, &actors, words)
                    .await?;
                Store::commit(tx).await?;
            } else {
                self.write_created_items(&mut conn, &rows, &actors, words)
                    .await?;
            }
            self.store().committed();
        }
        *held = Some(conn);
        Ok(outcomes)
    }

    /// Authorizes, checks and places each create of a batch: each one's outcome, or the
    /// storage error that fails them all.
    async fn place_batch(
        &self,
        c: &mut AnyConnection,
        batch: &[CreateJob],
    ) -> Result<Vec<Result<Item, SpecError>>, StoreError> {
        let sealer = self.store().sealer();
        let mut parent_ids: Vec<ItemId> = batch
            .iter()
            .filter_map(|j| j.new.placement.parent_id)
            .collect();
        parent_ids.sort_unstable();
        parent_ids.dedup();
        // The first create's project and its actor's access there, and the parents of all,
        // each with its last position (none when it has no live children yet), in one
        // round trip; the rare batch over several projects or people reads the others'
        // access as it meets them.
        let Some(first) = batch.first() else {
            return Ok(Vec::new());
        };
        let (first_access, found) = match items::create_context(
            &mut *c,
            sealer,
            first.project,
            first.actor.user_id,
            &parent_ids,
        )
        .await?
        {
            Some((access, parents)) => (Some(access), parents),
            None => (None, items::new_parents(&mut *c, &parent_ids).await?),
        };
        let mut last: HashMap<(ProjectId, Option<ItemId>), Option<Position>> = found
            .iter()
            .map(|p| {
                let at = p
                    .last_child
                    .as_deref()
                    .and_then(|s| Position::parse(s).ok());
                ((p.project_id, Some(p.id)), at)
            })
            .collect();
        let parents: HashMap<ItemId, NewParent> = found.into_iter().map(|p| (p.id, p)).collect();
        // Authorizations granted in this batch; a refused one is asked again (rare).
        let mut projects: HashMap<(ProjectId, UserId), Project> = HashMap::new();
        if let Ok(project) = authorize_found(first_access, Action::Edit) {
            projects.insert((first.project, first.actor.user_id), project);
        }
        let mut assignees_ok: HashMap<ProjectId, HashSet<UserId>> = HashMap::new();
        let mut outcomes: Vec<Result<Item, SpecError>> = Vec::with_capacity(batch.len());
        for job in batch {
            let key = (job.project, job.actor.user_id);
            let project = match projects.get(&key) {
                Some(p) => Ok(p.clone()),
                None => self
                    .authorize_project(&mut *c, &job.actor, job.project, Action::Edit)
                    .await
                    .inspect(|p| {
                        projects.insert(key, p.clone());
                    }),
            };
            let outcome = match project {
                Ok(project) => {
                    self.place_new_item(
                        &mut *c,
                        job,
                        &project,
                        &parents,
                        &mut last,
                        assignees_ok.entry(project.id).or_default(),
                    )
                    .await
                }
                Err(e) => Err(e),
            };
            match outcome {
                // The transaction may be unusable: the whole batch is retried alone.
                Err(SpecError::Store(e)) => return Err(e),
                other => outcomes.push(other),
            }
        }
        Ok(outcomes)
    }

    /// Checks one create of a batch and places it last under its parent, after the batch's
    /// earlier creates there.
    async fn place_new_item(
        &self,
        tx: &mut AnyConnection,
        job: &CreateJob,
        project: &Project,
        parents: &HashMap<ItemId, NewParent>,
        last: &mut HashMap<(ProjectId, Option<ItemId>), Option<Position>>,
        assignees_ok: &mut HashSet<UserId>,
    ) -> Result<Item, SpecError> {
        let parent = match job.new.placement.parent_id {
            None => None,
            Some(id) => match parents.get(&id) {
                Some(p) if p.project_id == project.id && !p.trashed => Some((p.id, p.item_type)),
                _ => return Err(SpecError::InvalidParent),
            },
        };
        let key = (project.id, parent.map(|p| p.0));
        let prev = match last.get(&key) {
            Some(p) => p.clone(),
            None => items::last_position(&mut *tx, project.id, key.1)
                .await?
                .and_then(|p| Position::parse(&p).ok()),
        };
        let mut item = self
            .build_item(
                &mut *tx,
                &job.actor,
                project,
                parent,
                job.new.clone(),
                assignees_ok,
            )
            .await?;
        let position = Position::between(prev.as_ref(), None);
        item.position = position.as_str().to_owned();
        last.insert(key, Some(position));
        Ok(item)
    }
}

/// The items a batch created, with their actors and search words, in batch order.
fn created_of<'a>(
    batch: &'a [CreateJob],
    outcomes: &[Result<Item, SpecError>],
) -> (Vec<Item>, Vec<&'a Actor>, Vec<String>) {
    let mut rows = Vec::new();
    let mut actors = Vec::new();
    let mut words = Vec::new();
    for (job, outcome) in batch.iter().zip(outcomes) {
        if let Ok(item) = outcome {
            rows.push(item.clone());
            actors.push(&job.actor);
            words.push(job.words.clone());
        }
    }
    (rows, actors, words)
}
