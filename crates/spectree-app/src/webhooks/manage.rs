//! Managing a team's webhooks (its Admins only): create, list, read, change, delete, rotate
//! the secret, read the delivery log, replay a delivery and send a test ping. Every change is
//! audited; the secret is shown once, when made or rotated.

use serde_json::json;
use spectree_domain::ids::TeamId;
use spectree_domain::org::Action;
use spectree_domain::page::{Page, PageRequest};
use spectree_domain::webhooks::{PING_EVENT, TargetError, check_url, validate_event_kinds};
use spectree_store::webhooks::deliveries::{self, Delivery, DeliveryStatus};
use spectree_store::webhooks::{self as store, Webhook};
use spectree_store::{AnyConnection, Store};
use url::Host;
use uuid::Uuid;

use super::WebhookError;
use super::client::{GuardedResolver, LookupError};
use super::enqueue::{event_kinds, payload};
use crate::secret::new_token;
use crate::{Actor, App, audit};

/// A hook to create.
#[derive(Debug, Clone)]
pub struct NewWebhook {
    /// Target URL (http or https).
    pub url: String,
    /// Event kinds it receives.
    pub events: Vec<String>,
    /// Whether deliveries are made (default true).
    pub active: bool,
}

/// Changes to a hook; absent fields stay.
#[derive(Debug, Clone, Default)]
pub struct WebhookChanges {
    /// New URL.
    pub url: Option<String>,
    /// New event kinds.
    pub events: Option<Vec<String>>,
    /// Switch deliveries on or off (on again also clears the failure count).
    pub active: Option<bool>,
}

/// A hook just made, with its secret (shown this once).
#[derive(Debug, Clone)]
pub struct CreatedWebhook {
    /// The hook.
    pub webhook: Webhook,
    /// The signing secret.
    pub secret: String,
}

fn new_secret() -> Result<String, WebhookError> {
    Ok(new_token("whsec_")?)
}

impl App {
    /// Checks a target URL; a host name is resolved and each of its addresses checked (again
    /// at every delivery, when the connection is made).
    async fn check_target(&self, url: &str) -> Result<String, WebhookError> {
        let allow = self.settings().webhooks.allow_private_targets;
        let parsed = check_url(url, allow)?;
        if let Some(Host::Domain(host)) = parsed.host() {
            let resolver = GuardedResolver {
                allow_private: allow,
            };
            match resolver.lookup(host).await {
                Ok(_) => {}
                Err(LookupError::Forbidden { addr, .. }) => {
                    return Err(TargetError::Forbidden(addr).into());
                }
                Err(LookupError::Unresolvable { host, .. }) => {
                    return Err(WebhookError::Unresolvable(host));
                }
            }
        }
        Ok(parsed.to_string())
    }

    /// Loads a hook and authorizes Admin on its team.
    async fn admin_webhook(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        id: &str,
    ) -> Result<Webhook, WebhookError> {
        let hook = store::get(&mut *c, id)
            .await?
            .ok_or(WebhookError::NotFound)?;
        self.authorize_team(c, actor, hook.team_id, Action::Admin)
            .await?;
        Ok(hook)
    }

