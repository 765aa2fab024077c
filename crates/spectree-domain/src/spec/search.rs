//! Search words. Text is split into lowercase words of letters and digits (Unicode), without
//! stemming; a query matches an item when every query word is a prefix of one of the item's
//! words. Words are computed here, not by the database, so SQLite and PostgreSQL index and
//! match exactly the same words.
//!
//! The index (docs/decisions/0029) keeps, per item, its words as one text ([`words_text`]),
//! which the database's inverted index (SQLite FTS5, PostgreSQL GIN) takes as they are. A
//! query word of [`MIN_INDEXED_PREFIX_CHARS`] or more is looked up there as a prefix; every
//! query word is then checked exactly against the words text ([`needle`]).

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

/// The shortest query word looked up in the inverted index: a shorter prefix would merge
/// the lists of too many words, and is only checked against the words text.
pub const MIN_INDEXED_PREFIX_CHARS: usize = 3;

/// Whether a query word is looked up in the inverted index.
pub fn is_indexed_prefix(query_word: &str) -> bool {
    query_word
        .chars()
        .nth(MIN_INDEXED_PREFIX_CHARS - 1)
        .is_some()
}

/// The words as one text, each preceded by a space: `word` starts a word exactly when
/// `" " + word` occurs in it.
pub fn words_text<'a>(words: impl IntoIterator<Item = &'a String>) -> String {
    let mut out = String::new();
    for w in words {
        out.push(' ');
        out.push_str(w);
    }
    out
}

/// What a words text is searched for to find words starting with `query_word`.
pub fn needle(query_word: &str) -> String {
    format!(" {query_word}")
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
    fn query_words_of_three_characters_or_more_are_looked_up_in_the_index() {
        assert!(!is_indexed_prefix("lo"));
        assert!(is_indexed_prefix("log"));
        assert!(!is_indexed_prefix("ßü"));
        assert!(is_indexed_prefix("ßüa"));
    }

    #[test]
    fn the_words_text_finds_word_starts_only() {
        let words = index_words(["login flow", "oauth"]);
        let text = words_text(&words);
        assert!(text.contains(&needle("log")));
        assert!(text.contains(&needle("oauth")));
        assert!(!text.contains(&needle("auth")));
        assert!(!text.contains(&needle("ogin")));
    }
}
