//! The document schema shared by server, web app and REST: `title: Y.Text`,
//! `description: Y.Text` (Markdown), `acceptanceCriteria: Y.Array<Y.Map>` (each
//! `{id, text: Y.Text, done}`), `fields: Y.Map` (status, type, priority, assignee; last writer
//! wins). Reading, seeding, minimal-diff editing and validation of that schema live here.

use std::collections::HashMap;

use similar::{ChangeTag, TextDiff};
use yrs::types::ToJson;
use yrs::{
    Any, Array, ArrayRef, Doc, GetString, Map, MapPrelim, MapRef, Out, ReadTxn, Text, TextPrelim,
    TextRef, Transact, TransactionMut,
};

/// Root names.
pub const TITLE: &str = "title";
/// Root name of the description.
pub const DESCRIPTION: &str = "description";
/// Root name of the criteria.
pub const CRITERIA: &str = "acceptanceCriteria";
/// Root name of the scalar fields.
pub const FIELDS: &str = "fields";
/// The only root names a document may have.
pub const ROOTS: [&str; 4] = [TITLE, DESCRIPTION, CRITERIA, FIELDS];

/// One acceptance criterion as plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriterionContent {
    /// Stable id.
    pub id: String,
    /// Text.
    pub text: String,
    /// Met.
    pub done: bool,
}

/// The plain content of a document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DocContent {
    /// Title.
    pub title: String,
    /// Markdown description.
    pub description: String,
    /// Criteria in order.
    pub criteria: Vec<CriterionContent>,
    /// Scalar fields (status, type, priority, assignee), `None` for absent or null.
    pub fields: HashMap<String, Option<String>>,
}

/// The root types of a document.
#[derive(Clone)]
pub struct Roots {
    /// Title.
    pub title: TextRef,
    /// Description.
    pub description: TextRef,
    /// Criteria.
    pub criteria: ArrayRef,
    /// Fields.
    pub fields: MapRef,
}

impl Roots {
    /// The roots of `doc` (created on first use).
    pub fn of(doc: &Doc) -> Roots {
        Roots {
            title: doc.get_or_insert_text(TITLE),
            description: doc.get_or_insert_text(DESCRIPTION),
            criteria: doc.get_or_insert_array(CRITERIA),
            fields: doc.get_or_insert_map(FIELDS),
        }
    }
}

fn out_string<T: ReadTxn>(txn: &T, v: Option<Out>) -> Option<String> {
    match v? {
        Out::Any(Any::String(s)) => Some(s.to_string()),
        Out::Any(Any::Null | Any::Undefined) => None,
        Out::YText(t) => Some(t.get_string(txn)),
        Out::Any(other) => Some(other.to_string()),
        _ => None,
    }
}

/// The scalar fields alone (what checking an update needs; reading the text is not free).
pub fn read_fields<T: ReadTxn>(roots: &Roots, txn: &T) -> HashMap<String, Option<String>> {
    roots
        .fields
        .iter(txn)
        .map(|(k, v)| {
            let v = match v {
                Out::Any(Any::String(s)) => Some(s.to_string()),
                Out::Any(Any::Null | Any::Undefined) => None,
                other => Some(other.to_json(txn).to_string()),
            };
            (k.to_owned(), v)
        })
        .collect()
}

/// Reads a document's plain content.
pub fn read<T: ReadTxn>(roots: &Roots, txn: &T) -> DocContent {
    let criteria = roots
        .criteria
        .iter(txn)
        .filter_map(|v| match v {
            Out::YMap(m) => Some(CriterionContent {
                id: out_string(txn, m.get(txn, "id")).unwrap_or_default(),
                text: out_string(txn, m.get(txn, "text")).unwrap_or_default(),
                done: matches!(m.get(txn, "done"), Some(Out::Any(Any::Bool(true)))),
            }),
            _ => None,
        })
        .collect();
    let fields = read_fields(roots, txn);
    DocContent {
        title: roots.title.get_string(txn),
        description: roots.description.get_string(txn),
        criteria,
        fields,
    }
}

