//! The export formats of a project: a JSON document that imports back losslessly, and one
//! Markdown document (headings by depth, criteria as checklists).

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    Criterion, ItemType, Priority, SpecRuleError, Status, check_parent, validate_criteria,
    validate_description, validate_title,
};
use crate::ids::ItemId;

/// The `format` tag of the JSON export.
pub const FORMAT: &str = "spectree.project.v1";

/// A whole project as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectExport {
    /// Always `spectree.project.v1`.
    pub format: String,
    /// The project.
    pub project: ExportedProject,
    /// Every live item, parents before children, siblings in order.
    pub items: Vec<ExportedItem>,
}

/// The project's own fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportedProject {
    /// Name.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Markdown description.
    #[serde(default)]
    pub description: String,
}

/// One item. `id` and `parent_id` are the ids in the exported project; an import gives the
/// items new ids and keeps the structure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportedItem {
    /// Id in the exported project.
    pub id: ItemId,
    /// Parent's id in the exported project, `null` at the root.
    pub parent_id: Option<ItemId>,
    /// Type.
    #[serde(rename = "type")]
    pub item_type: ItemType,
    /// Status.
    pub status: Status,
    /// Priority.
    pub priority: Priority,
    /// Assignee's email address.
    #[serde(default)]
    pub assignee: Option<String>,
    /// Title.
    pub title: String,
    /// Markdown description.
    #[serde(default)]
    pub description: String,
    /// Acceptance criteria.
    #[serde(default)]
    pub acceptance_criteria: Vec<Criterion>,
}

/// Why an export document cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// Not this format.
    #[error("unsupported format {0:?}; expected {FORMAT:?}")]
    Format(String),
    /// An id appears twice.
    #[error("item {0} appears twice")]
    DuplicateId(ItemId),
    /// A parent is missing or comes after its child.
    #[error("item {0} names a parent that does not come before it in the document")]
    UnknownParent(ItemId),
    /// An item breaks a rule.
    #[error("item {id}: {error}")]
    Item {
        /// The item.
        id: ItemId,
        /// The rule.
        error: SpecRuleError,
    },
    /// Too many items.
    #[error("a project import holds at most {0} items")]
    TooManyItems(usize),
}

/// Checks an export document before import: format, unique ids, parents before children,
/// ranks and limits. Titles come back trimmed.
pub fn validate_import(doc: &mut ProjectExport, max_items: usize) -> Result<(), ImportError> {
    if doc.format != FORMAT {
        return Err(ImportError::Format(doc.format.clone()));
    }
    if doc.items.len() > max_items {
        return Err(ImportError::TooManyItems(max_items));
    }
    let mut types: HashMap<ItemId, ItemType> = HashMap::with_capacity(doc.items.len());
    for item in &mut doc.items {
        let err = |error| ImportError::Item { id: item.id, error };
        let parent = match item.parent_id {
            Some(p) => Some(*types.get(&p).ok_or(ImportError::UnknownParent(item.id))?),
            None => None,
        };
        check_parent(item.item_type, parent).map_err(err)?;
        item.title = validate_title(&item.title).map_err(err)?;
        validate_description(&item.description).map_err(err)?;
        let criteria = std::mem::take(&mut item.acceptance_criteria);
        item.acceptance_criteria = validate_criteria(criteria, || uuid::Uuid::now_v7().to_string())
            .map_err(|error| ImportError::Item { id: item.id, error })?;
        if types.insert(item.id, item.item_type).is_some() {
            return Err(ImportError::DuplicateId(item.id));
        }
    }
    Ok(())
}

/// Renders a project as one Markdown document: the project is the `#` heading, each item a
/// heading one level deeper than its parent (down to `######`), followed by a line of its
/// type, status, priority and assignee, its description, and its criteria as a checklist.
pub fn render_markdown(project: &ExportedProject, items: &[ExportedItem]) -> String {
    let mut out = String::with_capacity(items.len() * 256 + 256);
    render_markdown_head(&mut out, project);
    let mut depth: HashMap<ItemId, usize> = HashMap::with_capacity(items.len());
    let known: HashSet<ItemId> = items.iter().map(|i| i.id).collect();
    for item in items {
        let d = match item.parent_id {
            Some(p) if known.contains(&p) => depth.get(&p).copied().unwrap_or(0) + 1,
            _ => 1,
        };
        depth.insert(item.id, d);
        render_markdown_item(&mut out, item, d);
    }
    out
}

/// The start of the Markdown document: the project's heading and description.
pub fn render_markdown_head(out: &mut String, project: &ExportedProject) {
    out.push_str("# ");
    push_one_line(out, &project.name);
    out.push_str("\n\n");
    if !project.description.trim().is_empty() {
        let _ = writeln!(out, "{}\n", project.description.trim_end());
    }
}

/// One item of the Markdown document, `depth` levels below the project (roots are 1).
/// Written straight into `out` (a project of 100,000 items renders in one pass, so nothing
/// here allocates per item).
pub fn render_markdown_item(out: &mut String, item: &ExportedItem, depth: usize) {
    out.push_str(&"######"[..(depth + 1).min(6)]);
    out.push(' ');
    push_one_line(out, &item.title);
    out.push_str("\n\n_");
    out.push_str(item.item_type.as_str());
    out.push_str(" · ");
    push_words(out, item.status.as_str().split('_'));
    out.push_str(" · ");
    out.push_str(item.priority.as_str());
    if let Some(a) = &item.assignee {
        out.push_str(" · ");
        out.push_str(a);
    }
    out.push_str("_\n\n");
    if !item.description.trim().is_empty() {
        out.push_str(item.description.trim_end());
        out.push_str("\n\n");
    }
    if !item.acceptance_criteria.is_empty() {
        out.push_str("**Acceptance criteria**\n\n");
        for c in &item.acceptance_criteria {
            out.push_str(if c.done { "- [x] " } else { "- [ ] " });
            push_one_line(out, &c.text);
            out.push('\n');
        }
        out.push('\n');
    }
}

