//! Readable renderings of diffs: Markdown, with word diffs in `git diff --word-diff` style
//! (`[-removed-]{+added+}`) inside text blocks, so Markdown in the text cannot garble them.

use std::fmt::Write;

use serde_json::Value;

use super::{CriteriaChange, ItemDiff, Segment, SegmentOp, TreeChange, TreeDiff};

fn word_diff(segments: &[Segment]) -> String {
    let mut out = String::new();
    for s in segments {
        match s.op {
            SegmentOp::Equal => out.push_str(&s.text),
            SegmentOp::Delete => {
                let _ = write!(out, "[-{}-]", s.text);
            }
            SegmentOp::Insert => {
                let _ = write!(out, "{{+{}+}}", s.text);
            }
        }
    }
    out
}

fn block(out: &mut String, text: &str) {
    let fence = if text.contains("```") { "~~~~" } else { "```" };
    let _ = writeln!(out, "{fence}text\n{text}\n{fence}");
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "(none)".into(),
        Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    }
}

fn who(user: Option<crate::ids::UserId>) -> String {
    user.map_or_else(|| "(unknown)".to_owned(), |u| format!("`{u}`"))
}

/// Renders an item diff as Markdown.
pub fn render_item_diff(d: &ItemDiff) -> String {
    let mut out = String::new();
    if d.is_empty() {
        out.push_str("No changes.\n");
        return out;
    }
    let scalars: Vec<_> = d
        .fields
        .iter()
        .filter(|f| {
            !matches!(f.field.as_str(), "title" | "description")
                && !f.field.starts_with("acceptance_criteria/")
        })
        .collect();
    if !scalars.is_empty() {
        out.push_str("### Fields\n\n");
        for f in scalars {
            let _ = write!(
                out,
                "- {}: {} → {}",
                f.field,
                scalar(&f.old_value),
                scalar(&f.new_value)
            );
            if let Some(c) = &f.conflict {
                let _ = write!(
                    out,
                    " (conflict: {} by {} kept, {} by {} lost)",
                    scalar(&c.kept.value),
                    who(c.kept.user_id),
                    scalar(&c.lost.value),
                    who(c.lost.user_id)
                );
            }
            out.push('\n');
        }
        out.push('\n');
    }
    if let Some(t) = &d.title {
        out.push_str("### Title\n\n");
        block(&mut out, &word_diff(&t.segments));
        out.push('\n');
    }
    if let Some(t) = &d.description {
        out.push_str("### Description\n\n");
        block(&mut out, &word_diff(&t.segments));
        out.push('\n');
    }
    if !d.acceptance_criteria.is_empty() {
        out.push_str("### Acceptance criteria\n\n");
        for c in &d.acceptance_criteria {
            match c {
                CriteriaChange::Added { index, criterion } => {
                    let _ = writeln!(out, "- added at {}: {}", index + 1, criterion.text);
                }
                CriteriaChange::Removed { index, criterion } => {
                    let _ = writeln!(out, "- removed from {}: {}", index + 1, criterion.text);
                }
                CriteriaChange::Moved { id, from, to } => {
                    let _ = writeln!(out, "- moved `{id}` from {} to {}", from + 1, to + 1);
                }
                CriteriaChange::Edited { old, new, segments } => {
                    if segments.is_empty() {
                        let _ = writeln!(out, "- edited: {}", new.text);
                    } else {
                        let _ = writeln!(out, "- edited: {}", word_diff(segments));
                    }
                    if old.done != new.done {
                        let _ = writeln!(
                            out,
                            "  - {}",
                            if new.done { "now met" } else { "no longer met" }
                        );
                    }
                }
            }
        }
    }
    out
}

/// Renders a project snapshot diff as Markdown.
pub fn render_tree_diff(d: &TreeDiff) -> String {
    if d.changes.is_empty() {
        return "No changes.\n".into();
    }
    let mut out = String::new();
    for c in &d.changes {
        let _ = match c {
            TreeChange::Added { title, id } => writeln!(out, "- added: {title} (`{id}`)"),
            TreeChange::Removed { title, id } => writeln!(out, "- removed: {title} (`{id}`)"),
            TreeChange::Moved { title, id, .. } => writeln!(out, "- moved: {title} (`{id}`)"),
            TreeChange::Retyped {
                title,
                id,
                from,
                to,
                ..
            } => writeln!(out, "- retyped: {title} (`{id}`): {from} → {to}"),
            TreeChange::Changed { title, id, fields } => {
                writeln!(out, "- changed: {title} (`{id}`): {}", fields.join(", "))
            }
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::diff_items;
    use crate::history::testing::snap;
    use crate::spec::Status;

    #[test]
    fn an_item_diff_renders_as_markdown_with_word_diffs() {
        let a = snap("Sign in", "Use a password.", &[("a", "Works")]);
        let mut b = snap(
            "Sign in fast",
            "Use a passkey.",
            &[("a", "Works"), ("b", "Quick")],
        );
        b.status = Status::Ready;
        let md = render_item_diff(&diff_items(&a, &b));
        assert_eq!(
            md,
            "### Fields\n\n- status: `draft` → `ready`\n\n### Title\n\n```text\nSign in{+ fast+}\n```\n\n\
             ### Description\n\n```text\nUse a [-password.-]{+passkey.+}\n```\n\n\
             ### Acceptance criteria\n\n- added at 2: Quick\n"
        );
        assert_eq!(render_item_diff(&diff_items(&a, &a)), "No changes.\n");
    }

    #[test]
    fn a_conflict_renders_with_both_values_and_users() {
        use crate::history::{ConflictSide, FieldConflict, fold_conflicts};
        use crate::ids::UserId;
        let a = snap("T", "", &[]);
        let mut b = a.clone();
        b.status = Status::Ready;
        let mut d = diff_items(&a, &b);
        let u = |n| Some(UserId(uuid::Uuid::from_u128(n)));
        fold_conflicts(
            &mut d.fields,
            &[FieldConflict {
                field: "status".into(),
                kept: ConflictSide {
                    value: serde_json::json!("ready"),
                    user_id: u(1),
                },
                lost: ConflictSide {
                    value: serde_json::json!("in_progress"),
                    user_id: u(2),
                },
            }],
        );
        assert_eq!(
            render_item_diff(&d),
            "### Fields\n\n- status: `draft` → `ready` (conflict: `ready` by \
             `00000000-0000-0000-0000-000000000001` kept, `in_progress` by \
             `00000000-0000-0000-0000-000000000002` lost)\n\n"
        );
    }
}