/// Changes text to `new` by a minimal character diff, so unchanged text keeps its identity
/// (and remote cursors in it stay put). Indexes are UTF-16 code units, as in Yjs.
pub fn diff_text(txn: &mut TransactionMut, text: &TextRef, new: &str) {
    let old = text.get_string(txn);
    if old == new {
        return;
    }
    let diff = TextDiff::from_chars(old.as_str(), new);
    let mut index: u32 = 0;
    for change in diff.iter_all_changes() {
        let value = change.value();
        let len = u32::try_from(value.encode_utf16().count()).unwrap_or(u32::MAX);
        match change.tag() {
            ChangeTag::Equal => index += len,
            ChangeTag::Delete => text.remove_range(txn, index, len),
            ChangeTag::Insert => {
                text.insert(txn, index, value);
                index += len;
            }
        }
    }
}

/// Inserts a criterion. Keys go in one fixed order (not through a hash map), so seeding the
/// same content always gives the same update.
fn insert_criterion(txn: &mut TransactionMut, roots: &Roots, index: u32, c: &CriterionContent) {
    let map = roots.criteria.insert(txn, index, MapPrelim::default());
    map.insert(txn, "id", c.id.as_str());
    map.insert(txn, "done", c.done);
    map.insert(txn, "text", TextPrelim::new(c.text.as_str()));
}

/// Changes the criteria to `new`: by id, keeping the shared structure of criteria that stay
/// (their text changes by a minimal diff).
pub fn diff_criteria(txn: &mut TransactionMut, roots: &Roots, new: &[CriterionContent]) {
    let current = read(roots, txn).criteria;
    // Remove criteria that are gone, or whose place changed (they are re-inserted below).
    let wanted: Vec<&str> = new.iter().map(|c| c.id.as_str()).collect();
    let kept: Vec<&str> = current
        .iter()
        .map(|c| c.id.as_str())
        .filter(|id| wanted.contains(id))
        .collect();
    let in_order: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|id| kept.contains(id))
        .collect();
    let stay_ok = kept == in_order;
    for (i, c) in current.iter().enumerate().rev() {
        if !wanted.contains(&c.id.as_str()) || !stay_ok {
            roots.criteria.remove(txn, u32::try_from(i).unwrap_or(0));
        }
    }
    for (i, c) in new.iter().enumerate() {
        let index = u32::try_from(i).unwrap_or(u32::MAX);
        let existing = match roots.criteria.get(txn, index) {
            Some(Out::YMap(m))
                if out_string(txn, m.get(txn, "id")).as_deref() == Some(c.id.as_str()) =>
            {
                Some(m)
            }
            _ => None,
        };
        match existing {
            Some(m) => {
                match m.get(txn, "text") {
                    Some(Out::YText(t)) => diff_text(txn, &t, &c.text),
                    _ => {
                        m.insert(txn, "text", TextPrelim::new(c.text.as_str()));
                    }
                }
                if !matches!(m.get(txn, "done"), Some(Out::Any(Any::Bool(d))) if d == c.done) {
                    m.insert(txn, "done", c.done);
                }
            }
            None => insert_criterion(txn, roots, index, c),
        }
    }
}

/// Sets scalar fields (last writer wins); `None` writes null.
pub fn set_fields(txn: &mut TransactionMut, roots: &Roots, fields: &[(&str, Option<String>)]) {
    for (k, v) in fields {
        let current = out_string(txn, roots.fields.get(txn, k));
        if current.as_ref() != v.as_ref() || roots.fields.get(txn, k).is_none() {
            match v {
                Some(s) => {
                    roots.fields.insert(txn, *k, s.as_str());
                }
                None => {
                    roots.fields.insert(txn, *k, Any::Null);
                }
            }
        }
    }
}

