//! Editing and deleting one's own comments, and reacting to comments.

use serde_json::json;
use spectree_domain::activity::ActivityKind;
use spectree_domain::discussion::{validate_body, validate_emoji};
use spectree_domain::org::Action;
use spectree_store::discussion::{self as store, Comment, reactions};
use spectree_store::spec::items::Item;
use spectree_store::spec::projects::Project;
use spectree_store::{AnyConnection, Store};

use super::mentions::MentionOutcome;
use super::{CommentDetails, DiscussionError};
use crate::events::ItemEventKind;
use crate::{Actor, App, audit};

impl App {
    /// Loads a comment and its item, authorizing `action` on the item.
    async fn discussion_comment(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        comment: &str,
        action: Action,
    ) -> Result<(Comment, Item, Project), DiscussionError> {
        let item = store::comment_item(c, comment)
            .await?
            .ok_or(DiscussionError::NotFound)?;
        let (item, project) = self.discussion_item(c, actor, item, action).await?;
        let comment = store::get_comment(c, self.store().sealer(), item.org_id, comment)
            .await?
            .ok_or(DiscussionError::NotFound)?;
        Ok((comment, item, project))
    }

    /// Loads a live comment the actor wrote (Comment needed on the item).
    async fn own_comment(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        comment: &str,
    ) -> Result<(Comment, Item, Project), DiscussionError> {
        let (comment, item, project) = self
            .discussion_comment(c, actor, comment, Action::Comment)
            .await?;
        if comment.author_id != actor.user_id {
            return Err(DiscussionError::NotAuthor);
        }
        if comment.deleted_at.is_some() {
            return Err(DiscussionError::CommentDeleted);
        }
        Ok((comment, item, project))
    }

    /// Replaces the body of one's own comment; it is marked edited and its mentions are
    /// worked out again.
    pub async fn edit_comment(
        &self,
        actor: &Actor,
        comment: &str,
        body: String,
    ) -> Result<(CommentDetails, MentionOutcome), DiscussionError> {
        validate_body(&body)?;
        let mut tx = self.store().begin().await?;
        let (mut row, item, project) = self.own_comment(&mut tx, actor, comment).await?;
        let now = self.now();
        store::edit_comment(
            &mut tx,
            self.store().sealer(),
            item.org_id,
            &row.id,
            &body,
            now,
        )
        .await?;
        row.body = body;
        let outcome = self.record_mentions(&mut tx, &project, &row).await?;
        self.watch_mentioned(&mut tx, &project, item.id, &outcome)
            .await?;
        audit::record(
            &mut tx,
            now,
            item.org_id,
            Some(actor.user_id),
            "comment.edited",
            ("comment", Some(row.id.clone())),
            &actor.ctx,
            json!({ "item_id": item.id, "thread_id": row.thread_id, "mentioned": outcome.mentioned.len() }),
        )
        .await?;
        self.record_activity(
            &mut tx,
            (item.org_id, project.id, Some(item.id)),
            Some(actor.user_id),
            ActivityKind::CommentEdited,
            json!({ "thread_id": row.thread_id, "comment_id": row.id }),
        )
        .await?;
        Store::commit(tx).await?;
        self.events()
            .publish(project.id, ItemEventKind::CommentEdited, item.id);
        Ok((self.comment_details(actor, &row.id).await?, outcome))
    }

    /// Deletes one's own comment: it stays in its thread as a tombstone (no body, no
    /// reactions, no mentions) so the replies around it still read in order.
    pub async fn delete_comment(
        &self,
        actor: &Actor,
        comment: &str,
    ) -> Result<(), DiscussionError> {
        let mut tx = self.store().begin().await?;
        let (row, item, project) = self.own_comment(&mut tx, actor, comment).await?;
        let now = self.now();
        store::tombstone_comment(&mut tx, self.store().sealer(), item.org_id, &row.id, now).await?;
        audit::record(
            &mut tx,
            now,
            item.org_id,
            Some(actor.user_id),
            "comment.deleted",
            ("comment", Some(row.id.clone())),
            &actor.ctx,
            json!({ "item_id": item.id, "thread_id": row.thread_id }),
        )
        .await?;
        self.record_activity(
            &mut tx,
            (item.org_id, project.id, Some(item.id)),
            Some(actor.user_id),
            ActivityKind::CommentDeleted,
            json!({ "thread_id": row.thread_id, "comment_id": row.id }),
        )
        .await?;
        Store::commit(tx).await?;
        self.events()
            .publish(project.id, ItemEventKind::CommentDeleted, item.id);
        Ok(())
    }

    /// Adds the actor's reaction with `emoji`, or takes it back when given already (Comment
    /// needed); returns the comment with its reactions.
    pub async fn toggle_reaction(
        &self,
        actor: &Actor,
        comment: &str,
        emoji: &str,
    ) -> Result<CommentDetails, DiscussionError> {
        validate_emoji(emoji)?;
        let mut tx = self.store().begin().await?;
        let (row, item, project) = self
            .discussion_comment(&mut tx, actor, comment, Action::Comment)
            .await?;
        if row.deleted_at.is_some() {
            return Err(DiscussionError::CommentDeleted);
        }
        let now = self.now();
        let added =
            reactions::toggle(&mut tx, item.org_id, &row.id, actor.user_id, emoji, now).await?;
        audit::record(
            &mut tx,
            now,
            item.org_id,
            Some(actor.user_id),
            if added {
                "comment.reaction_added"
            } else {
                "comment.reaction_removed"
            },
            ("comment", Some(row.id.clone())),
            &actor.ctx,
            json!({ "item_id": item.id, "emoji": emoji }),
        )
        .await?;
        self.record_activity(
            &mut tx,
            (item.org_id, project.id, Some(item.id)),
            Some(actor.user_id),
            ActivityKind::Reacted,
            json!({ "comment_id": row.id, "emoji": emoji, "added": added }),
        )
        .await?;
        Store::commit(tx).await?;
        self.events()
            .publish(project.id, ItemEventKind::Reacted, item.id);
        self.comment_details(actor, &row.id).await
    }

    /// One comment with its reactions and mentions (View needed).
    pub async fn comment_details(
        &self,
        actor: &Actor,
        comment: &str,
    ) -> Result<CommentDetails, DiscussionError> {
        let mut c = self.store().read().await?;
        let (row, item, _) = self
            .discussion_comment(&mut c, actor, comment, Action::View)
            .await?;
        drop(c);
        let mut by_thread = self
            .comment_rows(item.org_id, std::slice::from_ref(&row.thread_id))
            .await?;
        by_thread
            .remove(&row.thread_id)
            .and_then(|all| all.into_iter().find(|d| d.comment.id == row.id))
            .ok_or(DiscussionError::NotFound)
    }
}
