//! A running job: the provider streams tokens; each is written into the item's document
//! (through [`super::sink::Sink`]) as the AI's client id, with the AI's presence following
//! the insertion point. The job stops when the provider ends or fails, when someone cancels
//! it (here, or on another node: the state is looked at every second, when the progress so
//! far is saved too), or after
//! `ai.max_duration`. At the end the document is projected, the item's open changes close
//! as a version authored by the AI, the outcome is recorded and audited, and only then is
//! the presence cleared: the AI leaving the room means its job is over.

use std::time::Duration;

use serde_json::json;
use spectree_collab::color_of;
use spectree_domain::ai::{GenerationContext, GenerationState};
use spectree_domain::ids::ProjectId;
use spectree_store::Store;
use spectree_store::ai::generations::{self, Generation};
use tokio::sync::{mpsc, watch};

use super::provider::ProviderRequest;
use super::sink::Sink;
use crate::{Actor, App, audit};

/// How often a job checks whether another node cancelled it.
const STATE_CHECK_EVERY: Duration = Duration::from_secs(1);

/// The fixed colour of AI presences.
pub(crate) const AI_COLOR: &str = "#7c3aed";

/// A job to run.
pub(crate) struct Job {
    pub(crate) generation: Generation,
    pub(crate) actor: Actor,
    pub(crate) project: ProjectId,
    pub(crate) context: GenerationContext,
    pub(crate) position: Option<usize>,
}

enum Outcome {
    Finished,
    Cancelled,
    Failed(String),
}

impl Job {
    /// The AI's presence state, with the cursor when it has one.
    fn presence(&self, cursor: Option<serde_json::Value>) -> serde_json::Value {
        let mut state = json!({
            "user": {
                "id": self.generation.started_by,
                "name": format!("AI (for {})", self.actor.name),
                "color": AI_COLOR,
                "starter_color": color_of(self.generation.started_by),
                "ai": true,
            },
            "generation": { "id": self.generation.id, "kind": self.generation.kind },
        });
        if let Some(c) = cursor {
            state["cursor"] = json!({ "anchor": c, "head": c });
        }
        state
    }

    pub(crate) async fn run(self, app: App, mut cancel: watch::Receiver<bool>) {
        let g = self.generation.clone();
        let item = g.item_id;
        let collab = app.collab().clone();
        let _ = collab
            .set_presence(item, g.client_id, Some(self.presence(None)))
            .await;
        let runtime = app.ai();
        let provider = runtime.provider.clone();
        let request = ProviderRequest {
            context: self.context.clone(),
            max_tokens: runtime.settings.max_tokens,
        };
        let max_duration = runtime.settings.max_duration;
        let (tx, mut rx) = mpsc::channel::<String>(64);
        let mut producer = tokio::spawn(async move { provider.generate(&request, tx).await });
        let deadline = tokio::time::sleep(max_duration);
        tokio::pin!(deadline);
        let mut check = tokio::time::interval(STATE_CHECK_EVERY);
        check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut sink = Sink::new(&self, self.position);
        let mut output = String::new();
        let mut tokens: i64 = 0;
        let mut saved: i64 = 0;
        let outcome = loop {
            tokio::select! {
                biased;
                _ = cancel.changed() => break Outcome::Cancelled,
                _ = &mut deadline => break Outcome::Failed(format!(
                    "stopped after ai.max_duration ({}s)", max_duration.as_secs())),
                _ = check.tick() => {
                    let state = match app.store().read().await {
                        Ok(mut c) => generations::state(&mut c, g.id).await.ok().flatten(),
                        Err(_) => None,
                    };
                    if state.is_some_and(|s| s != GenerationState::Running) {
                        break Outcome::Cancelled;
                    }
                    if tokens > saved {
                        // Progress for those who poll the job; the end writes it again.
                        if let Err(e) = save_progress(&app, &g, &output, tokens).await {
                            tracing::warn!(generation = %g.id, error = %e, "saving AI progress failed");
                        }
                        saved = tokens;
                    }
                }
                t = rx.recv() => match t {
                    Some(t) => {
                        match sink.write(&app, &t).await {
                            Ok(cursor) => {
                                output.push_str(&t);
                                tokens += 1;
                                if let Some(c) = cursor {
                                    let _ = collab
                                        .set_presence(item, g.client_id, Some(self.presence(Some(c))))
                                        .await;
                                }
                            }
                            Err(e) => break Outcome::Failed(e),
                        }
                    }
                    None => break match (&mut producer).await {
                        Ok(Ok(())) => match sink.finish(&app).await {
                            Ok(()) => Outcome::Finished,
                            Err(e) => Outcome::Failed(e),
                        },
                        Ok(Err(e)) => Outcome::Failed(e.0),
                        Err(_) => Outcome::Failed("the provider stopped unexpectedly".into()),
                    },
                },
            }
        };
        producer.abort();
        // The end is recorded before the AI leaves the room: someone who sees it leave and
        // starts the next generation at once must not be told one is still running.
        if let Err(e) = self.end(&app, outcome, &output, tokens, &sink).await {
            tracing::error!(generation = %g.id, error = %e, "recording the end of an AI generation failed");
        }
        let _ = collab.set_presence(item, g.client_id, None).await;
        app.ai()
            .jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&g.id);
    }

    async fn end(
        &self,
        app: &App,
        outcome: Outcome,
        output: &str,
        tokens: i64,
        sink: &Sink,
    ) -> Result<(), crate::spec::SpecError> {
        let g = &self.generation;
        // Project what waits for the debounce, then close the item's open changes into a
        // version: the AI's text is recorded as its own version.
        let flushed = app.collab().flush(g.item_id).await;
        if let Err(e) = flushed {
            tracing::warn!(generation = %g.id, error = %e, "projecting an AI generation failed");
        }
        app.close_item_draft(g.item_id, None).await?;
        let now = app.now();
        let (state, error) = match &outcome {
            Outcome::Finished => (GenerationState::Finished, None),
            Outcome::Cancelled => (GenerationState::Cancelled, None),
            Outcome::Failed(e) => (GenerationState::Failed, Some(e.as_str())),
        };
        let mut tx = app.store().begin().await?;
        let sealer = app.store().sealer();
        let ended_here = generations::finish(
            &mut tx, sealer, g.org_id, g.id, state, output, tokens, error, now,
        )
        .await?;
        if ended_here {
            let action = match state {
                GenerationState::Failed => "ai.generation_failed",
                GenerationState::Cancelled => "ai.generation_cancelled",
                _ => "ai.generation_finished",
            };
            audit::record(
                &mut tx,
                now,
                g.org_id,
                Some(g.started_by),
                action,
                ("work_item", Some(g.item_id.to_string())),
                &Default::default(),
                json!({ "generation_id": g.id, "kind": g.kind, "tokens": tokens,
                        "error": error, "children": sink.children() }),
            )
            .await?;
        } else {
            generations::set_output(&mut tx, sealer, g.org_id, g.id, output, tokens).await?;
        }
        Store::commit(tx).await?;
        Ok(())
    }
}

/// Writes what a running job wrote so far.
async fn save_progress(
    app: &App,
    g: &Generation,
    output: &str,
    tokens: i64,
) -> Result<(), spectree_store::StoreError> {
    let mut tx = app.store().begin().await?;
    generations::set_output(
        &mut tx,
        app.store().sealer(),
        g.org_id,
        g.id,
        output,
        tokens,
    )
    .await?;
    Store::commit(tx).await
}
