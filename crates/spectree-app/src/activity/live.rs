//! Live activity: the [`LiveDelivery`] consumer publishes each committed activity on the
//! node's event hub (and through it, with Redis, to the other nodes); an
//! [`ActivitySubscription`] follows one feed, first replaying what the subscriber missed
//! (resume from a cursor), then live, and ends when the subscriber loses access.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use futures_util::future::BoxFuture;
use spectree_domain::ids::{OrgId, ProjectId, TeamId, UserId};
use spectree_store::AnyConnection;
use spectree_store::activity::{self as store, Activity, FeedQuery, Scope};
use tokio::sync::{broadcast, watch};

use super::feeds::combine_actor;
use super::{ActivityConsumer, ActivityError, ConsumeError, FeedFilter};
use crate::events::Msg;
use crate::{Actor, App};

/// The most missed activities replayed on resume; past it the subscriber is told to
/// resynchronise (reload the feed).
const REPLAY_MAX: u32 = 500;

/// The feed a subscription follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityScope {
    /// A project's activity.
    Project(ProjectId),
    /// A team's activity (all its projects).
    Team(TeamId),
    /// What a person did, in the projects the reader may see.
    Person(UserId),
}

/// The consumer that delivers committed activity to live subscribers on every node.
pub struct LiveDelivery {
    app: App,
}

impl LiveDelivery {
    /// Delivers through `app`'s event hub.
    pub fn new(app: App) -> Self {
        Self { app }
    }
}

impl ActivityConsumer for LiveDelivery {
    fn name(&self) -> &'static str {
        "live_delivery"
    }

    fn consume_batch<'a>(
        &'a self,
        _c: &'a mut AnyConnection,
        _batch: &'a [Activity],
    ) -> BoxFuture<'a, Result<(), (usize, ConsumeError)>> {
        // Nothing to write: delivery happens once the claim committed.
        Box::pin(async { Ok(()) })
    }

    fn committed(&self, batch: &[Activity]) {
        for a in batch {
            self.app.events().publish_activity(Arc::new(a.clone()));
        }
    }
}

/// What a subscription yields next.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveNext {
    /// An activity of the feed.
    Activity(Arc<Activity>),
    /// Activity may have been missed (the subscriber fell behind, the link between nodes
    /// dropped, or too much to replay): reload the feed.
    Resync,
    /// The subscriber lost access, or the node is shutting down.
    Ended,
}

/// A live follow of one feed.
pub struct ActivitySubscription {
    app: App,
    actor: Actor,
    scope: ActivityScope,
    filter: FeedFilter,
    where_: Scope,
    person: Option<UserId>,
    rx: broadcast::Receiver<Msg>,
    closed: watch::Receiver<bool>,
    replay: VecDeque<Activity>,
    replayed: HashSet<i64>,
    resync_first: bool,
    teams_seen: HashMap<TeamId, bool>,
}

impl App {
    /// Follows a feed live, after replaying what came after `last_id` (a cursor or the SSE
    /// `Last-Event-ID`), if given. Authorizes like the feed (404 for what the reader cannot
    /// see).
    pub async fn subscribe_activity(
        &self,
        actor: &Actor,
        scope: ActivityScope,
        filter: FeedFilter,
        last_id: Option<&str>,
    ) -> Result<ActivitySubscription, ActivityError> {
        let last_id = super::feeds::parse_cursor(last_id)?;
        // Subscribe first so nothing committed after the replay query is missed.
        let (rx, closed) = self.events().receiver();
        let mut c = self.store().read().await?;
        let (where_, person) = self.feed_scope(&mut c, actor, &scope).await?;
        let mut replay = VecDeque::new();
        let mut resync_first = false;
        if let (Some(after), Some(actor_filter)) = (last_id, combine_actor(person, filter.actor)) {
            let rows = store::feed(
                &mut c,
                &FeedQuery {
                    scope: where_.clone(),
                    kinds: filter.kinds.clone(),
                    actor: actor_filter,
                    cursor: Some(after),
                    ascending: true,
                    limit: REPLAY_MAX + 1,
                },
            )
            .await?;
            if rows.len() > REPLAY_MAX as usize {
                resync_first = true;
            } else {
                replay.extend(rows);
            }
        }
        let replayed = replay.iter().map(|a| a.id).collect();
        Ok(ActivitySubscription {
            app: self.clone(),
            actor: actor.clone(),
            scope,
            filter,
            where_,
            person,
            rx,
            closed,
            replay,
            replayed,
            resync_first,
            teams_seen: HashMap::new(),
        })
    }
}

impl ActivitySubscription {
    /// Waits for the next activity of the feed.
    pub async fn next(&mut self) -> LiveNext {
        if std::mem::take(&mut self.resync_first) {
            return LiveNext::Resync;
        }
        if let Some(a) = self.replay.pop_front() {
            return LiveNext::Activity(Arc::new(a));
        }
        loop {
            let msg = tokio::select! {
                got = self.rx.recv() => got,
                _ = self.closed.wait_for(|closed| *closed) => return LiveNext::Ended,
            };
            match msg {
                Ok(Msg::Activity(a)) => {
                    if self.replayed.remove(&a.id) {
                        continue;
                    }
                    match self.wanted(&a).await {
                        Ok(true) => return LiveNext::Activity(a),
                        Ok(false) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, "checking access for a live activity failed");
                            return LiveNext::Resync;
                        }
                    }
                }
                Ok(Msg::Recheck(user)) if user == self.actor.user_id => {
                    if !self.still_allowed().await {
                        return LiveNext::Ended;
                    }
                }
                Ok(Msg::Event(_) | Msg::Recheck(_) | Msg::Inbox(_)) => {}
                Ok(Msg::ResyncAll) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    return LiveNext::Resync;
                }
                Err(broadcast::error::RecvError::Closed) => return LiveNext::Ended,
            }
        }
    }

    /// Whether an activity belongs to this feed and the reader may see it.
    async fn wanted(&mut self, a: &Activity) -> Result<bool, ActivityError> {
        if !self.filter.matches(a) {
            return Ok(false);
        }
        match &self.where_ {
            Scope::Project(org, p) => Ok(a.org_id == *org && a.project_id == *p),
            Scope::Teams(teams) if self.person.is_none() => {
                Ok(teams.contains(&(a.org_id, a.team_id)))
            }
            Scope::Teams(_) => {
                if a.actor_id != self.person {
                    return Ok(false);
                }
                self.sees(a.org_id, a.team_id).await
            }
        }
    }

    /// Whether the reader may see a team's projects (remembered until access changes).
    async fn sees(&mut self, org: OrgId, team: TeamId) -> Result<bool, ActivityError> {
        if let Some(seen) = self.teams_seen.get(&team) {
            return Ok(*seen);
        }
        let mut c = self.app.store().read().await?;
        let sees = self
            .app
            .sees_team(&mut c, org, team, self.actor.user_id)
            .await?;
        self.teams_seen.insert(team, sees);
        Ok(sees)
    }

    /// After an access change: whether the reader may still follow this feed.
    async fn still_allowed(&mut self) -> bool {
        self.teams_seen.clear();
        let Ok(mut c) = self.app.store().read().await else {
            return false;
        };
        self.app
            .feed_scope(&mut c, &self.actor, &self.scope)
            .await
            .is_ok()
    }
}
