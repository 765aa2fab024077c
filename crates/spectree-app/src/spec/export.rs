//! Export of a project as JSON (lossless) or Markdown, and import of the JSON into a new
//! project.

use std::collections::HashMap;

use serde_json::json;
use spectree_domain::activity::ActivityKind;
use spectree_domain::ids::{ItemId, ProjectId, TeamId, UserId};
use spectree_domain::org::Action;
use spectree_domain::spec::export::{
    ExportedItem, ExportedProject, FORMAT, ProjectExport, render_markdown_head,
    render_markdown_item, validate_import,
};
use spectree_domain::spec::{Criterion, Position, tree_order};
use spectree_store::identity::users;
use spectree_store::spec::items::{self, Item, TreeRow};
use spectree_store::spec::projects::Project;
use spectree_store::{AnyConnection, Store};
use tokio::sync::mpsc;

use super::SpecError;
use crate::{Actor, App, audit};

/// Items read and rendered at a time by the Markdown export.
pub const EXPORT_CHUNK: usize = 500;

/// The emails of the assignees of some rows (`None` for accounts that are gone).
async fn assignee_emails(
    c: &mut AnyConnection,
    rows: &[TreeRow],
) -> Result<HashMap<UserId, Option<String>>, SpecError> {
    let mut emails: HashMap<UserId, Option<String>> = HashMap::new();
    for r in rows {
        if let Some(a) = r.assignee_id
            && !emails.contains_key(&a)
        {
            emails.insert(a, users::get(&mut *c, a).await?.map(|u| u.email));
        }
    }
    Ok(emails)
}

/// A tree row as an exported item, with its description and criteria.
fn exported(
    r: &TreeRow,
    emails: &HashMap<UserId, Option<String>>,
    (description, acceptance_criteria): (String, Vec<Criterion>),
) -> ExportedItem {
    ExportedItem {
        id: r.id,
        parent_id: r.parent_id,
        item_type: r.item_type,
        status: r.status,
        priority: r.priority,
        assignee: r
            .assignee_id
            .and_then(|a| emails.get(&a).cloned().flatten()),
        title: r.title.clone(),
        description,
        acceptance_criteria,
    }
}

/// Imports of at least this many items refresh the database's statistics afterwards.
const ANALYZE_AFTER: usize = 1000;

/// The JSON export document.
pub type ProjectExportDoc = ProjectExport;

/// Result of an import.
#[derive(Debug, Clone)]
pub struct ImportOutcome {
    /// The new project.
    pub project: Project,
    /// Items created.
    pub items: usize,
    /// Assignees dropped because no account with that email can see the new project.
    pub unassigned: usize,
}

impl App {
    /// A project as the JSON export document (anyone who can see it); the export is
    /// audited.
    pub async fn export_project(
        &self,
        actor: &Actor,
        project: ProjectId,
    ) -> Result<ProjectExport, SpecError> {
        let (org, doc) = self.build_export(actor, project).await?;
        self.record_export(actor, org, project, "json").await?;
        Ok(doc)
    }

