//! Immediate checks of a document after a client's update: what can be decided without the
//! database. Anything refused is put back by a compensating server edit before the update
//! is relayed onwards or projected.

use spectree_domain::spec::{
    ItemType, MAX_CRITERIA, MAX_CRITERION_CHARS, MAX_DESCRIPTION_BYTES, MAX_TITLE_CHARS, Priority,
    Status,
};
use yrs::{Any, Array, GetString, Map, Out, ReadTxn, Text, TransactionMut};

use crate::schema::{self, Roots};

/// Scalar fields the schema knows, and whether a value is allowed.
fn field_ok(key: &str, value: &Option<String>) -> bool {
    match (key, value) {
        ("status", Some(v)) => v.parse::<Status>().is_ok(),
        ("type", Some(v)) => v.parse::<ItemType>().is_ok(),
        ("priority", Some(v)) => v.parse::<Priority>().is_ok(),
        ("assignee", None) => true,
        ("assignee", Some(v)) => uuid::Uuid::parse_str(v).is_ok(),
        _ => false,
    }
}

/// Cuts a string to at most `max` UTF-16 units on a char boundary; returns the UTF-16 length
/// to keep.
fn keep_utf16(s: &str, max_chars: usize, max_bytes: usize) -> Option<u32> {
    let mut bytes = 0;
    let mut units = 0u32;
    for (chars, c) in s.chars().enumerate() {
        if chars + 1 > max_chars || bytes + c.len_utf8() > max_bytes {
            return Some(units);
        }
        bytes += c.len_utf8();
        units += u32::try_from(c.len_utf16()).unwrap_or(2);
    }
    None
}

/// Puts the document back inside the schema's rules; `previous` are the field values before
/// the update. Returns whether anything was changed.
pub fn enforce(
    txn: &mut TransactionMut,
    roots: &Roots,
    previous: &[(String, Option<String>)],
) -> bool {
    let mut changed = false;
    // Unknown top-level types: emptied, so they never carry data.
    let unknown: Vec<Out> = txn
        .root_refs()
        .filter(|(name, _)| !schema::ROOTS.contains(name))
        .map(|(_, v)| v)
        .collect();
    for root in unknown {
        match root {
            Out::YMap(m) => {
                let keys: Vec<String> = m.keys(txn).map(str::to_owned).collect();
                for k in keys {
                    m.remove(txn, &k);
                    changed = true;
                }
            }
            Out::YText(t) => {
                let len = t.len(txn);
                if len > 0 {
                    t.remove_range(txn, 0, len);
                    changed = true;
                }
            }
            Out::YArray(a) => {
                let len = a.len(txn);
                if len > 0 {
                    a.remove_range(txn, 0, len);
                    changed = true;
                }
            }
            _ => {}
        }
    }
    for (text, max_chars, max_bytes) in [
        (&roots.title, MAX_TITLE_CHARS, usize::MAX),
        (&roots.description, usize::MAX, MAX_DESCRIPTION_BYTES),
    ] {
        let s = text.get_string(txn);
        if let Some(keep) = keep_utf16(&s, max_chars, max_bytes) {
            let len = text.len(txn);
            text.remove_range(txn, keep, len - keep);
            changed = true;
        }
    }
    let n = roots.criteria.len(txn);
    if n as usize > MAX_CRITERIA {
        roots.criteria.remove_range(
            txn,
            u32::try_from(MAX_CRITERIA).unwrap_or(0),
            n - u32::try_from(MAX_CRITERIA).unwrap_or(0),
        );
        changed = true;
    }
    for i in 0..roots.criteria.len(txn) {
        match roots.criteria.get(txn, i) {
            Some(Out::YMap(m)) => {
                if let Some(Out::YText(t)) = m.get(txn, "text") {
                    let s = t.get_string(txn);
                    if let Some(keep) = keep_utf16(&s, MAX_CRITERION_CHARS, usize::MAX) {
                        let len = t.len(txn);
                        t.remove_range(txn, keep, len - keep);
                        changed = true;
                    }
                }
            }
            _ => {
                // Only maps belong in the criteria list.
                roots.criteria.remove(txn, i);
                changed = true;
                break;
            }
        }
    }
    let content = schema::read(roots, txn);
    for (key, value) in &content.fields {
        if !field_ok(key, value) {
            match previous.iter().find(|(k, _)| k == key) {
                Some((_, Some(old))) if field_ok(key, &Some(old.clone())) => {
                    roots.fields.insert(txn, key.as_str(), old.as_str());
                }
                Some((_, None)) if key == "assignee" => {
                    roots.fields.insert(txn, key.as_str(), Any::Null);
                }
                _ => {
                    roots.fields.remove(txn, key);
                }
            }
            changed = true;
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_cut_on_char_boundaries() {
        assert_eq!(keep_utf16("abc", 2, usize::MAX), Some(2));
        assert_eq!(keep_utf16("a🚀b", 2, usize::MAX), Some(3));
        assert_eq!(keep_utf16("abc", 5, usize::MAX), None);
        assert_eq!(keep_utf16("ééé", 10, 4), Some(2));
    }

    #[test]
    fn field_values_follow_the_domain() {
        assert!(field_ok("status", &Some("done".into())));
        assert!(!field_ok("status", &Some("shipped".into())));
        assert!(field_ok("assignee", &None));
        assert!(!field_ok("colour", &Some("red".into())));
    }
}
