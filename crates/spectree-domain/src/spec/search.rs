//! Search words. Text is split into lowercase words of letters and digits (Unicode), without
//! stemming; a query matches an item when every query word is a prefix of one of the item's
//! words. Words are computed here, not by the database, so SQLite and PostgreSQL index and
//! match exactly the same words.
//!
//! The index (docs/decisions/0006) keeps, per item, its words as one text ([`words_text`])
//! and a few *keys*: the prefixes of each word of [`KEY_LENGTHS`] characters. A query word
//! of at least 3 characters has a key ([`query_key`]) that every word starting with it
//! shares, so the items carrying that key, in id order, are a superset of its matches that
//! the words text then checks exactly.

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

/// The lengths (in characters) of the word prefixes kept as keys.
pub const KEY_LENGTHS: [usize; 2] = [3, 5];

fn char_prefix(word: &str, chars: usize) -> Option<&str> {
    match word.char_indices().nth(chars) {
        Some((end, _)) => Some(&word[..end]),
        None => (word.chars().count() == chars).then_some(word),
    }
}

/// The keys of a word: its prefixes of each of [`KEY_LENGTHS`] that it is long enough for.
pub fn word_keys(word: &str) -> impl Iterator<Item = &str> + '_ {
    KEY_LENGTHS
        .iter()
        .filter_map(move |&n| char_prefix(word, n))
}

/// The key shared by every word that starts with `query_word`: its prefix of the longest of
/// [`KEY_LENGTHS`] it reaches; `None` for words shorter than the shortest key.
pub fn query_key(query_word: &str) -> Option<&str> {
    KEY_LENGTHS
        .iter()
        .rev()
        .find_map(|&n| char_prefix(query_word, n))
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
    fn keys_are_the_prefixes_of_key_lengths_in_characters() {
        assert_eq!(word_keys("in").count(), 0);
        assert_eq!(word_keys("log").collect::<Vec<_>>(), ["log"]);
        assert_eq!(word_keys("logins").collect::<Vec<_>>(), ["log", "login"]);
        assert_eq!(
            word_keys("straßenbahn").collect::<Vec<_>>(),
            ["str", "straß"]
        );
    }

    #[test]
    fn every_word_a_query_word_starts_carries_its_key() {
        for (q, words) in [
            ("log", vec!["log", "login", "logarithm"]),
            ("logi", vec!["login", "logistics"]),
            ("straße", vec!["straße", "straßenbahn"]),
            ("authentic", vec!["authentication", "authentic"]),
        ] {
            let key = query_key(q).unwrap();
            for w in words {
                assert!(w.starts_with(q));
                assert!(word_keys(w).any(|k| k == key), "{q} {w} {key}");
            }
        }
        assert_eq!(query_key("lo"), None);
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
