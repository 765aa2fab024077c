//! Retention (F4.2.11): each organization's policy, and the job that applies it. Old audit
//! records go behind a recorded cut (decision 0010), a legal hold suspends every deletion,
//! and what was removed is itself recorded in the audit log.

use serde_json::json;
use spectree_domain::audit::RetentionPolicy;
use spectree_domain::ids::OrgId;
use spectree_domain::org::Action;
use spectree_store::audit::retention;
use spectree_store::{Store, StoreResult};

use super::{AuditError, record};
use crate::{Actor, App, RequestCtx};

/// What one run of the retention job removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionReport {
    /// Chains looked at.
    pub chains: usize,
    /// Chains skipped under a legal hold.
    pub held: usize,
    /// Audit records removed.
    pub audit_removed: i64,
    /// Automatic versions pruned.
    pub versions_removed: u64,
    /// Finished webhook deliveries removed from the delivery logs
    /// (`webhooks.delivery_retention`, instance-wide).
    pub webhook_deliveries_removed: u64,
}

impl App {
    /// The organization's retention policy (the defaults until one is set).
    pub async fn retention_policy(
        &self,
        actor: &Actor,
        org: OrgId,
    ) -> Result<RetentionPolicy, AuditError> {
        let mut c = self.store().read().await?;
        self.authorize_org(&mut c, actor, org, Action::Admin)
            .await?;
        Ok(retention::policy(&mut c, org).await?.unwrap_or_default())
    }

    /// Sets the organization's retention policy (Admins and Owners), recording the policy
    /// before and after. The periods are checked after authorization.
    pub async fn set_retention_policy(
        &self,
        actor: &Actor,
        org: OrgId,
        wanted: RetentionPolicy,
    ) -> Result<RetentionPolicy, AuditError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        self.authorize_org(&mut tx, actor, org, Action::Admin)
            .await?;
        let policy =
            RetentionPolicy::new(wanted.version_days, wanted.audit_days, wanted.legal_hold)?;
        let before = retention::policy(&mut tx, org).await?.unwrap_or_default();
        retention::set_policy(&mut tx, org, &policy, now, actor.user_id).await?;
        record(
            &mut tx,
            now,
            org,
            Some(actor.user_id),
            "retention.updated",
            ("organization", Some(org.to_string())),
            &actor.ctx,
            json!({ "before": before, "after": policy }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(policy)
    }

    /// Applies every chain's policy once (the background job calls this every
    /// `retention.interval`): prunes automatic versions and cuts old audit records, each
    /// organization in its own transaction with its audit record.
    pub async fn apply_retention(&self) -> Result<RetentionReport, AuditError> {
        // One time for the whole pass, read before chaining: every record older than its
        // cutoff was committed before it, so it is chained below and cut in this pass, not
        // split over two (a time read after chaining could pass records still pending).
        let now = self.now();
        self.chain_audit().await?;
        let heads = {
            let mut c = self.store().read().await?;
            spectree_store::audit::heads(&mut c).await?
        };
        let mut report = RetentionReport::default();
        for head in heads {
            report.chains += 1;
            let mut tx = self.store().begin().await?;
            let policy = retention::policy(&mut tx, head.org_id)
                .await?
                .unwrap_or_default();
            if policy.legal_hold {
                report.held += 1;
                continue;
            }
            if let Some(cutoff) = policy.version_cutoff(now) {
                let n = spectree_store::history::prune_automatic_versions(
                    &mut tx,
                    self.store().sealer(),
                    head.org_id,
                    cutoff,
                )
                .await?;
                if n > 0 {
                    record(
                        &mut tx,
                        now,
                        head.org_id,
                        None,
                        "history.versions_pruned",
                        ("organization", Some(head.org_id.to_string())),
                        &RequestCtx::default(),
                        json!({ "removed": n, "before": cutoff.to_rfc3339() }),
                    )
                    .await?;
                    report.versions_removed += n;
                }
            }
            if let Some(cutoff) = policy.audit_cutoff(now)
                && let Some(cut) = retention::cut_before(&mut tx, head.org_id, cutoff, now).await?
            {
                record(
                    &mut tx,
                    now,
                    head.org_id,
                    None,
                    "audit.retention_applied",
                    ("organization", Some(head.org_id.to_string())),
                    &RequestCtx::default(),
                    json!({
                        "removed": cut.removed,
                        "through_seq": cut.through_seq,
                        "through_hash": cut.through_hash,
                        "before": cutoff.to_rfc3339(),
                    }),
                )
                .await?;
                report.audit_removed += cut.removed;
            }
            Store::commit(tx).await?;
        }
        self.chain_audit().await?;
        report.webhook_deliveries_removed = self.prune_webhook_deliveries().await?;
        Ok(report)
    }

    /// Removes finished webhook deliveries older than `webhooks.delivery_retention`, in
    /// batches of 1,000 (one transaction each, so the writer is not held long).
    async fn prune_webhook_deliveries(&self) -> StoreResult<u64> {
        const BATCH: u32 = 1000;
        let cutoff = self
            .now()
            .minus(self.settings().webhooks.delivery_retention);
        let mut removed = 0;
        loop {
            let mut tx = self.store().begin().await?;
            let n = spectree_store::webhooks::deliveries::prune(&mut tx, cutoff, BATCH).await?;
            Store::commit(tx).await?;
            removed += n;
            if n < u64::from(BATCH) {
                return Ok(removed);
            }
        }
    }
}
