//! Opening, replying to, reading, resolving and reopening comment threads.

use std::collections::BTreeMap;

use serde_json::json;
use spectree_domain::activity::ActivityKind;
use spectree_domain::discussion::{AnchorField, render_html, validate_body};
use spectree_domain::ids::{ItemId, OrgId, UserId};
use spectree_domain::notification::WatchReason;
use spectree_domain::org::Action;
use spectree_domain::page::{Page, PageRequest};
use spectree_store::discussion::{self as store, Anchor, Comment, Thread, reactions};
use spectree_store::spec::items::Item;
use spectree_store::spec::projects::Project;
use spectree_store::{AnyConnection, Store};

use super::mentions::MentionOutcome;
use super::{DiscussionError, ResolvedAnchor};
use crate::events::ItemEventKind;
use crate::notification::auto_watch;
use crate::{Actor, App, audit};

/// Where a new thread is anchored: a field and either two encoded Yjs relative positions
/// (from a live client) or two offsets into the field's current text (UTF-16 code units).
#[derive(Debug, Clone)]
pub struct AnchorRequest {
    /// `description` or `criterion:<id>`.
    pub field: String,
    /// Start and end positions (encoded `StickyIndex`).
    pub positions: Option<(Vec<u8>, Vec<u8>)>,
    /// Start and end offsets, when no positions are given.
    pub offsets: Option<(u32, u32)>,
}

/// One emoji on a comment and who gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reaction {
    /// The emoji.
    pub emoji: String,
    /// Who reacted with it, in order.
    pub users: Vec<UserId>,
}

/// A comment as read: its row, rendered HTML, reactions and mentions.
#[derive(Debug, Clone)]
pub struct CommentDetails {
    /// The row.
    pub comment: Comment,
    /// Sanitised HTML of the body (empty for a tombstone).
    pub html: String,
    /// Reactions grouped by emoji, in order of first use.
    pub reactions: Vec<Reaction>,
    /// People mentioned who can see the item.
    pub mentions: Vec<UserId>,
}

/// A thread as read: its row, where its anchor is now, and its comments in order.
#[derive(Debug, Clone)]
pub struct ThreadDetails {
    /// The row.
    pub thread: Thread,
    /// The anchor resolved against the current document (`None` for a general thread).
    pub anchor: Option<ResolvedAnchor>,
    /// Comments, oldest first (tombstones included).
    pub comments: Vec<CommentDetails>,
}

impl App {
    /// Loads an item for discussion and authorizes `action` on it.
    pub(crate) async fn discussion_item(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        item: ItemId,
        action: Action,
    ) -> Result<(Item, Project), DiscussionError> {
        let (item, project) = self.authorize_item(c, actor, item, action).await?;
        if action != Action::View && item.deleted_at.is_some() {
            return Err(DiscussionError::ItemInTrash);
        }
        Ok((item, project))
    }

    /// Loads a thread and its item, authorizing `action` on the item.
    pub(crate) async fn discussion_thread(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        thread: &str,
        action: Action,
    ) -> Result<(Thread, Item, Project), DiscussionError> {
        let item = store::thread_item(c, thread)
            .await?
            .ok_or(DiscussionError::NotFound)?;
        let (item, project) = self.discussion_item(c, actor, item, action).await?;
        let thread = store::get_thread(c, self.store().sealer(), item.org_id, thread)
            .await?
            .ok_or(DiscussionError::NotFound)?;
        Ok((thread, item, project))
    }

    /// Opens a thread on an item with its first comment (Comment needed).
    pub async fn create_thread(
        &self,
        actor: &Actor,
        item: ItemId,
        anchor: Option<AnchorRequest>,
        body: String,
    ) -> Result<(ThreadDetails, MentionOutcome), DiscussionError> {
        validate_body(&body)?;
        let org = {
            let mut c = self.store().read().await?;
            self.discussion_item(&mut c, actor, item, Action::Comment)
                .await?
                .0
                .org_id
        };
        // The anchor is checked against the document before the transaction opens, so no
        // connection is held while the room answers.
        let anchor = match anchor {
            Some(a) => Some(self.build_anchor(org, item, a).await?),
            None => None,
        };
        let mut tx = self.store().begin().await?;
        let (row, project) = self
            .discussion_item(&mut tx, actor, item, Action::Comment)
            .await?;
        let now = self.now();
        let thread = Thread {
            id: uuid::Uuid::now_v7().to_string(),
            org_id: row.org_id,
            item_id: item,
            anchor,
            created_by: actor.user_id,
            created_at: now,
            resolved_at: None,
            resolved_by: None,
        };
        store::insert_thread(&mut tx, self.store().sealer(), &thread).await?;
        let (comment, outcome) = self
            .insert_comment(&mut tx, actor, &project, &thread, body, false)
            .await?;
        audit::record(
            &mut tx,
            now,
            row.org_id,
            Some(actor.user_id),
            "comment.thread_created",
            ("comment_thread", Some(thread.id.clone())),
            &actor.ctx,
            json!({ "item_id": item, "comment_id": comment.id,
                    "anchor_field": thread.anchor.as_ref().map(|a| a.field.clone()),
                    "mentioned": outcome.mentioned.len() }),
        )
        .await?;
        Store::commit(tx).await?;
        self.events()
            .publish(project.id, ItemEventKind::Commented, item);
        let details = self.thread_details(actor, &thread.id).await?;
        Ok((details, outcome))
    }

