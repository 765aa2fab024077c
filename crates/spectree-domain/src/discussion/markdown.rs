//! Markdown bodies: rendering to sanitised HTML (pulldown-cmark, then ammonia's allow-list)
//! and finding `@handle` mentions outside code.
//!
//! A handle is the local part of a member's email address, lower-cased (`ada` for
//! `Ada@example.com`): every member has one, it needs no new profile field, and it is what
//! colleagues already type.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// Renders Markdown to HTML that is safe to insert into a page (no scripts, event handlers,
/// styles or `javascript:` links; links get `rel="noopener noreferrer"`).
pub fn render_html(markdown: &str) -> String {
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(markdown, options()));
    ammonia::clean(&html)
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// The handle of an email address: its local part, lower-cased.
pub fn handle_of_email(email: &str) -> String {
    email
        .split_once('@')
        .map_or(email, |(local, _)| local)
        .to_lowercase()
}

fn handle_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+')
}

/// The distinct handles mentioned in a body (lower-cased, in order of first use). Text in
/// code spans and blocks does not mention anyone; neither does an `@` inside a word (an
/// email address).
pub fn mentions(markdown: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut in_code = false;
    for event in Parser::new_ext(markdown, options()) {
        let text = match event {
            Event::Start(Tag::CodeBlock(_)) => {
                in_code = true;
                continue;
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code = false;
                continue;
            }
            Event::Text(text) if !in_code => text,
            _ => continue,
        };
        let mut prev: Option<char> = None;
        for (i, c) in text.char_indices() {
            if c == '@' && !prev.is_some_and(|p| p.is_alphanumeric() || handle_char(p)) {
                let rest = &text[i + 1..];
                let end = rest.find(|c: char| !handle_char(c)).unwrap_or(rest.len());
                let handle = rest[..end]
                    .trim_end_matches(['.', '-', '_', '+'])
                    .to_lowercase();
                if !handle.is_empty() && handle.len() <= 64 && !out.contains(&handle) {
                    out.push(handle);
                }
            }
            prev = Some(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendering_keeps_markdown_and_strips_scripts() {
        let html = render_html(
            "**bold** [x](javascript:alert(1)) <script>alert(1)</script><img src=x onerror=alert(1)>",
        );
        assert!(html.contains("<strong>bold</strong>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }

    #[test]
    fn mentions_are_found_outside_code_and_email_addresses() {
        let body = "Hi @Ada and @bob.smith, see `@code` and mail ada@example.com.\n\n```\n@block\n```\n@ada again";
        assert_eq!(mentions(body), vec!["ada", "bob.smith"]);
        assert_eq!(mentions("@"), Vec::<String>::new());
    }

    #[test]
    fn handles_are_lower_cased_local_parts() {
        assert_eq!(handle_of_email("Ada.L@Example.com"), "ada.l");
    }
}
