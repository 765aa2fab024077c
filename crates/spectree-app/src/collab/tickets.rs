//! Opening an item's socket: who the principal is and what they may do, and short-lived
//! single-use tickets for clients that cannot send a cookie or keep a token in the URL.

use std::time::Duration;

use serde_json::json;
use spectree_collab::Principal;
use spectree_domain::ids::ItemId;
use spectree_domain::org::Action;
use spectree_store::Store;
use spectree_store::collab::{self, TicketVia};
use spectree_store::identity::users;

use crate::identity::IdentityError;
use crate::secret::{new_token, token_hash};
use crate::spec::SpecError;
use crate::{Actor, App, AuthVia, RequestCtx, audit};

/// Prefix of collaboration tickets.
pub const TICKET_PREFIX: &str = "stt_";
/// Life of a ticket.
pub const TICKET_TTL: Duration = Duration::from_secs(60);

impl App {
    /// The principal of `actor` on an item's socket (View needed; Edit decides writes).
    pub async fn collab_principal(
        &self,
        actor: &Actor,
        item: ItemId,
    ) -> Result<Principal, SpecError> {
        let mut c = self.store().read().await?;
        let (row, _) = self
            .authorize_item(&mut c, actor, item, Action::View)
            .await?;
        if row.deleted_at.is_some() {
            return Err(SpecError::ItemInTrash);
        }
        drop(c);
        let can_edit = self.item_access(item, actor.user_id).await? == Some(true);
        Ok(Principal {
            user_id: actor.user_id,
            name: actor.name.clone(),
            can_edit,
        })
    }

    /// Issues a ticket that opens the item's socket once, within a minute.
    pub async fn collab_ticket(&self, actor: &Actor, item: ItemId) -> Result<String, SpecError> {
        self.collab_principal(actor, item).await?;
        let token = new_token(TICKET_PREFIX).map_err(|e| SpecError::InvalidBulk(e.to_string()))?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        collab::insert_ticket(
            &mut tx,
            &token_hash(&token),
            actor.user_id,
            item,
            match &actor.via {
                AuthVia::Session { id, .. } => TicketVia::Session(*id),
                AuthVia::Token { id } => TicketVia::Token(*id),
            },
            now.plus(TICKET_TTL),
        )
        .await?;
        let org = spectree_store::spec::items::get(&mut tx, self.store().sealer(), item)
            .await?
            .map(|i| i.org_id)
            .ok_or(SpecError::NotFound)?;
        audit::record(
            &mut tx,
            now,
            org,
            Some(actor.user_id),
            "collab.ticket_issued",
            ("work_item", Some(item.to_string())),
            &actor.ctx,
            json!({}),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(token)
    }

    /// The principal behind a ticket for `item`, with the session or token that asked for
    /// it (watch it: the socket ends with it); the ticket is used up. `None` when the ticket
    /// is unknown, used, expired or for another item, when its credential has ended since,
    /// or when its user can no longer see the item.
    pub async fn redeem_ticket(
        &self,
        ticket: &str,
        item: ItemId,
        ctx: &RequestCtx,
    ) -> Result<Option<(Principal, Option<Actor>)>, SpecError> {
        if !ticket.starts_with(TICKET_PREFIX) {
            return Ok(None);
        }
        let mut tx = self.store().begin().await?;
        let redeemed =
            collab::redeem_ticket(&mut tx, &token_hash(ticket), item, self.now()).await?;
        Store::commit(tx).await?;
        let Some((user_id, via)) = redeemed else {
            return Ok(None);
        };
        let Some(user) = users::get(&mut *self.store().read().await?, user_id).await? else {
            return Ok(None);
        };
        let actor = via.map(|via| Actor {
            user_id,
            email: user.email.clone(),
            name: user.name.clone(),
            instance_admin: user.instance_admin,
            via: match via {
                TicketVia::Session(id) => AuthVia::Session {
                    id,
                    csrf_token: String::new(),
                },
                TicketVia::Token(id) => AuthVia::Token { id },
            },
            ctx: ctx.clone(),
        });
        if let Some(a) = &actor {
            match self.credential_valid(a).await {
                Ok(true) => {}
                Ok(false) => return Ok(None),
                Err(IdentityError::Store(e)) => return Err(e.into()),
                Err(e) => {
                    tracing::warn!(error = %e, "checking a ticket's credential failed");
                    return Ok(None);
                }
            }
        }
        let Some(access) = self.item_access(item, user_id).await? else {
            return Ok(None);
        };
        Ok(Some((
            Principal {
                user_id,
                name: user.name,
                can_edit: access,
            },
            actor,
        )))
    }
}