/// `s` on one line: its words separated by single spaces.
fn push_one_line(out: &mut String, s: &str) {
    // Most titles and criteria are already one line: ASCII words between single spaces.
    // Checking the bytes for that is several times faster than splitting by Unicode
    // whitespace.
    let b = s.as_bytes();
    if b.first() != Some(&b' ')
        && b.last() != Some(&b' ')
        && b.iter().all(|c| (b' '..0x7f).contains(c))
        && !s.contains("  ")
    {
        out.push_str(s);
        return;
    }
    push_words(out, s.split_whitespace());
}

/// The words separated by single spaces.
fn push_words<'a>(out: &mut String, words: impl Iterator<Item = &'a str>) {
    for (i, word) in words.enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: ItemId, parent: Option<ItemId>, t: ItemType, title: &str) -> ExportedItem {
        ExportedItem {
            id,
            parent_id: parent,
            item_type: t,
            status: Status::InProgress,
            priority: Priority::High,
            assignee: None,
            title: title.into(),
            description: String::new(),
            acceptance_criteria: vec![],
        }
    }

    #[test]
    fn one_line_joins_the_words_with_single_spaces() {
        for s in [
            "Sign in",
            "",
            " leading",
            "trailing ",
            "two  spaces",
            "tab\there",
            "line\nbreak\r\n",
            "non\u{a0}breaking",
            "naïve café",
            "\u{3000}ideographic\u{3000}space",
            "ctrl\u{1}char",
        ] {
            let mut out = String::new();
            push_one_line(&mut out, s);
            assert_eq!(
                out,
                s.split_whitespace().collect::<Vec<_>>().join(" "),
                "{s:?}"
            );
        }
    }

    #[test]
    fn markdown_nests_headings_by_depth_and_lists_criteria() {
        let (e, f, s) = (ItemId::new(), ItemId::new(), ItemId::new());
        let mut story = item(s, Some(f), ItemType::Story, "Sign in");
        story.description = "As a user I sign in.".into();
        story.assignee = Some("ada@example.com".into());
        story.acceptance_criteria = vec![
            Criterion {
                id: "a".into(),
                text: "Wrong password\nis refused".into(),
                done: true,
            },
            Criterion {
                id: "b".into(),
                text: "Locks after 10".into(),
                done: false,
            },
        ];
        let project = ExportedProject {
            name: "Acme".into(),
            slug: "acme".into(),
            description: "The spec.".into(),
        };
        let md = render_markdown(
            &project,
            &[
                item(e, None, ItemType::Epic, "Accounts"),
                item(f, Some(e), ItemType::Feature, "Login"),
                story,
            ],
        );
        assert!(
            md.starts_with("# Acme\n\nThe spec.\n\n## Accounts\n"),
            "{md}"
        );
        assert!(md.contains("\n### Login\n"));
        assert!(md.contains("\n#### Sign in\n\n_story · in progress · high · ada@example.com_\n\nAs a user I sign in.\n"));
        assert!(md.contains("- [x] Wrong password is refused\n- [ ] Locks after 10\n"));
    }

    #[test]
    fn imports_are_checked_for_format_order_ranks_and_duplicates() {
        let (e, f) = (ItemId::new(), ItemId::new());
        let doc = |items| ProjectExport {
            format: FORMAT.into(),
            project: ExportedProject {
                name: "P".into(),
                slug: "p".into(),
                description: String::new(),
            },
            items,
        };
        let mut ok = doc(vec![
            item(e, None, ItemType::Epic, " E "),
            item(f, Some(e), ItemType::Feature, "F"),
        ]);
        assert_eq!(validate_import(&mut ok, 10), Ok(()));
        assert_eq!(ok.items[0].title, "E");
        let mut child_first = doc(vec![
            item(f, Some(e), ItemType::Feature, "F"),
            item(e, None, ItemType::Epic, "E"),
        ]);
        assert_eq!(
            validate_import(&mut child_first, 10),
            Err(ImportError::UnknownParent(f))
        );
        let mut rank = doc(vec![
            item(e, None, ItemType::Task, "T"),
            item(f, Some(e), ItemType::Feature, "F"),
        ]);
        assert!(matches!(
            validate_import(&mut rank, 10),
            Err(ImportError::Item { .. })
        ));
        let mut dup = doc(vec![
            item(e, None, ItemType::Epic, "E"),
            item(e, None, ItemType::Epic, "E"),
        ]);
        assert_eq!(
            validate_import(&mut dup, 10),
            Err(ImportError::DuplicateId(e))
        );
        let mut big = doc(vec![item(e, None, ItemType::Epic, "E")]);
        assert_eq!(
            validate_import(&mut big, 0),
            Err(ImportError::TooManyItems(0))
        );
        let mut wrong = doc(vec![]);
        wrong.format = "other".into();
        assert!(matches!(
            validate_import(&mut wrong, 10),
            Err(ImportError::Format(_))
        ));
    }
}
