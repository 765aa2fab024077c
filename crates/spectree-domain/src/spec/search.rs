//! Search words. Text is split into lowercase words of letters and digits (Unicode), without
//! stemming; a query matches an item when every query word is a prefix of one of the item's
//! words. Words are computed here, not by the database, so SQLite and PostgreSQL index and
//! match exactly the same words.

use std::collections::BTreeSet;

/// Longest word kept (longer words are cut; a prefix query still finds them).
pub const MAX_WORD_CHARS: usize = 40;
/// Most words one query may have.
pub const MAX_QUERY_WORDS: usize = 8;

fn words_of(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.chars()
                .take(MAX_WORD_CHARS)
                .flat_map(char::to_lowercase)
                .collect()
        })
}

/// The distinct words of some texts.
pub fn index_words<'a>(texts: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    texts.into_iter().flat_map(words_of).collect()
}

/// The words of a query, in order, without repeats; at most [`MAX_QUERY_WORDS`].
pub fn query_words(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in words_of(query) {
        if !out.contains(&w) {
            out.push(w);
        }
    }
    out.truncate(MAX_QUERY_WORDS);
    out
}

/// The smallest string greater than every string starting with `prefix` (in byte order),
/// for a range scan `word >= prefix AND word < upper`.
pub fn prefix_upper_bound(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lowercased_split_on_non_alphanumerics_and_deduplicated() {
        let w = index_words(["Log-in with SSO", "sso: SAML 2.0, OIDC", "Über straße"]);
        let v: Vec<&str> = w.iter().map(String::as_str).collect();
        assert_eq!(
            v,
            [
                "0", "2", "in", "log", "oidc", "saml", "sso", "straße", "with", "über"
            ]
        );
    }

    #[test]
    fn queries_keep_order_and_drop_repeats() {
        assert_eq!(query_words("Log LOG in"), ["log", "in"]);
        assert!(query_words("  --  ").is_empty());
        assert_eq!(query_words("a b c d e f g h i j").len(), MAX_QUERY_WORDS);
    }

    #[test]
    fn the_upper_bound_covers_every_continuation() {
        let up = prefix_upper_bound("log");
        for w in ["log", "login", "logzzz", "log\u{FFFF}x"] {
            assert!(w >= "log" && w < up.as_str(), "{w}");
        }
        assert!("loh" >= up.as_str());
    }
}
