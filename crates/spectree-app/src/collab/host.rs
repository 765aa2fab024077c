//! The [`Host`] of the rooms: seeding a document from its row, access checks, and the
//! projection of live edits into the row, its search words and the audit log.

use std::collections::HashMap;
use std::sync::Weak;

use serde_json::json;
use spectree_collab::schema::{CriterionContent, DocContent};
use spectree_collab::{CollabError, Host, HostFuture, Projection, Writer};
use spectree_domain::history::Author;
use spectree_domain::ids::{ItemId, OrgId, UserId};
use spectree_domain::notification::WatchReason;
use spectree_domain::org::{Action, Decision, ResourceKind, authorize};
use spectree_domain::spec::{
    Criterion, ItemType, Priority, Status, check_parent, validate_criteria, validate_title,
};
use spectree_store::Store;
use spectree_store::org::members;
use spectree_store::spec::items::{self, Item};
use spectree_store::spec::{projects, words};

use crate::notification::auto_watch;
use crate::spec::item_words;
use crate::{App, Inner, RequestCtx, audit};

/// Seeds, checks and projects documents for the rooms.
pub(crate) struct CollabHost {
    app: Weak<Inner>,
}

impl CollabHost {
    pub(crate) fn new(app: Weak<Inner>) -> Self {
        Self { app }
    }

    fn app(&self) -> Result<App, CollabError> {
        self.app
            .upgrade()
            .map(App::from_inner)
            .ok_or_else(|| CollabError::Host("the application is shutting down".into()))
    }
}

/// The document content of an item row.
pub(crate) fn content_of(item: &Item) -> DocContent {
    DocContent {
        title: item.title.clone(),
        description: item.description.clone(),
        criteria: item
            .acceptance_criteria
            .iter()
            .map(|c| CriterionContent {
                id: c.id.clone(),
                text: c.text.clone(),
                done: c.done,
            })
            .collect(),
        fields: HashMap::from([
            ("status".to_owned(), Some(item.status.as_str().to_owned())),
            ("type".to_owned(), Some(item.item_type.as_str().to_owned())),
            (
                "priority".to_owned(),
                Some(item.priority.as_str().to_owned()),
            ),
            (
                "assignee".to_owned(),
                item.assignee_id.map(|a| a.to_string()),
            ),
        ]),
    }
}

fn field<'a>(content: &'a DocContent, key: &str) -> Option<&'a str> {
    content.fields.get(key).and_then(|v| v.as_deref())
}

fn store_err(e: impl std::fmt::Display) -> CollabError {
    CollabError::Host(e.to_string())
}

impl Host for CollabHost {
    fn initial(&self, item: ItemId) -> HostFuture<'_, Option<(OrgId, DocContent)>> {
        Box::pin(async move {
            let app = self.app()?;
            let row =
                items::get(&mut *app.store().read().await?, app.store().sealer(), item).await?;
            Ok(row
                .filter(|i| i.deleted_at.is_none())
                .map(|i| (i.org_id, content_of(&i))))
        })
    }

    fn access(&self, item: ItemId, user: UserId) -> HostFuture<'_, Option<bool>> {
        Box::pin(async move {
            let app = self.app()?;
            app.item_access(item, user).await.map_err(store_err)
        })
    }

    fn project(
        &self,
        item: ItemId,
        content: DocContent,
        editor: Option<Writer>,
    ) -> HostFuture<'_, Projection> {
        Box::pin(async move {
            let app = self.app()?;
            app.project_document(item, content, editor)
                .await
                .map_err(store_err)
        })
    }
}

impl App {
    /// What `user` holds over an item: `None` (cannot see it), `Some(false)` (read only) or
    /// `Some(true)` (may edit).
    pub async fn item_access(
        &self,
        item: ItemId,
        user: UserId,
    ) -> Result<Option<bool>, crate::spec::SpecError> {
        let mut c = self.store().read().await?;
        let Some(row) = items::get(&mut c, self.store().sealer(), item).await? else {
            return Ok(None);
        };
        if row.deleted_at.is_some() {
            return Ok(None);
        }
        let Some(project) = projects::get(&mut c, self.store().sealer(), row.project_id).await?
        else {
            return Ok(None);
        };
        let access = members::access(&mut c, project.org_id, Some(project.team_id), user).await?;
        Ok(
            match authorize(&access, Action::View, ResourceKind::Project) {
                Decision::Allow => {
                    Some(authorize(&access, Action::Edit, ResourceKind::Project) == Decision::Allow)
                }
                _ => None,
            },
        )
    }

