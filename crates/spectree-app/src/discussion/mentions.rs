//! @mentions: resolving the handles in a comment to members who can see the item, recording
//! them, and suggesting members for autocompletion.
//!
//! A handle is the local part of a member's email address (see
//! `spectree_domain::discussion`). A mention of a member who cannot see the item is recorded
//! but reveals nothing to them; the author is told instead.

use serde_json::json;
use spectree_domain::activity::ActivityKind;
use spectree_domain::discussion::{handle_of_email, mentions};
use spectree_domain::ids::{ItemId, UserId};
use spectree_domain::notification::WatchReason;
use spectree_domain::org::Action;
use spectree_store::AnyConnection;
use spectree_store::discussion::{self as store, Comment, handles};
use spectree_store::spec::projects::Project;

use super::DiscussionError;
use crate::notification::auto_watch;
use crate::{Actor, App};

/// Most mentions resolved in one comment.
const MAX_MENTIONS: usize = 50;
/// Most suggestions returned.
const MAX_SUGGESTIONS: u32 = 10;

/// What the mentions of a comment came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MentionOutcome {
    /// Members mentioned who can see the item.
    pub mentioned: Vec<UserId>,
    /// Handles that name no member (or more than one).
    pub unresolved: Vec<String>,
    /// Handles of members who cannot see the item.
    pub without_access: Vec<String>,
}

/// A member suggested for a mention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// The member.
    pub user_id: UserId,
    /// Their handle.
    pub handle: String,
    /// Their name.
    pub name: String,
}

impl App {
    async fn can_see(
        &self,
        c: &mut AnyConnection,
        project: &Project,
        user: UserId,
    ) -> spectree_store::StoreResult<bool> {
        crate::notification::can_see(c, project.org_id, project.team_id, user).await
    }

    /// Resolves the handles in a comment and records who it mentions (replacing earlier
    /// mentions of the comment).
    pub(crate) async fn record_mentions(
        &self,
        c: &mut AnyConnection,
        project: &Project,
        comment: &Comment,
    ) -> Result<MentionOutcome, DiscussionError> {
        let mut out = MentionOutcome::default();
        let mut rows: Vec<(UserId, bool)> = Vec::new();
        for handle in mentions(&comment.body).into_iter().take(MAX_MENTIONS) {
            let found = handles::find(c, project.org_id, &handle, true, 2).await?;
            let [member] = found.as_slice() else {
                out.unresolved.push(handle);
                continue;
            };
            if rows.iter().any(|(u, _)| *u == member.user_id) {
                continue;
            }
            let visible = self.can_see(c, project, member.user_id).await?;
            rows.push((member.user_id, visible));
            if visible {
                out.mentioned.push(member.user_id);
            } else {
                out.without_access.push(handle);
            }
        }
        // Only people this comment did not mention before (an edit re-reads its mentions).
        let before: Vec<UserId> =
            store::mentions_of(c, project.org_id, std::slice::from_ref(&comment.id))
                .await?
                .into_iter()
                .filter(|m| m.2)
                .map(|m| m.1)
                .collect();
        store::set_mentions(c, project.org_id, &comment.id, &rows, self.now()).await?;
        let new: Vec<UserId> = out
            .mentioned
            .iter()
            .copied()
            .filter(|u| !before.contains(u))
            .collect();
        if !new.is_empty() {
            let item = store::thread_item(c, &comment.thread_id).await?;
            self.record_activity(
                c,
                (project.org_id, project.id, item),
                Some(comment.author_id),
                ActivityKind::Mentioned,
                json!({ "thread_id": comment.thread_id, "comment_id": comment.id, "users": new }),
            )
            .await?;
        }
        Ok(out)
    }

    /// Mentions written into an item's description (by REST or live editing): the handles
    /// in `after` that `before` did not have, resolved to members who can see the item,
    /// become watchers of it and are told through a `mentioned` activity. A handle of
    /// someone who cannot see the item reveals nothing to them; the activity names it in
    /// `without_access`, and the author is told (`mention_not_delivered`). Runs in the
    /// transaction that stores the item's version.
    pub(crate) async fn record_description_mentions(
        &self,
        c: &mut AnyConnection,
        row: &spectree_store::spec::items::Item,
        before: Option<&str>,
        actor: Option<UserId>,
    ) -> spectree_store::StoreResult<Vec<UserId>> {
        let had = before.map(mentions).unwrap_or_default();
        let fresh: Vec<String> = mentions(&row.description)
            .into_iter()
            .filter(|h| !had.contains(h))
            .take(MAX_MENTIONS)
            .collect();
        if fresh.is_empty() {
            return Ok(Vec::new());
        }
        let Some(project) =
            spectree_store::spec::projects::get(c, self.store().sealer(), row.project_id).await?
        else {
            return Ok(Vec::new());
        };
        let mut users: Vec<UserId> = Vec::new();
        let mut without_access: Vec<String> = Vec::new();
        for handle in fresh {
            let found = handles::find(c, project.org_id, &handle, true, 2).await?;
            let [member] = found.as_slice() else {
                continue;
            };
            if Some(member.user_id) == actor || users.contains(&member.user_id) {
                continue;
            }
            if !self.can_see(c, &project, member.user_id).await? {
                without_access.push(handle);
                continue;
            }
            auto_watch(
                c,
                project.org_id,
                row.id,
                member.user_id,
                WatchReason::Mentioned,
                self.now(),
            )
            .await?;
            users.push(member.user_id);
        }
        if users.is_empty() && (without_access.is_empty() || actor.is_none()) {
            return Ok(users);
        }
        // `without_access` tells the author whom the mention did not reach.
        self.record_activity(
            c,
            (project.org_id, project.id, Some(row.id)),
            actor,
            ActivityKind::Mentioned,
            json!({ "in": "description", "users": users, "without_access": without_access }),
        )
        .await?;
        Ok(users)
    }

    /// Makes the people a comment mentions (who can see the item) watchers of the item.
    pub(crate) async fn watch_mentioned(
        &self,
        c: &mut AnyConnection,
        project: &Project,
        item: ItemId,
        outcome: &MentionOutcome,
    ) -> Result<(), DiscussionError> {
        for user in &outcome.mentioned {
            auto_watch(
                c,
                project.org_id,
                item,
                *user,
                WatchReason::Mentioned,
                self.now(),
            )
            .await?;
        }
        Ok(())
    }

    /// Members who can see the item whose handle or name starts with `q`, for autocompletion
    /// (View needed).
    pub async fn mention_suggestions(
        &self,
        actor: &Actor,
        item: ItemId,
        q: &str,
    ) -> Result<Vec<Suggestion>, DiscussionError> {
        let mut c = self.store().read().await?;
        let (_, project) = self
            .discussion_item(&mut c, actor, item, Action::View)
            .await?;
        let q = q.trim().trim_start_matches('@');
        if q.chars().count() > 64 {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for m in handles::find(&mut c, project.org_id, q, false, MAX_SUGGESTIONS * 3).await? {
            if out.len() as u32 >= MAX_SUGGESTIONS {
                break;
            }
            if self.can_see(&mut c, &project, m.user_id).await? {
                out.push(Suggestion {
                    user_id: m.user_id,
                    handle: handle_of_email(&m.email),
                    name: m.name,
                });
            }
        }
        Ok(out)
    }
}