/// Writes `content` into an empty document.
pub fn seed(doc: &Doc, content: &DocContent) {
    let roots = Roots::of(doc);
    let mut txn = doc.transact_mut();
    roots.title.insert(&mut txn, 0, &content.title);
    roots.description.insert(&mut txn, 0, &content.description);
    for (i, c) in content.criteria.iter().enumerate() {
        insert_criterion(&mut txn, &roots, u32::try_from(i).unwrap_or(u32::MAX), c);
    }
    let mut keys: Vec<(&String, &Option<String>)> = content.fields.iter().collect();
    keys.sort();
    let fields: Vec<(&str, Option<String>)> = keys
        .into_iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    set_fields(&mut txn, &roots, &fields);
}

#[cfg(test)]
mod tests {
    use yrs::updates::decoder::Decode;
    use yrs::{Options, ReadTxn, StateVector, Update};

    use super::*;

    fn doc(client: u64) -> Doc {
        Doc::with_options(Options {
            client_id: yrs::block::ClientID::new(client),
            offset_kind: yrs::OffsetKind::Utf16,
            ..Options::default()
        })
    }

    fn content() -> DocContent {
        DocContent {
            title: "Sign in".into(),
            description: "Users sign in with a password.".into(),
            criteria: vec![
                CriterionContent {
                    id: "a".into(),
                    text: "Wrong password is refused".into(),
                    done: false,
                },
                CriterionContent {
                    id: "b".into(),
                    text: "Locks after ten".into(),
                    done: true,
                },
            ],
            fields: HashMap::from([
                ("status".into(), Some("draft".into())),
                ("assignee".into(), None),
            ]),
        }
    }

    #[test]
    fn seeding_and_reading_round_trip() {
        let d = doc(1);
        seed(&d, &content());
        let got = read(&Roots::of(&d), &d.transact());
        assert_eq!(got, content());
    }

    #[test]
    fn seeding_is_deterministic_for_one_client_id() {
        let (a, b) = (doc(1), doc(1));
        seed(&a, &content());
        seed(&b, &content());
        let ua = a
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        let ub = b
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        assert_eq!(ua, ub);
        // Merging both seeds does not duplicate anything.
        a.transact_mut()
            .apply_update(Update::decode_v1(&ub).unwrap())
            .unwrap();
        assert_eq!(read(&Roots::of(&a), &a.transact()), content());
    }

    #[test]
    fn text_diffs_keep_unchanged_text_in_place() {
        let d = doc(2);
        seed(&d, &content());
        let roots = Roots::of(&d);
        let before = d.transact().state_vector();
        {
            let mut txn = d.transact_mut();
            diff_text(
                &mut txn,
                &roots.description,
                "Users sign in with a passkey or a password.",
            );
        }
        assert_eq!(
            roots.description.get_string(&d.transact()),
            "Users sign in with a passkey or a password."
        );
        // Only a little was inserted: the update is small.
        let delta = d.transact().encode_state_as_update_v1(&before);
        assert!(delta.len() < 60, "{} bytes", delta.len());
        let mut txn = d.transact_mut();
        diff_text(&mut txn, &roots.title, "Über-Straße 🚀 sign in");
        assert_eq!(roots.title.get_string(&txn), "Über-Straße 🚀 sign in");
    }

    #[test]
    fn criteria_diffs_keep_ids_and_order() {
        let d = doc(3);
        seed(&d, &content());
        let roots = Roots::of(&d);
        let new = vec![
            CriterionContent {
                id: "b".into(),
                text: "Locks after five".into(),
                done: false,
            },
            CriterionContent {
                id: "c".into(),
                text: "New".into(),
                done: false,
            },
        ];
        diff_criteria(&mut d.transact_mut(), &roots, &new);
        assert_eq!(read(&roots, &d.transact()).criteria, new);
        let swapped = vec![new[1].clone(), new[0].clone()];
        diff_criteria(&mut d.transact_mut(), &roots, &swapped);
        assert_eq!(read(&roots, &d.transact()).criteria, swapped);
    }
}