    /// Writes a document's content into its row, search words and audit log. Values the
    /// rules refuse are not written: a bad type or assignee comes back as a revert for the
    /// document; an empty title or malformed criteria simply leave the row as it was.
    pub(crate) async fn project_document(
        &self,
        item: ItemId,
        content: DocContent,
        editor: Option<Writer>,
    ) -> Result<Projection, crate::spec::SpecError> {
        let author = editor.map(|w| {
            if w.ai {
                Author::ai(w.user_id)
            } else {
                Author::user(w.user_id)
            }
        });
        let editor = editor.map(|w| w.user_id);
        let mut tx = self.store().begin().await?;
        let Some(mut row) = items::get(&mut tx, self.store().sealer(), item).await? else {
            return Ok(Projection::default());
        };
        if row.deleted_at.is_some() {
            return Ok(Projection::default());
        }
        let before = row.clone();
        let mut revert = Vec::new();
        if let Ok(t) = validate_title(&content.title) {
            row.title = t;
        }
        if content.description.len() <= spectree_domain::spec::MAX_DESCRIPTION_BYTES {
            row.description = content.description.clone();
        }
        let criteria: Vec<Criterion> = content
            .criteria
            .iter()
            .map(|c| Criterion {
                id: c.id.clone(),
                text: c.text.clone(),
                done: c.done,
            })
            .collect();
        if criteria.iter().all(|c| !c.id.is_empty())
            && let Ok(c) = validate_criteria(criteria, String::new)
        {
            row.acceptance_criteria = c;
        }
        if let Some(s) = field(&content, "status").and_then(|s| s.parse::<Status>().ok()) {
            row.status = s;
        }
        if let Some(p) = field(&content, "priority").and_then(|s| s.parse::<Priority>().ok()) {
            row.priority = p;
        }
        match field(&content, "type").map(str::parse::<ItemType>) {
            Some(Ok(t)) if t != row.item_type => {
                let parent = match row.parent_id {
                    Some(p) => items::get(&mut tx, self.store().sealer(), p)
                        .await?
                        .map(|p| p.item_type),
                    None => None,
                };
                let children = items::child_types(&mut tx, row.id).await?;
                if check_parent(t, parent).is_ok()
                    && children.iter().all(|c| check_parent(*c, Some(t)).is_ok())
                {
                    row.item_type = t;
                } else {
                    revert.push(("type".to_owned(), Some(row.item_type.as_str().to_owned())));
                }
            }
            Some(Ok(_)) => {}
            _ => revert.push(("type".to_owned(), Some(row.item_type.as_str().to_owned()))),
        }
        let assignee = field(&content, "assignee").map(|a| a.parse::<UserId>());
        match assignee {
            None => row.assignee_id = None,
            Some(Ok(a)) if Some(a) == row.assignee_id => {}
            Some(Ok(a)) => {
                // The project is needed only here (most projections change text alone).
                let project = projects::get(&mut tx, self.store().sealer(), row.project_id)
                    .await?
                    .ok_or(crate::spec::SpecError::NotFound)?;
                if self
                    .check_assignee(&mut tx, project.org_id, project.team_id, a)
                    .await
                    .is_ok()
                {
                    row.assignee_id = Some(a);
                } else {
                    revert.push((
                        "assignee".to_owned(),
                        row.assignee_id.map(|x| x.to_string()),
                    ));
                }
            }
            Some(Err(_)) => revert.push((
                "assignee".to_owned(),
                row.assignee_id.map(|x| x.to_string()),
            )),
        }
        let changed = crate::spec::changed_fields(&before, &row);
        if !changed.is_empty() {
            row.updated_at = self.now();
            if let Some(e) = editor {
                row.updated_by = e;
            }
            items::update(&mut tx, self.store().sealer(), &row).await?;
            let closed_version = self
                .note_item_change(&mut tx, &before, &row, author.clone())
                .await?;
            if changed
                .iter()
                .any(|f| matches!(*f, "title" | "description" | "acceptance_criteria"))
            {
                words::replace(&mut tx, row.project_id, row.id, item_words(&row)).await?;
            }
            audit::record(
                &mut tx,
                row.updated_at,
                row.org_id,
                editor,
                "item.updated",
                ("work_item", Some(row.id.to_string())),
                &RequestCtx::default(),
                json!({ "project_id": row.project_id, "fields": changed,
                        "ai": author.as_ref().is_some_and(|a| a.kind == spectree_domain::history::AuthorKind::Ai),
                        "status": (before.status != row.status).then_some([before.status, row.status]) }),
            )
            .await?;
            // A new assignee watches the item (the activity consumer tells them).
            if let Some(a) = row.assignee_id
                && before.assignee_id != Some(a)
            {
                auto_watch(
                    &mut tx,
                    row.org_id,
                    row.id,
                    a,
                    WatchReason::Assignee,
                    row.updated_at,
                )
                .await?;
            }
            // Most projections record no activity (a version's comes when it closes): they
            // do not wake the activity dispatcher (docs/decisions/0022).
            if closed_version {
                Store::commit(tx).await?;
            } else {
                Store::commit_without_activity(tx).await?;
            }
            self.events().publish(
                row.project_id,
                crate::events::ItemEventKind::Updated,
                row.id,
            );
        }
        Ok(Projection { revert })
    }
}