    async fn record_export(
        &self,
        actor: &Actor,
        org: spectree_domain::ids::OrgId,
        project: ProjectId,
        format: &'static str,
    ) -> Result<(), SpecError> {
        let mut tx = self.store().begin().await?;
        audit::record(
            &mut tx,
            self.now(),
            org,
            Some(actor.user_id),
            "project.exported",
            ("project", Some(project.to_string())),
            &actor.ctx,
            json!({ "format": format }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(())
    }

    async fn build_export(
        &self,
        actor: &Actor,
        project: ProjectId,
    ) -> Result<(spectree_domain::ids::OrgId, ProjectExport), SpecError> {
        let mut c = self.store().read().await?;
        let project = self
            .authorize_project(&mut c, actor, project, Action::View)
            .await?;
        let rows = items::tree(
            &mut c,
            self.store().sealer(),
            project.org_id,
            project.id,
            true,
        )
        .await?;
        let emails = assignee_emails(&mut c, &rows).await?;
        let items = tree_order(rows, |r| (r.id, r.parent_id, r.position.as_str()))
            .into_iter()
            .map(|(_, mut r)| {
                let content = r.content.take().unwrap_or_default();
                exported(&r, &emails, content)
            })
            .collect();
        Ok((
            project.org_id,
            ProjectExport {
                format: FORMAT.to_owned(),
                project: ExportedProject {
                    name: project.name,
                    slug: project.slug,
                    description: project.description,
                },
                items,
            },
        ))
    }

    /// A project as one Markdown document, rendered in pieces as it is read: the answer is
    /// a channel of text pieces, the first one being the project's heading. Authorization
    /// and the tree's order happen before this returns; the contents are then read in
    /// chunks of [`EXPORT_CHUNK`] items within one read snapshot, so the whole document is
    /// never held in memory. A failure after the start ends the channel with the error. The
    /// export is audited before it starts.
    pub async fn export_markdown(
        &self,
        actor: &Actor,
        project: ProjectId,
    ) -> Result<mpsc::Receiver<Result<String, SpecError>>, SpecError> {
        let store = self.store().clone();
        let mut tx = store.read_snapshot().await?;
        let project = self
            .authorize_project(&mut tx, actor, project, Action::View)
            .await?;
        self.record_export(actor, project.org_id, project.id, "markdown")
            .await?;
        let rows = items::tree(&mut tx, store.sealer(), project.org_id, project.id, false).await?;
        let emails = assignee_emails(&mut tx, &rows).await?;
        let order = tree_order(rows, |r| (r.id, r.parent_id, r.position.as_str()));
        let mut head = String::new();
        render_markdown_head(
            &mut head,
            &ExportedProject {
                name: project.name.clone(),
                slug: project.slug.clone(),
                description: project.description.clone(),
            },
        );
        let (send, receive) = mpsc::channel(2);
        let org = project.org_id;
        tokio::spawn(async move {
            if send.send(Ok(head)).await.is_err() {
                return;
            }
            for chunk in order.chunks(EXPORT_CHUNK) {
                let ids: Vec<ItemId> = chunk.iter().map(|(_, r)| r.id).collect();
                let piece = match items::contents(&mut tx, store.sealer(), org, &ids).await {
                    Ok(contents) => {
                        let mut by_id: HashMap<ItemId, (String, Vec<Criterion>)> = contents
                            .into_iter()
                            .map(|(id, d, c)| (id, (d, c)))
                            .collect();
                        let mut out = String::with_capacity(chunk.len() * 1024);
                        for (depth, r) in chunk {
                            let content = by_id.remove(&r.id).unwrap_or_default();
                            render_markdown_item(
                                &mut out,
                                &exported(r, &emails, content),
                                depth + 1,
                            );
                        }
                        Ok(out)
                    }
                    Err(e) => Err(SpecError::from(e)),
                };
                let failed = piece.is_err();
                if send.send(piece).await.is_err() || failed {
                    return;
                }
            }
        });
        Ok(receive)
    }

    /// Imports an export document as a new project of `team` (Editors and up), in one
    /// transaction. `name` and `slug` override the document's.
    pub async fn import_project(
        &self,
        actor: &Actor,
        team: TeamId,
        mut doc: ProjectExport,
        name: Option<String>,
        slug: Option<String>,
    ) -> Result<ImportOutcome, SpecError> {
        validate_import(&mut doc, self.settings().import_max_items)?;
        let mut tx = self.store().begin().await?;
        let project = self
            .insert_project(
                &mut tx,
                actor,
                team,
                name.as_deref().unwrap_or(&doc.project.name),
                slug.as_deref().unwrap_or(&doc.project.slug),
                &doc.project.description,
            )
            .await?;
        let (created, unassigned) = self
            .imported_items(&mut tx, actor, &project, doc.items)
            .await?;
        for chunk in created.chunks(2000) {
            self.insert_items(&mut tx, &project, chunk).await?;
        }
        audit::record(
            &mut tx,
            self.now(),
            project.org_id,
            Some(actor.user_id),
            "project.imported",
            ("project", Some(project.id.to_string())),
            &actor.ctx,
            json!({ "team_id": project.team_id, "items": created.len(), "unassigned": unassigned }),
        )
        .await?;
        if !created.is_empty() {
            self.record_activity(
                &mut tx,
                (project.org_id, project.id, None),
                Some(actor.user_id),
                ActivityKind::ItemsCreated,
                json!({ "count": created.len(), "import": true }),
            )
            .await?;
        }
        Store::commit(tx).await?;
        if created.len() >= ANALYZE_AFTER {
            let store = self.store().clone();
            tokio::spawn(async move {
                if let Err(e) = store.analyze_spec_tables().await {
                    tracing::warn!(error = %e, "refreshing statistics after an import failed");
                }
            });
        }
        Ok(ImportOutcome {
            project,
            items: created.len(),
            unassigned,
        })
    }

    async fn imported_items(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        project: &Project,
        items: Vec<ExportedItem>,
    ) -> Result<(Vec<Item>, usize), SpecError> {
        let now = self.now();
        let mut ids: HashMap<ItemId, ItemId> = HashMap::with_capacity(items.len());
        let mut last: HashMap<Option<ItemId>, Position> = HashMap::new();
        let mut assignees: HashMap<String, Option<UserId>> = HashMap::new();
        let mut unassigned = 0;
        let mut out = Vec::with_capacity(items.len());
        for e in items {
            let id = ItemId::new();
            ids.insert(e.id, id);
            let parent = e.parent_id.and_then(|p| ids.get(&p).copied());
            let position = Position::between(last.get(&parent), None);
            last.insert(parent, position.clone());
            let assignee = match &e.assignee {
                None => None,
                Some(email) => {
                    if !assignees.contains_key(email) {
                        let user = match users::by_email(&mut *c, email).await? {
                            Some(u) => self
                                .check_assignee(&mut *c, project.org_id, project.team_id, u.id)
                                .await
                                .ok()
                                .map(|()| u.id),
                            None => None,
                        };
                        assignees.insert(email.clone(), user);
                    }
                    let a = assignees.get(email).copied().flatten();
                    if a.is_none() {
                        unassigned += 1;
                    }
                    a
                }
            };
            out.push(Item {
                id,
                org_id: project.org_id,
                project_id: project.id,
                parent_id: parent,
                position: position.as_str().to_owned(),
                item_type: e.item_type,
                status: e.status,
                priority: e.priority,
                assignee_id: assignee,
                title: e.title,
                description: e.description,
                acceptance_criteria: e.acceptance_criteria,
                created_by: actor.user_id,
                created_at: now,
                updated_by: actor.user_id,
                updated_at: now,
                deleted_at: None,
                deleted_by: None,
                trash_root_id: None,
            });
        }
        Ok((out, unassigned))
    }
}
