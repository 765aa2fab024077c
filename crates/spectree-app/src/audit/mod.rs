//! Writing audit records from use cases. Every use case that changes something calls
//! [`record`] inside its own transaction, so the change and its record commit together.

use serde_json::Value;
use spectree_domain::Timestamp;
use spectree_domain::audit::AuditEvent;
use spectree_domain::ids::{OrgId, UserId};
use spectree_store::{AnyConnection, StoreResult};

use crate::RequestCtx;

/// Appends one event to its organization's chain.
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
    let event = AuditEvent {
        org_id: org,
        actor_id: actor,
        action: action.to_owned(),
        target_kind: target.0.to_owned(),
        target_id: target.1,
        ip: ctx.ip.clone(),
        data,
    };
    spectree_store::audit::append(c, &event, now).await?;
    Ok(())
}
