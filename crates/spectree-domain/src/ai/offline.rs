//! The built-in offline generator: text derived from the item's own context (title, type,
//! parent, existing criteria and the prompt) with templates, so generation works with no AI
//! service at all (embedded default, air-gapped installs). Deterministic for one context.

use crate::spec::ItemType;

use super::GenerationKind;

/// What the generator knows about the item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerationContext {
    /// What to write.
    pub kind: GenerationKind,
    /// The item's title.
    pub title: String,
    /// The item's type.
    pub item_type: ItemType,
    /// The parent's title, when the item has a parent.
    pub parent_title: Option<String>,
    /// Texts of the item's existing acceptance criteria.
    pub criteria: Vec<String>,
    /// What the person asked for.
    pub prompt: String,
}

fn child_type(t: ItemType) -> &'static str {
    match t {
        ItemType::Epic => "feature",
        ItemType::Feature => "story",
        ItemType::Story | ItemType::Task => "task",
    }
}

/// The prompt, trimmed to one line for quoting inside a template.
fn focus(prompt: &str) -> String {
    let line = prompt.split_whitespace().collect::<Vec<_>>().join(" ");
    let line = line.trim_end_matches(['.', '!', '?']);
    if line.is_empty() {
        String::new()
    } else {
        line.to_owned()
    }
}

/// The whole text the offline generator writes for a context. Criteria and children are one
/// per line.
pub fn offline_text(ctx: &GenerationContext) -> String {
    let title = ctx.title.trim();
    let focus = focus(&ctx.prompt);
    let within = ctx
        .parent_title
        .as_deref()
        .map(|p| format!(" as part of \"{}\"", p.trim()))
        .unwrap_or_default();
    match ctx.kind {
        GenerationKind::Description => {
            let mut s = format!(
                "## Goal\n\nThis {} delivers \"{title}\"{within}.",
                ctx.item_type.as_str()
            );
            if !focus.is_empty() {
                s.push_str(&format!(" The focus is: {focus}."));
            }
            s.push_str(
                "\n\n## Scope\n\n- What a person can do once it is done.\n- \
                 What stays out of scope.\n",
            );
            if !ctx.criteria.is_empty() {
                s.push_str("\n## Done when\n\n");
                for c in &ctx.criteria {
                    s.push_str(&format!("- {}\n", c.trim()));
                }
            }
            s
        }
        GenerationKind::AcceptanceCriteria => {
            let mut lines = vec![
                format!("A person can complete \"{title}\" from start to end"),
                format!("Invalid input for \"{title}\" is refused with a clear message"),
                format!("The result of \"{title}\" is saved and visible to the team"),
            ];
            if !focus.is_empty() {
                lines.push(format!("It covers: {focus}"));
            }
            lines.retain(|l| !ctx.criteria.iter().any(|c| c.trim() == l));
            lines.join("\n")
        }
        GenerationKind::Children => {
            let kind = child_type(ctx.item_type);
            let mut lines = vec![
                format!("Design the {kind} for {title}"),
                format!("Build {title}"),
                format!("Test {title}"),
            ];
            if !focus.is_empty() {
                lines.push(format!("Handle {focus}"));
            }
            lines
                .into_iter()
                .map(|l| l.chars().take(200).collect())
                .collect::<Vec<String>>()
                .join("\n")
        }
    }
}

/// Cuts text into tokens as a language model would stream them: each word with the
/// whitespace after it. Concatenated, the tokens are the text.
pub fn split_tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_space = false;
    for ch in text.chars() {
        if ch.is_whitespace() {
            in_space = true;
            cur.push(ch);
        } else {
            if in_space && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            in_space = false;
            cur.push(ch);
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(kind: GenerationKind) -> GenerationContext {
        GenerationContext {
            kind,
            title: "Password reset".into(),
            item_type: ItemType::Feature,
            parent_title: Some("Accounts".into()),
            criteria: vec!["A link is mailed".into()],
            prompt: "expiry of links".into(),
        }
    }

    #[test]
    fn tokens_concatenate_to_the_text() {
        for text in ["", "one", "a b  c\n\nd ", "  lead", "## Goal\n\nx"] {
            assert_eq!(split_tokens(text).concat(), text);
        }
        assert_eq!(split_tokens("a b c").len(), 3);
    }

    #[test]
    fn the_description_uses_the_items_context() {
        let t = offline_text(&ctx(GenerationKind::Description));
        assert!(t.contains("Password reset"));
        assert!(t.contains("Accounts"));
        assert!(t.contains("expiry of links"));
        assert!(t.contains("- A link is mailed"));
    }

    #[test]
    fn criteria_and_children_are_one_per_line() {
        let c = offline_text(&ctx(GenerationKind::AcceptanceCriteria));
        assert_eq!(c.lines().count(), 4);
        let k = offline_text(&ctx(GenerationKind::Children));
        assert!(k.lines().all(|l| !l.trim().is_empty()));
        assert!(k.starts_with("Design the story for Password reset"));
    }
}
