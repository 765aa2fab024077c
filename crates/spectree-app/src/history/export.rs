//! History export: an item's or a project's versions (and a project's snapshots) as JSON
//! Lines for machines and as a Markdown changelog for people.

use std::fmt::Write;

use serde_json::{Value, json};
use spectree_domain::history::{
    FieldChange, ItemSnapshot, diff_items, field_changes, render_item_diff,
};
use spectree_domain::ids::{ItemId, OrgId, ProjectId};
use spectree_domain::org::Action;
use spectree_store::AnyConnection;
use spectree_store::collab::conflicts;
use spectree_store::history::snapshots::{self, SnapshotMeta};
use spectree_store::history::versions::{self, VersionMeta};

use super::HistoryError;
use crate::{Actor, App};

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryFormat {
    /// One JSON object per line.
    Jsonl,
    /// A Markdown changelog.
    Markdown,
}

fn version_json(item: ItemId, m: &VersionMeta, s: &ItemSnapshot, changes: &[FieldChange]) -> Value {
    json!({
        "type": "version",
        "item_id": item,
        "number": m.number,
        "kind": m.kind,
        "cause": m.cause,
        "started_at": m.started_at.to_rfc3339(),
        "created_at": m.created_at.to_rfc3339(),
        "authors": m.authors,
        "message": m.message,
        "restored_from": m.restored_from,
        "changes": changes,
        "snapshot": s,
    })
}

fn snapshot_json(s: &SnapshotMeta) -> Value {
    json!({
        "type": "snapshot",
        "project_id": s.project_id,
        "number": s.number,
        "message": s.message,
        "cause": s.cause,
        "created_by": s.created_by,
        "created_at": s.created_at.to_rfc3339(),
        "item_count": s.item_count,
    })
}

fn version_markdown(
    out: &mut String,
    m: &VersionMeta,
    s: &ItemSnapshot,
    prev: Option<&ItemSnapshot>,
    changes: &[FieldChange],
) {
    let authors: Vec<String> = m.authors.iter().map(|a| a.user_id.to_string()).collect();
    let _ = writeln!(
        out,
        "### Version {} ({}, {}) {}\n\nBy {}.\n",
        m.number,
        m.kind.as_str(),
        m.cause,
        m.created_at.to_rfc3339(),
        authors.join(", ")
    );
    if let Some(msg) = &m.message {
        for line in msg.lines() {
            let _ = writeln!(out, "> {line}");
        }
        out.push('\n');
    }
    match prev {
        Some(p) => {
            let mut diff = diff_items(p, s);
            // The version's change list carries its recorded conflicts.
            diff.fields = changes.to_vec();
            out.push_str(&render_item_diff(&diff));
        }
        None => {
            let _ = writeln!(out, "Created as {} “{}”.", s.item_type, s.title);
        }
    }
    out.push('\n');
}

impl App {
    async fn item_history(
        &self,
        c: &mut AnyConnection,
        org: OrgId,
        item: ItemId,
        format: HistoryFormat,
        out: &mut String,
    ) -> Result<(), HistoryError> {
        let all = versions::all(c, self.store().sealer(), org, item).await?;
        if format == HistoryFormat::Markdown
            && let Some((_, latest)) = all.last()
        {
            let _ = writeln!(out, "## {} (`{item}`)\n", latest.title);
        }
        let races = conflicts::in_versions(c, org, item, 0, None).await?;
        let mut prev: Option<(i64, &ItemSnapshot)> = None;
        for (m, s) in &all {
            let mut changes = field_changes(prev.map(|p| p.1), s);
            super::conflicts::fold_from(&races, prev.map_or(0, |p| p.0), m.number, &mut changes);
            let before = prev.map(|p| p.1);
            match format {
                HistoryFormat::Jsonl => {
                    out.push_str(&version_json(item, m, s, &changes).to_string());
                    out.push('\n');
                }
                HistoryFormat::Markdown => version_markdown(out, m, s, before, &changes),
            }
            prev = Some((m.number, s));
        }
        Ok(())
    }

    /// An item's history (Viewers and up).
    pub async fn export_item_history(
        &self,
        actor: &Actor,
        item: ItemId,
        format: HistoryFormat,
    ) -> Result<String, HistoryError> {
        let mut c = self.store().read().await?;
        let row = self.history_item(&mut c, actor, item, Action::View).await?;
        let mut out = String::new();
        if format == HistoryFormat::Markdown {
            out.push_str("# History\n\n");
        }
        self.item_history(&mut c, row.org_id, row.id, format, &mut out)
            .await?;
        Ok(out)
    }

    /// A project's history: its snapshots and every item's versions (Viewers and up).
    pub async fn export_project_history(
        &self,
        actor: &Actor,
        project: ProjectId,
        format: HistoryFormat,
    ) -> Result<String, HistoryError> {
        let mut c = self.store().read().await?;
        let project = self
            .authorize_project(&mut c, actor, project, Action::View)
            .await?;
        let snaps = snapshots::list(
            &mut c,
            self.store().sealer(),
            project.org_id,
            project.id,
            None,
            u32::MAX,
        )
        .await?;
        let mut out = String::new();
        match format {
            HistoryFormat::Jsonl => {
                for s in snaps.iter().rev() {
                    out.push_str(&snapshot_json(s).to_string());
                    out.push('\n');
                }
            }
            HistoryFormat::Markdown => {
                let _ = writeln!(out, "# History of {}\n\n## Snapshots\n", project.name);
                if snaps.is_empty() {
                    out.push_str("None.\n");
                }
                for s in snaps.iter().rev() {
                    let _ = writeln!(
                        out,
                        "- {} ({}, {} items, {}): {}",
                        s.number,
                        s.cause,
                        s.item_count,
                        s.created_at.to_rfc3339(),
                        s.message
                    );
                }
                out.push_str("\n## Items\n\n");
            }
        }
        for item in versions::items_of_project(&mut c, project.org_id, project.id).await? {
            self.item_history(&mut c, project.org_id, item, format, &mut out)
                .await?;
        }
        Ok(out)
    }
}
