//! Reading the project, team and person feeds: newest first, by id cursor, filtered by kind
//! and actor, and only over projects the reader may see.

use spectree_domain::activity::ActivityKind;
use spectree_domain::ids::{OrgId, ProjectId, TeamId, UserId};
use spectree_domain::org::{Action, Decision, ResourceKind, authorize};
use spectree_domain::page::{Page, PageRequest};
use spectree_store::AnyConnection;
use spectree_store::activity::{self as store, Activity, FeedQuery, Scope};
use spectree_store::org::{members, orgs, teams};

use super::ActivityError;
use crate::{Actor, App};

/// The most kinds one filter may name.
const MAX_KINDS: usize = 32;
/// Teams listed per query when collecting a reader's visible teams.
const TEAMS_PAGE: u32 = 500;

/// Which activity of a feed to show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedFilter {
    /// Only these kinds (all when empty).
    pub kinds: Vec<ActivityKind>,
    /// Only by this person.
    pub actor: Option<UserId>,
}

impl FeedFilter {
    /// Parses comma-separated kind names (the `kind` query parameter, possibly repeated).
    pub fn parse(kinds: &[String], actor: Option<UserId>) -> Result<Self, ActivityError> {
        let mut out: Vec<ActivityKind> = Vec::new();
        for name in kinds.iter().flat_map(|k| k.split(',')) {
            let name = name.trim();
            if name.is_empty() {
                continue;
            }
            let kind = name
                .parse::<ActivityKind>()
                .map_err(|_| ActivityError::InvalidKind(name.chars().take(64).collect()))?;
            if !out.contains(&kind) {
                out.push(kind);
            }
            if out.len() > MAX_KINDS {
                return Err(ActivityError::InvalidKind(name.to_owned()));
            }
        }
        Ok(Self { kinds: out, actor })
    }

    /// Whether an activity passes the filter.
    pub fn matches(&self, a: &Activity) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&a.kind))
            && self.actor.is_none_or(|u| a.actor_id == Some(u))
    }
}

/// The person a person feed is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonRef {
    /// The reader.
    Me,
    /// Someone by id.
    User(UserId),
}

/// A cursor handed out by a feed: the id of the last activity of the page.
pub(crate) fn parse_cursor(cursor: Option<&str>) -> Result<Option<i64>, ActivityError> {
    cursor
        .map(|c| {
            c.parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(ActivityError::InvalidCursor)
        })
        .transpose()
}

impl App {
    /// Whether `user` may see the projects of `team`.
    pub(crate) async fn sees_team(
        &self,
        c: &mut AnyConnection,
        org: OrgId,
        team: TeamId,
        user: UserId,
    ) -> Result<bool, ActivityError> {
        let access = members::access(c, org, Some(team), user).await?;
        Ok(authorize(&access, Action::View, ResourceKind::Project) == Decision::Allow)
    }

    /// The teams (with their organizations) whose projects `actor` may see, limited to the
    /// organizations `person` belongs to; `NotFound` when the two share none.
    pub(crate) async fn person_scope(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        person: UserId,
    ) -> Result<Vec<(OrgId, TeamId)>, ActivityError> {
        let mine = orgs::of_user(&mut *c, actor.user_id).await?;
        let theirs: Vec<OrgId> = if person == actor.user_id {
            mine.iter().map(|(o, _)| o.id).collect()
        } else {
            orgs::of_user(&mut *c, person)
                .await?
                .into_iter()
                .map(|(o, _)| o.id)
                .collect()
        };
        let shared: Vec<OrgId> = mine
            .iter()
            .map(|(o, _)| o.id)
            .filter(|o| theirs.contains(o))
            .collect();
        if shared.is_empty() {
            return Err(ActivityError::NotFound);
        }
        let mut out = Vec::new();
        for org in shared {
            let mut after: Option<String> = None;
            loop {
                let page = teams::list(&mut *c, org, None, after.as_deref(), TEAMS_PAGE).await?;
                for t in &page {
                    if self.sees_team(&mut *c, org, t.id, actor.user_id).await? {
                        out.push((org, t.id));
                    }
                }
                if page.len() < TEAMS_PAGE as usize {
                    break;
                }
                after = page.last().map(|t| t.id.to_string());
            }
        }
        Ok(out)
    }

    /// Where a feed reads from, after authorizing the reader (404 for what they cannot see).
    pub(crate) async fn feed_scope(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        scope: &super::ActivityScope,
    ) -> Result<(Scope, Option<UserId>), ActivityError> {
        use super::ActivityScope as S;
        Ok(match *scope {
            S::Project(p) => {
                let project = self.authorize_project(c, actor, p, Action::View).await?;
                (Scope::Project(project.org_id, project.id), None)
            }
            S::Team(t) => {
                let (team, _) = self.authorize_team(c, actor, t, Action::View).await?;
                (Scope::Teams(vec![(team.org_id, team.id)]), None)
            }
            S::Person(u) => (Scope::Teams(self.person_scope(c, actor, u).await?), Some(u)),
        })
    }

    /// One page of a feed, newest first.
    pub async fn activity_feed(
        &self,
        actor: &Actor,
        scope: &super::ActivityScope,
        filter: &FeedFilter,
        page: &PageRequest,
    ) -> Result<Page<Activity>, ActivityError> {
        let cursor = parse_cursor(page.after.as_deref())?;
        let mut c = self.store().read().await?;
        let (where_, person) = self.feed_scope(&mut c, actor, scope).await?;
        let Some(actor_filter) = combine_actor(person, filter.actor) else {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        };
        let rows = store::feed(
            &mut c,
            &FeedQuery {
                scope: where_,
                kinds: filter.kinds.clone(),
                actor: actor_filter,
                cursor,
                ascending: false,
                limit: page.limit + 1,
            },
        )
        .await?;
        Ok(Page::from_overfetch(rows, page.limit, |a| a.id.to_string()))
    }

    /// A project's feed.
    pub async fn project_activity(
        &self,
        actor: &Actor,
        project: ProjectId,
        filter: &FeedFilter,
        page: &PageRequest,
    ) -> Result<Page<Activity>, ActivityError> {
        self.activity_feed(actor, &super::ActivityScope::Project(project), filter, page)
            .await
    }
}

/// The actor condition of a person feed (the person) and a filter's; `None` when the two
/// cannot both hold (nothing to show).
pub(crate) fn combine_actor(
    person: Option<UserId>,
    filter: Option<UserId>,
) -> Option<Option<UserId>> {
    match (person, filter) {
        (Some(p), Some(f)) if p != f => None,
        (Some(p), _) => Some(Some(p)),
        (None, f) => Some(f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_from_lists_and_reject_unknown_names() {
        let f = FeedFilter::parse(&["item_created,commented".into(), "commented".into()], None);
        assert_eq!(
            f.ok().map(|f| f.kinds),
            Some(vec![ActivityKind::ItemCreated, ActivityKind::Commented])
        );
        assert!(matches!(
            FeedFilter::parse(&["nope".into()], None),
            Err(ActivityError::InvalidKind(_))
        ));
    }

    #[test]
    fn cursors_are_positive_ids() {
        assert_eq!(parse_cursor(Some("42")).ok(), Some(Some(42)));
        assert!(parse_cursor(Some("abc")).is_err());
        assert!(parse_cursor(Some("-1")).is_err());
        assert_eq!(parse_cursor(None).ok(), Some(None));
    }
}
