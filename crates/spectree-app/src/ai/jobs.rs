//! Starting, reading and cancelling generation jobs. Starting needs Edit on the item's
//! project (Editors and up) and AI turned on for the organization; one job runs per item
//! (a unique index, so across nodes too). Start and cancel are audited in the transaction
//! that records them; the job's end is audited by the runner.

use serde_json::json;
use spectree_domain::ai::{GenerationContext, GenerationKind, GenerationState, MAX_PROMPT_BYTES};
use spectree_domain::ids::{GenerationId, ItemId};
use spectree_domain::org::Action;
use spectree_domain::spec::ItemType;
use spectree_store::ai::generations::{self, Generation};
use spectree_store::ai::settings;
use spectree_store::spec::items;
use spectree_store::{Store, StoreError};
use tokio::sync::watch;
use yrs::block::ClientID;

use super::AiError;
use super::runner::Job;
use crate::{Actor, App, audit};

/// What to generate.
#[derive(Debug, Clone)]
pub struct StartGeneration {
    /// Description, acceptance criteria or children.
    pub kind: GenerationKind,
    /// What the person asks for.
    pub prompt: String,
    /// For a description: where to insert, in characters from the start (default: the end).
    pub position: Option<usize>,
}

/// The type of the children of an item of type `t`, if it may have any.
pub(crate) fn child_type(t: ItemType) -> Option<ItemType> {
    match t {
        ItemType::Epic => Some(ItemType::Feature),
        ItemType::Feature => Some(ItemType::Story),
        ItemType::Story => Some(ItemType::Task),
        ItemType::Task => None,
    }
}

impl App {
    /// Starts a generation job on an item; it runs in the background on this node.
    pub async fn start_generation(
        &self,
        actor: &Actor,
        item: ItemId,
        req: StartGeneration,
    ) -> Result<Generation, AiError> {
        if req.prompt.len() > MAX_PROMPT_BYTES {
            return Err(AiError::Invalid(format!(
                "the prompt is longer than {MAX_PROMPT_BYTES} bytes"
            )));
        }
        if req
            .prompt
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(AiError::Invalid("the prompt has control characters".into()));
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let (row, project) = self
            .authorize_item(&mut tx, actor, item, Action::Edit)
            .await?;
        if row.deleted_at.is_some() {
            return Err(AiError::ItemInTrash);
        }
        if !settings::enabled(&mut tx, row.org_id).await? {
            return Err(AiError::Disabled);
        }
        if req.kind == GenerationKind::Children && child_type(row.item_type).is_none() {
            return Err(AiError::Invalid(
                "a task has no child items to generate".into(),
            ));
        }
        if req.position.is_some() && req.kind != GenerationKind::Description {
            return Err(AiError::Invalid(
                "position applies to description generation only".into(),
            ));
        }
        let parent_title = match row.parent_id {
            Some(p) => items::get(&mut tx, self.store().sealer(), p)
                .await?
                .map(|p| p.title),
            None => None,
        };
        let settings = &self.ai().settings;
        let cutoff = now.minus(settings.max_duration + std::time::Duration::from_secs(60));
        generations::fail_stale(&mut tx, item, cutoff, now).await?;
        let g = Generation {
            id: GenerationId::new(),
            org_id: row.org_id,
            item_id: item,
            started_by: actor.user_id,
            kind: req.kind,
            provider: self.ai().provider.name().to_owned(),
            prompt: req.prompt.clone(),
            client_id: fresh_client_id(),
            state: GenerationState::Running,
            output: None,
            tokens: 0,
            error: None,
            created_at: now,
            finished_at: None,
        };
        match generations::insert(&mut tx, self.store().sealer(), &g).await {
            Err(StoreError::Duplicate) => return Err(AiError::AlreadyRunning),
            r => r?,
        }
        audit::record(
            &mut tx,
            now,
            row.org_id,
            Some(actor.user_id),
            "ai.generation_started",
            ("work_item", Some(item.to_string())),
            &actor.ctx,
            json!({ "generation_id": g.id, "kind": g.kind, "provider": g.provider }),
        )
        .await?;
        Store::commit(tx).await?;
        let context = GenerationContext {
            kind: req.kind,
            title: row.title.clone(),
            item_type: row.item_type,
            parent_title,
            criteria: row
                .acceptance_criteria
                .iter()
                .map(|c| c.text.clone())
                .collect(),
            prompt: req.prompt,
        };
        let (cancel_tx, cancel_rx) = watch::channel(false);
        self.ai()
            .jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(g.id, cancel_tx);
        let job = Job {
            generation: g.clone(),
            actor: actor.clone(),
            project: project.id,
            context,
            position: req.position,
        };
        tokio::spawn(job.run(self.clone(), cancel_rx));
        Ok(g)
    }

    /// A generation job (anyone who can see its item).
    pub async fn generation(&self, actor: &Actor, id: GenerationId) -> Result<Generation, AiError> {
        let mut c = self.store().read().await?;
        let g = generations::get(&mut c, self.store().sealer(), id)
            .await?
            .ok_or(AiError::NotFound)?;
        self.authorize_item(&mut c, actor, g.item_id, Action::View)
            .await?;
        Ok(g)
    }

    /// Cancels a running job (Editors and up); what it wrote stays. Cancelling a job that
    /// already ended changes nothing and answers its state.
    pub async fn cancel_generation(
        &self,
        actor: &Actor,
        id: GenerationId,
    ) -> Result<Generation, AiError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        // The write comes first (see `cancel_running`); nothing is kept unless the actor
        // may do it: an early return drops the transaction, which rolls it back.
        let cancelled = generations::cancel_running(&mut tx, id, now).await?;
        let g = generations::get(&mut tx, self.store().sealer(), id)
            .await?
            .ok_or(AiError::NotFound)?;
        self.authorize_item(&mut tx, actor, g.item_id, Action::Edit)
            .await?;
        if !cancelled {
            return Ok(g);
        }
        audit::record(
            &mut tx,
            now,
            g.org_id,
            Some(actor.user_id),
            "ai.generation_cancelled",
            ("work_item", Some(g.item_id.to_string())),
            &actor.ctx,
            json!({ "generation_id": id, "started_by": g.started_by }),
        )
        .await?;
        Store::commit(tx).await?;
        if let Some(switch) = self
            .ai()
            .jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
        {
            let _ = switch.send(true);
        }
        let mut c = self.store().read().await?;
        generations::get(&mut c, self.store().sealer(), id)
            .await?
            .ok_or(AiError::NotFound)
    }
}

/// A Yjs client id for a job: random below 2^53 (a safe JavaScript integer), as yrs picks
/// them, never the seed's.
fn fresh_client_id() -> u64 {
    loop {
        let c = ClientID::random().get();
        if c > 1 {
            return c;
        }
    }
}