    async fn build_anchor(
        &self,
        org: OrgId,
        item: ItemId,
        req: AnchorRequest,
    ) -> Result<Anchor, DiscussionError> {
        let field = AnchorField::parse(&req.field)?;
        let doc = self.item_doc(org, item).await?;
        let (start, end) = match (req.positions, req.offsets) {
            (Some(p), None) => p,
            (None, Some((from, to))) => doc.encode_range(&field, from, to)?,
            _ => {
                return Err(DiscussionError::InvalidAnchor(
                    "give either start and end positions or from and to offsets".into(),
                ));
            }
        };
        let quote = doc.check(&field, &start, &end)?;
        Ok(Anchor {
            field: field.to_string(),
            start,
            end,
            quote,
        })
    }

    /// Adds a reply to a thread (Comment needed). Replying to a resolved thread is allowed;
    /// it stays resolved until someone reopens it.
    pub async fn reply_to_thread(
        &self,
        actor: &Actor,
        thread: &str,
        body: String,
    ) -> Result<(CommentDetails, MentionOutcome), DiscussionError> {
        validate_body(&body)?;
        let mut tx = self.store().begin().await?;
        let (thread, item, project) = self
            .discussion_thread(&mut tx, actor, thread, Action::Comment)
            .await?;
        let (comment, outcome) = self
            .insert_comment(&mut tx, actor, &project, &thread, body, true)
            .await?;
        audit::record(
            &mut tx,
            comment.created_at,
            item.org_id,
            Some(actor.user_id),
            "comment.created",
            ("comment", Some(comment.id.clone())),
            &actor.ctx,
            json!({ "item_id": item.id, "thread_id": thread.id, "mentioned": outcome.mentioned.len() }),
        )
        .await?;
        Store::commit(tx).await?;
        self.events()
            .publish(project.id, ItemEventKind::Commented, item.id);
        let details = self.comment_details(actor, &comment.id).await?;
        Ok((details, outcome))
    }

    async fn insert_comment(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        project: &Project,
        thread: &Thread,
        body: String,
        reply: bool,
    ) -> Result<(Comment, MentionOutcome), DiscussionError> {
        let (item, thread) = (thread.item_id, thread.id.as_str());
        let comment = Comment {
            id: uuid::Uuid::now_v7().to_string(),
            org_id: project.org_id,
            thread_id: thread.to_owned(),
            author_id: actor.user_id,
            body,
            created_at: self.now(),
            edited_at: None,
            deleted_at: None,
        };
        store::insert_comment(c, self.store().sealer(), &comment).await?;
        self.record_activity(
            c,
            (project.org_id, project.id, Some(item)),
            Some(actor.user_id),
            ActivityKind::Commented,
            json!({ "thread_id": thread, "comment_id": comment.id, "reply": reply }),
        )
        .await?;
        let outcome = self.record_mentions(c, project, &comment).await?;
        auto_watch(
            c,
            project.org_id,
            item,
            actor.user_id,
            WatchReason::Commenter,
            comment.created_at,
        )
        .await?;
        self.watch_mentioned(c, project, item, &outcome).await?;
        Ok((comment, outcome))
    }

    /// The threads of an item with their comments, oldest first (View needed).
    pub async fn list_threads(
        &self,
        actor: &Actor,
        item: ItemId,
        page: &PageRequest,
    ) -> Result<Page<ThreadDetails>, DiscussionError> {
        let mut c = self.store().read().await?;
        let (row, _) = self
            .discussion_item(&mut c, actor, item, Action::View)
            .await?;
        let rows = store::list_threads(
            &mut c,
            self.store().sealer(),
            row.org_id,
            item,
            page.after.as_deref(),
            page.limit + 1,
        )
        .await?;
        drop(c);
        let page = Page::from_overfetch(rows, page.limit, |t| t.id.clone());
        let items = self.details(row.org_id, item, page.items).await?;
        Ok(Page {
            items,
            next: page.next,
        })
    }

    /// One thread with its comments (View needed).
    pub async fn thread_details(
        &self,
        actor: &Actor,
        thread: &str,
    ) -> Result<ThreadDetails, DiscussionError> {
        let mut c = self.store().read().await?;
        let (thread, item, _) = self
            .discussion_thread(&mut c, actor, thread, Action::View)
            .await?;
        drop(c);
        let mut all = self.details(item.org_id, item.id, vec![thread]).await?;
        all.pop().ok_or(DiscussionError::NotFound)
    }

