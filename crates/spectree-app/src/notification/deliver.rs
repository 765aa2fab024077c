//! From one change to the people it concerns.
//!
//! [`App::notify`] runs inside the activity dispatcher's claim transaction (see
//! [`super::consumer`]): it works out the recipients, writes their inbox rows and digest
//! lines, and returns what must happen after the commit ([`Deliveries`]): the mail sent now
//! and the live count hints, which [`App::dispatch`] performs.
//!
//! Recipients are the watchers of the item (its own watches and subtree watches of its
//! ancestors) with the change's kind, and the people it addresses directly (mentioned,
//! assigned) with theirs; a person addressed directly gets only that. Never the actor, and
//! only people who can see the project now: a watcher who lost access gets nothing.

use std::collections::BTreeMap;

use spectree_domain::ids::{ItemId, OrgId, ProjectId, TeamId, UserId};
use spectree_domain::notification::{
    InboxState, NotificationKind, effective, summary, undelivered_summary,
};
use spectree_domain::org::{Action, Decision, ResourceKind, authorize};
use spectree_store::identity::users;
use spectree_store::notification::digest::{self, DigestEntry};
use spectree_store::notification::inbox::{self, Notification};
use spectree_store::notification::preferences;
use spectree_store::org::members;
use spectree_store::{AnyConnection, StoreResult};

use crate::App;
use crate::mail::Mail;

/// One change that may notify people, as the activity consumer reads it from an activity.
#[derive(Debug, Clone)]
pub struct Occurrence {
    /// Organization.
    pub org_id: OrgId,
    /// The item's project.
    pub project_id: ProjectId,
    /// The project's team (access is decided per team).
    pub team_id: TeamId,
    /// The item.
    pub item_id: ItemId,
    /// Its title (for the summary).
    pub title: String,
    /// Who made the change, when a person did.
    pub actor: Option<UserId>,
    /// The kind watchers are told of; `None` tells only the people addressed directly.
    pub watch_kind: Option<NotificationKind>,
    /// People addressed directly, with their kind (mentioned, assigned).
    pub direct: Vec<(UserId, NotificationKind)>,
    /// People told nothing of this change (the people a comment mentions hear of it
    /// through the mention alone).
    pub exclude: Vec<UserId>,
    /// Handles a mention by the actor did not reach because those people cannot see the
    /// item: the actor is told (`mention_not_delivered`).
    pub unreachable: Vec<String>,
}

/// What is left to do once the change committed.
#[derive(Debug, Default)]
#[must_use = "dispatch the deliveries after the commit"]
pub struct Deliveries {
    mails: Vec<Mail>,
    inbox: Vec<UserId>,
}

impl Deliveries {
    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.mails.is_empty() && self.inbox.is_empty()
    }

    /// Adds another change's deliveries.
    pub fn extend(&mut self, other: Deliveries) {
        self.mails.extend(other.mails);
        self.inbox.extend(other.inbox);
    }
}

/// Whether `user` may see the projects of `team` (the View permission).
pub(crate) async fn can_see(
    c: &mut AnyConnection,
    org: OrgId,
    team: TeamId,
    user: UserId,
) -> StoreResult<bool> {
    let access = members::access(c, org, Some(team), user).await?;
    Ok(authorize(&access, Action::View, ResourceKind::Project) == Decision::Allow)
}

impl App {
    /// Writes the notifications of one change (inside its transaction), given the item's
    /// watchers (its own watches and the subtree watches of its ancestors); see the module.
    pub(crate) async fn notify(
        &self,
        c: &mut AnyConnection,
        occ: &Occurrence,
        watchers: &[UserId],
    ) -> StoreResult<Deliveries> {
        let mut kinds: BTreeMap<UserId, NotificationKind> = BTreeMap::new();
        if let Some(kind) = occ.watch_kind {
            for u in watchers {
                kinds.insert(*u, kind);
            }
        }
        for u in &occ.exclude {
            kinds.remove(u);
        }
        for (u, kind) in &occ.direct {
            kinds.insert(*u, *kind);
        }
        if let Some(actor) = occ.actor {
            kinds.remove(&actor);
            if !occ.unreachable.is_empty() {
                kinds.insert(actor, NotificationKind::MentionNotDelivered);
            }
        }
        let mut out = Deliveries::default();
        if kinds.is_empty() {
            return Ok(out);
        }
        let actor_name = match occ.actor {
            Some(a) => users::get(&mut *c, a)
                .await?
                .map(|u| u.name)
                .unwrap_or_else(|| "Someone".into()),
            None => "Spec Tree".into(),
        };
        let now = self.now();
        let sealer = self.store().sealer();
        for (user, kind) in kinds {
            if !can_see(c, occ.org_id, occ.team_id, user).await? {
                continue;
            }
            let stored = preferences::of_user(&mut *c, user).await?;
            let chosen = stored.iter().find(|(k, _)| *k == kind).map(|(_, ch)| *ch);
            let ch = effective(kind, chosen);
            let text = match kind {
                NotificationKind::MentionNotDelivered => {
                    undelivered_summary(&occ.unreachable, &occ.title)
                }
                _ => summary(kind, &actor_name, &occ.title),
            };
            if ch.in_app
                && !(kind.coalesces() && inbox::has_unread(c, user, occ.item_id, kind).await?)
            {
                inbox::insert(
                    c,
                    sealer,
                    &Notification {
                        id: uuid::Uuid::now_v7().to_string(),
                        org_id: occ.org_id,
                        user_id: user,
                        kind,
                        project_id: occ.project_id,
                        item_id: occ.item_id,
                        actor_id: occ.actor,
                        summary: text.clone(),
                        state: InboxState::Unread,
                        created_at: now,
                        read_at: None,
                    },
                )
                .await?;
                out.inbox.push(user);
            }
            if ch.digest {
                digest::insert(
                    c,
                    sealer,
                    &DigestEntry {
                        id: uuid::Uuid::now_v7().to_string(),
                        org_id: occ.org_id,
                        user_id: user,
                        kind,
                        project_id: occ.project_id,
                        item_id: occ.item_id,
                        summary: text.clone(),
                        created_at: now,
                    },
                )
                .await?;
            }
            if ch.email
                && let Some(u) = users::get(&mut *c, user).await?
                && u.disabled_at.is_none()
            {
                out.mails.push(Mail {
                    to: u.email,
                    subject: text.clone(),
                    body: format!(
                        "{text}\n\n{}\n\nChange what you are told about in your notification \
                         preferences.\n",
                        self.item_link(occ.project_id, occ.item_id)
                    ),
                });
            }
        }
        Ok(out)
    }

    /// After the commit: tells live count streams and sends the mail (failures are logged;
    /// the notifications themselves stand).
    pub async fn dispatch(&self, d: Deliveries) {
        let mut users = d.inbox;
        users.sort();
        users.dedup();
        for u in users {
            self.events().publish_inbox(u);
        }
        for mail in d.mails {
            self.mailer().send_logged(mail).await;
        }
    }

    /// The web app's address of an item.
    pub(crate) fn item_link(&self, project: ProjectId, item: ItemId) -> String {
        format!(
            "{}/projects/{project}/items/{item}",
            self.settings().public_url.trim_end_matches('/')
        )
    }
}