    /// Creates a hook on a team (team Admins).
    pub async fn create_webhook(
        &self,
        actor: &Actor,
        team: TeamId,
        new: NewWebhook,
    ) -> Result<CreatedWebhook, WebhookError> {
        validate_event_kinds(&new.events, event_kinds())?;
        {
            let mut c = self.store().read().await?;
            self.authorize_team(&mut c, actor, team, Action::Admin)
                .await?;
        }
        let url = self.check_target(&new.url).await?;
        let secret = new_secret()?;
        let mut tx = self.store().begin().await?;
        let (team, _) = self
            .authorize_team(&mut tx, actor, team, Action::Admin)
            .await?;
        let now = self.now();
        let hook = Webhook {
            id: Uuid::now_v7().to_string(),
            org_id: team.org_id,
            team_id: team.id,
            url,
            events: new.events,
            active: new.active,
            consecutive_failures: 0,
            disabled_reason: None,
            created_by: actor.user_id,
            created_at: now,
            updated_at: now,
        };
        store::insert(&mut tx, self.store().sealer(), &hook, &secret).await?;
        audit::record(
            &mut tx,
            now,
            hook.org_id,
            Some(actor.user_id),
            "webhook.created",
            ("webhook", Some(hook.id.clone())),
            &actor.ctx,
            json!({ "team_id": team.id, "url": hook.url, "events": hook.events, "active": hook.active }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(CreatedWebhook {
            webhook: hook,
            secret,
        })
    }

    /// A team's hooks (team Admins).
    pub async fn list_webhooks(
        &self,
        actor: &Actor,
        team: TeamId,
        page: &PageRequest,
    ) -> Result<Page<Webhook>, WebhookError> {
        let mut c = self.store().read().await?;
        let (team, _) = self
            .authorize_team(&mut c, actor, team, Action::Admin)
            .await?;
        let rows = store::list(
            &mut c,
            team.org_id,
            team.id,
            page.after.as_deref(),
            page.limit + 1,
        )
        .await?;
        Ok(Page::from_overfetch(rows, page.limit, |w| w.id.clone()))
    }

    /// One hook (team Admins).
    pub async fn get_webhook(&self, actor: &Actor, id: &str) -> Result<Webhook, WebhookError> {
        let mut c = self.store().read().await?;
        self.admin_webhook(&mut c, actor, id).await
    }

    /// Changes a hook's URL, kinds or active flag (team Admins).
    pub async fn update_webhook(
        &self,
        actor: &Actor,
        id: &str,
        changes: WebhookChanges,
    ) -> Result<Webhook, WebhookError> {
        if let Some(events) = &changes.events {
            validate_event_kinds(events, event_kinds())?;
        }
        {
            let mut c = self.store().read().await?;
            self.admin_webhook(&mut c, actor, id).await?;
        }
        let url = match &changes.url {
            Some(u) => Some(self.check_target(u).await?),
            None => None,
        };
        let mut tx = self.store().begin().await?;
        let mut hook = self.admin_webhook(&mut tx, actor, id).await?;
        let before = json!({ "url": hook.url, "events": hook.events, "active": hook.active });
        if let Some(u) = url {
            hook.url = u;
        }
        if let Some(e) = changes.events {
            hook.events = e;
        }
        if let Some(a) = changes.active {
            if a && !hook.active {
                hook.consecutive_failures = 0;
                hook.disabled_reason = None;
            }
            hook.active = a;
        }
        hook.updated_at = self.now();
        store::update(&mut tx, &hook).await?;
        audit::record(
            &mut tx,
            hook.updated_at,
            hook.org_id,
            Some(actor.user_id),
            "webhook.updated",
            ("webhook", Some(hook.id.clone())),
            &actor.ctx,
            json!({ "team_id": hook.team_id, "before": before,
                    "after": { "url": hook.url, "events": hook.events, "active": hook.active } }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(hook)
    }

    /// Deletes a hook with its delivery log (team Admins).
    pub async fn delete_webhook(&self, actor: &Actor, id: &str) -> Result<(), WebhookError> {
        let mut tx = self.store().begin().await?;
        let hook = self.admin_webhook(&mut tx, actor, id).await?;
        store::delete(&mut tx, hook.org_id, &hook.id).await?;
        audit::record(
            &mut tx,
            self.now(),
            hook.org_id,
            Some(actor.user_id),
            "webhook.deleted",
            ("webhook", Some(hook.id.clone())),
            &actor.ctx,
            json!({ "team_id": hook.team_id, "url": hook.url }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(())
    }

    /// Replaces a hook's secret with a new one, shown this once (team Admins). Deliveries
    /// sent from now on are signed with it.
    pub async fn rotate_webhook_secret(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<CreatedWebhook, WebhookError> {
        let secret = new_secret()?;
        let mut tx = self.store().begin().await?;
        let mut hook = self.admin_webhook(&mut tx, actor, id).await?;
        let now = self.now();
        store::set_secret(
            &mut tx,
            self.store().sealer(),
            hook.org_id,
            &hook.id,
            &secret,
            now,
        )
        .await?;
        hook.updated_at = now;
        audit::record(
            &mut tx,
            now,
            hook.org_id,
            Some(actor.user_id),
            "webhook.secret_rotated",
            ("webhook", Some(hook.id.clone())),
            &actor.ctx,
            json!({ "team_id": hook.team_id }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(CreatedWebhook {
            webhook: hook,
            secret,
        })
    }

    /// A hook's delivery log, newest first (team Admins). The cursor is the id of the last
    /// delivery of the previous page.
    pub async fn list_deliveries(
        &self,
        actor: &Actor,
        id: &str,
        page: &PageRequest,
    ) -> Result<Page<Delivery>, WebhookError> {
        let mut c = self.store().read().await?;
        let hook = self.admin_webhook(&mut c, actor, id).await?;
        let rows = deliveries::list(
            &mut c,
            self.store().sealer(),
            hook.org_id,
            &hook.id,
            page.after.as_deref(),
            page.limit + 1,
        )
        .await?;
        Ok(Page::from_overfetch(rows, page.limit, |d| d.id.clone()))
    }

    /// One delivery of a hook (team Admins).
    pub async fn get_delivery(
        &self,
        actor: &Actor,
        id: &str,
        delivery: &str,
    ) -> Result<Delivery, WebhookError> {
        let mut c = self.store().read().await?;
        let hook = self.admin_webhook(&mut c, actor, id).await?;
        deliveries::get(
            &mut c,
            self.store().sealer(),
            hook.org_id,
            &hook.id,
            delivery,
        )
        .await?
        .ok_or(WebhookError::NotFound)
    }

    /// Queues the same event and body again as a new delivery, due now (team Admins).
    pub async fn replay_delivery(
        &self,
        actor: &Actor,
        id: &str,
        delivery: &str,
    ) -> Result<Delivery, WebhookError> {
        let mut tx = self.store().begin().await?;
        let hook = self.admin_webhook(&mut tx, actor, id).await?;
        let original = deliveries::get(
            &mut tx,
            self.store().sealer(),
            hook.org_id,
            &hook.id,
            delivery,
        )
        .await?
        .ok_or(WebhookError::NotFound)?;
        let now = self.now();
        let replay = new_delivery(
            &hook,
            original.event.clone(),
            original.payload,
            now,
            Some(original.id),
        );
        deliveries::insert(&mut tx, self.store().sealer(), &replay).await?;
        audit::record(
            &mut tx,
            now,
            hook.org_id,
            Some(actor.user_id),
            "webhook.delivery_replayed",
            ("webhook", Some(hook.id.clone())),
            &actor.ctx,
            json!({ "delivery_id": delivery, "replay_id": replay.id, "event": replay.event }),
        )
        .await?;
        Store::commit(tx).await?;
        self.wake_webhook_worker();
        Ok(replay)
    }

    /// Queues a `ping` delivery to the hook, whatever kinds it picks (team Admins).
    pub async fn ping_webhook(&self, actor: &Actor, id: &str) -> Result<Delivery, WebhookError> {
        let mut tx = self.store().begin().await?;
        let hook = self.admin_webhook(&mut tx, actor, id).await?;
        let now = self.now();
        let body = payload(
            &hook,
            PING_EVENT,
            now,
            json!({ "message": "Webhook test from Spec Tree" }),
            self.settings().webhooks.max_body_bytes,
        );
        let ping = new_delivery(&hook, PING_EVENT.to_owned(), body, now, None);
        deliveries::insert(&mut tx, self.store().sealer(), &ping).await?;
        audit::record(
            &mut tx,
            now,
            hook.org_id,
            Some(actor.user_id),
            "webhook.pinged",
            ("webhook", Some(hook.id.clone())),
            &actor.ctx,
            json!({ "delivery_id": ping.id }),
        )
        .await?;
        Store::commit(tx).await?;
        self.wake_webhook_worker();
        Ok(ping)
    }
}

/// A new pending delivery of `event` to `hook`, due at `now`.
pub(super) fn new_delivery(
    hook: &Webhook,
    event: String,
    payload: String,
    now: spectree_domain::Timestamp,
    replay_of: Option<String>,
) -> Delivery {
    Delivery {
        id: Uuid::now_v7().to_string(),
        org_id: hook.org_id,
        webhook_id: hook.id.clone(),
        event,
        payload,
        status: DeliveryStatus::Pending,
        attempts: 0,
        next_attempt_at: Some(now),
        status_code: None,
        duration_ms: None,
        error: None,
        response: None,
        replay_of,
        created_at: now,
        completed_at: None,
    }
}