    async fn details(
        &self,
        org: OrgId,
        item: ItemId,
        threads: Vec<Thread>,
    ) -> Result<Vec<ThreadDetails>, DiscussionError> {
        // A document that cannot be opened (the item was purged meanwhile) leaves the
        // anchors unresolved, shown as detached, rather than failing the whole read.
        let doc = if threads.iter().any(|t| t.anchor.is_some()) {
            match self.item_doc(org, item).await {
                Ok(doc) => Some(doc),
                Err(DiscussionError::Store(e)) => return Err(DiscussionError::Store(e)),
                Err(e) => {
                    tracing::warn!(%item, error = %e, "cannot resolve thread anchors");
                    None
                }
            }
        } else {
            None
        };
        let ids: Vec<String> = threads.iter().map(|t| t.id.clone()).collect();
        let mut comments = self.comment_rows(org, &ids).await?;
        Ok(threads
            .into_iter()
            .map(|thread| {
                let anchor =
                    thread
                        .anchor
                        .as_ref()
                        .map(|a| match (&doc, AnchorField::parse(&a.field)) {
                            (Some(doc), Ok(field)) => doc.resolve(&field, &a.start, &a.end),
                            _ => ResolvedAnchor {
                                start: None,
                                end: None,
                                text: String::new(),
                                detached: true,
                            },
                        });
                let comments = comments.remove(&thread.id).unwrap_or_default();
                ThreadDetails {
                    thread,
                    anchor,
                    comments,
                }
            })
            .collect())
    }

    /// Comments of the given threads with reactions and mentions, by thread.
    pub(crate) async fn comment_rows(
        &self,
        org: OrgId,
        threads: &[String],
    ) -> Result<BTreeMap<String, Vec<CommentDetails>>, DiscussionError> {
        let mut c = self.store().read().await?;
        let rows = store::comments_of(&mut c, self.store().sealer(), org, threads).await?;
        let ids: Vec<String> = rows.iter().map(|m| m.id.clone()).collect();
        let mut reactions: BTreeMap<String, Vec<Reaction>> = BTreeMap::new();
        for (comment, emoji, user) in reactions::of_comments(&mut c, org, &ids).await? {
            let list = reactions.entry(comment).or_default();
            match list.iter_mut().find(|r| r.emoji == emoji) {
                Some(r) => r.users.push(user),
                None => list.push(Reaction {
                    emoji,
                    users: vec![user],
                }),
            }
        }
        let mut mentions: BTreeMap<String, Vec<UserId>> = BTreeMap::new();
        for (comment, user, access) in store::mentions_of(&mut c, org, &ids).await? {
            if access {
                mentions.entry(comment).or_default().push(user);
            }
        }
        let mut out: BTreeMap<String, Vec<CommentDetails>> = BTreeMap::new();
        for comment in rows {
            let html = if comment.deleted_at.is_some() {
                String::new()
            } else {
                render_html(&comment.body)
            };
            out.entry(comment.thread_id.clone())
                .or_default()
                .push(CommentDetails {
                    html,
                    reactions: reactions.remove(&comment.id).unwrap_or_default(),
                    mentions: mentions.remove(&comment.id).unwrap_or_default(),
                    comment,
                });
        }
        Ok(out)
    }

    /// Resolves (`true`) or reopens a thread (Comment needed).
    pub async fn set_thread_resolved(
        &self,
        actor: &Actor,
        thread: &str,
        resolved: bool,
    ) -> Result<ThreadDetails, DiscussionError> {
        let mut tx = self.store().begin().await?;
        let (thread, item, project) = self
            .discussion_thread(&mut tx, actor, thread, Action::Comment)
            .await?;
        if thread.resolved_at.is_some() != resolved {
            let now = self.now();
            store::set_resolved(
                &mut tx,
                item.org_id,
                &thread.id,
                resolved.then_some((now, actor.user_id)),
            )
            .await?;
            audit::record(
                &mut tx,
                now,
                item.org_id,
                Some(actor.user_id),
                if resolved {
                    "comment.thread_resolved"
                } else {
                    "comment.thread_reopened"
                },
                ("comment_thread", Some(thread.id.clone())),
                &actor.ctx,
                json!({ "item_id": item.id }),
            )
            .await?;
            self.record_activity(
                &mut tx,
                (item.org_id, project.id, Some(item.id)),
                Some(actor.user_id),
                if resolved {
                    ActivityKind::ThreadResolved
                } else {
                    ActivityKind::ThreadReopened
                },
                json!({ "thread_id": thread.id }),
            )
            .await?;
            Store::commit(tx).await?;
            let kind = if resolved {
                ItemEventKind::ThreadResolved
            } else {
                ItemEventKind::ThreadReopened
            };
            self.events().publish(project.id, kind, item.id);
        } else {
            drop(tx);
        }
        self.thread_details(actor, &thread.id).await
    }
}
