//! The audit log's use cases. Every use case that changes something calls [`record`] inside
//! its own transaction, so the change and its record commit together; the chainer
//! ([`App::chain_audit`]) links committed records into their organization's hash chain.
//! Reading, exporting, retention and verification live in the files beside this one.

mod error;
mod query;
mod retention;
mod verify;

pub use error::AuditError;
pub use query::{AuditExport, AuditQuery};
pub use retention::RetentionReport;
use serde_json::Value;
use spectree_domain::Timestamp;
use spectree_domain::audit::AuditEvent;
use spectree_domain::ids::{OrgId, UserId};
use spectree_store::{AnyConnection, Store, StoreResult};
pub use verify::{ChainReport, ChainStatus};

use crate::{App, RequestCtx};

/// Events chained per transaction of the chainer.
const CHAIN_BATCH: u32 = 2000;

/// Appends one event to its organization's log, with the request's address and user agent.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record(
    c: &mut AnyConnection,
    now: Timestamp,
    org: OrgId,
    actor: Option<UserId>,
    action: &'static str,
    target: (&'static str, Option<String>),
    ctx: &RequestCtx,
    data: Value,
) -> StoreResult<()> {
    let event = event(org, actor, action, target, ctx, data);
    spectree_store::audit::append(c, &event, now).await?;
    Ok(())
}

/// The event [`record`] appends.
pub(crate) fn event(
    org: OrgId,
    actor: Option<UserId>,
    action: &'static str,
    target: (&'static str, Option<String>),
    ctx: &RequestCtx,
    data: Value,
) -> AuditEvent {
    AuditEvent {
        org_id: org,
        actor_id: actor,
        action: action.to_owned(),
        target_kind: target.0.to_owned(),
        target_id: target.1,
        ip: ctx.ip.clone(),
        user_agent: ctx.user_agent.clone(),
        data,
    }
}

impl App {
    /// Links every committed, not yet chained audit record into its chain; returns how many.
    /// Runs in the background every `audit.chain_interval`, and before the log is read.
    pub async fn chain_audit(&self) -> StoreResult<usize> {
        let mut total = 0;
        loop {
            let mut tx = self.store().begin().await?;
            let n = spectree_store::audit::chain::chain_pending(
                &mut tx,
                self.store().dialect(),
                CHAIN_BATCH,
            )
            .await?;
            Store::commit(tx).await?;
            total += n;
            if n < CHAIN_BATCH as usize {
                return Ok(total);
            }
        }
    }
}
