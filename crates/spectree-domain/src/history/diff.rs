//! Diffs between two snapshots of an item: the changed scalar fields, a word-level diff of
//! the title, the description and each acceptance criterion, and the criteria as a list
//! (added, removed, moved, edited).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use similar::{Algorithm, ChangeTag, DiffTag, TextDiff, capture_diff_slices};
use utoipa::ToSchema;

use super::{FieldChange, ItemSnapshot, field_changes};
use crate::spec::Criterion;

/// A word diff that takes longer than this settles for a coarser (still correct) result.
const WORD_DIFF_BUDGET: Duration = Duration::from_millis(500);

/// Whether a run of text is in both versions, only the new one, or only the old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SegmentOp {
    /// In both.
    Equal,
    /// Only in the new version.
    Insert,
    /// Only in the old version.
    Delete,
}

/// A run of text of a word diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Segment {
    /// What happened to it.
    pub op: SegmentOp,
    /// The text.
    pub text: String,
}

/// A changed text field and its word diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TextChange {
    /// The word diff, old to new.
    pub segments: Vec<Segment>,
}

/// How one acceptance criterion changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum CriteriaChange {
    /// New in the later version, at `index`.
    Added {
        /// Place in the new list.
        index: usize,
        /// The criterion.
        criterion: Criterion,
    },
    /// Gone in the later version; was at `index`.
    Removed {
        /// Place in the old list.
        index: usize,
        /// The criterion.
        criterion: Criterion,
    },
    /// Moved from place `from` (old list) to place `to` (new list).
    Moved {
        /// The criterion id.
        id: String,
        /// Place in the old list.
        from: usize,
        /// Place in the new list.
        to: usize,
    },
    /// Its text or `done` changed.
    Edited {
        /// Old state.
        old: Criterion,
        /// New state.
        new: Criterion,
        /// Word diff of the text (empty when only `done` changed).
        segments: Vec<Segment>,
    },
}

/// The difference between two snapshots of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ItemDiff {
    /// Every changed field with old and new value (scalars, texts, criteria).
    pub fields: Vec<FieldChange>,
    /// Word diff of the title, when it changed.
    pub title: Option<TextChange>,
    /// Word diff of the description, when it changed.
    pub description: Option<TextChange>,
    /// Changes to the criteria list.
    pub acceptance_criteria: Vec<CriteriaChange>,
}

impl ItemDiff {
    /// Whether the two snapshots were the same.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

/// A word-level diff of two texts (words and the whitespace between them are the units).
pub fn diff_words(old: &str, new: &str) -> Vec<Segment> {
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Myers)
        .deadline(Instant::now() + WORD_DIFF_BUDGET)
        .diff_words(old, new);
    let mut out: Vec<Segment> = Vec::new();
    for change in diff.iter_all_changes() {
        let op = match change.tag() {
            ChangeTag::Equal => SegmentOp::Equal,
            ChangeTag::Insert => SegmentOp::Insert,
            ChangeTag::Delete => SegmentOp::Delete,
        };
        match out.last_mut() {
            Some(last) if last.op == op => last.text.push_str(change.value()),
            _ => out.push(Segment {
                op,
                text: change.value().to_owned(),
            }),
        }
    }
    out
}

/// The criteria list changes from `old` to `new`: removed, added, moved (criteria outside
/// the longest run that kept its order), edited.
pub(crate) fn criteria_changes(old: &[Criterion], new: &[Criterion]) -> Vec<CriteriaChange> {
    let old_ids: HashSet<&str> = old.iter().map(|c| c.id.as_str()).collect();
    let new_ids: HashSet<&str> = new.iter().map(|c| c.id.as_str()).collect();
    let mut out = Vec::new();
    for (index, c) in old.iter().enumerate() {
        if !new_ids.contains(c.id.as_str()) {
            out.push(CriteriaChange::Removed {
                index,
                criterion: c.clone(),
            });
        }
    }
    for (index, c) in new.iter().enumerate() {
        if !old_ids.contains(c.id.as_str()) {
            out.push(CriteriaChange::Added {
                index,
                criterion: c.clone(),
            });
        }
    }
    let old_pos: HashMap<&str, usize> = old
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let new_pos: HashMap<&str, usize> = new
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let kept_old: Vec<&str> = old
        .iter()
        .map(|c| c.id.as_str())
        .filter(|id| new_ids.contains(id))
        .collect();
    let kept_new: Vec<&str> = new
        .iter()
        .map(|c| c.id.as_str())
        .filter(|id| old_ids.contains(id))
        .collect();
    let mut moved: Vec<&str> = Vec::new();
    for op in capture_diff_slices(Algorithm::Myers, &kept_old, &kept_new) {
        let (tag, _, nr) = op.as_tag_tuple();
        if tag != DiffTag::Equal {
            moved.extend(&kept_new[nr]);
        }
    }
    moved.sort_by_key(|id| new_pos.get(id).copied().unwrap_or(0));
    for id in moved {
        out.push(CriteriaChange::Moved {
            id: id.to_owned(),
            from: old_pos.get(id).copied().unwrap_or(0),
            to: new_pos.get(id).copied().unwrap_or(0),
        });
    }
    for n in new {
        if let Some(o) = old_pos.get(n.id.as_str()).map(|i| &old[*i])
            && o != n
        {
            let segments = if o.text == n.text {
                Vec::new()
            } else {
                diff_words(&o.text, &n.text)
            };
            out.push(CriteriaChange::Edited {
                old: o.clone(),
                new: n.clone(),
                segments,
            });
        }
    }
    out
}

/// The diff from `old` to `new`.
pub fn diff_items(old: &ItemSnapshot, new: &ItemSnapshot) -> ItemDiff {
    let text = |a: &str, b: &str| {
        (a != b).then(|| TextChange {
            segments: diff_words(a, b),
        })
    };
    ItemDiff {
        fields: field_changes(Some(old), new),
        title: text(&old.title, &new.title),
        description: text(&old.description, &new.description),
        acceptance_criteria: criteria_changes(&old.acceptance_criteria, &new.acceptance_criteria),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::history::testing::snap;

    fn seg(op: SegmentOp, text: &str) -> Segment {
        Segment {
            op,
            text: text.into(),
        }
    }

    #[test]
    fn word_diffs_table() {
        use SegmentOp::*;
        let cases: Vec<(&str, &str, Vec<Segment>)> = vec![
            ("", "", vec![]),
            ("same", "same", vec![seg(Equal, "same")]),
            (
                "the quick fox",
                "the slow fox",
                vec![
                    seg(Equal, "the "),
                    seg(Delete, "quick"),
                    seg(Insert, "slow"),
                    seg(Equal, " fox"),
                ],
            ),
            ("a b", "a b c", vec![seg(Equal, "a b"), seg(Insert, " c")]),
        ];
        for (old, new, want) in cases {
            assert_eq!(diff_words(old, new), want, "{old:?} -> {new:?}");
        }
    }

    #[test]
    fn criteria_are_diffed_as_a_list() {
        let a = snap(
            "T",
            "",
            &[("a", "one"), ("b", "two"), ("c", "three"), ("d", "four")],
        );
        let b = snap(
            "T",
            "",
            &[("c", "three"), ("a", "one"), ("b", "2"), ("e", "five")],
        );
        let got = criteria_changes(&a.acceptance_criteria, &b.acceptance_criteria);
        let kinds: Vec<String> = got
            .iter()
            .map(|c| match c {
                CriteriaChange::Added { criterion, index } => format!("+{}@{index}", criterion.id),
                CriteriaChange::Removed { criterion, index } => {
                    format!("-{}@{index}", criterion.id)
                }
                CriteriaChange::Moved { id, from, to } => format!("~{id}:{from}->{to}"),
                CriteriaChange::Edited { new, .. } => format!("*{}", new.id),
            })
            .collect();
        assert_eq!(kinds, vec!["-d@3", "+e@3", "~c:2->0", "*b"]);
    }

    #[test]
    fn an_item_diff_holds_fields_texts_and_criteria() {
        let a = snap("Sign in", "Use a password.", &[("a", "Works")]);
        let b = snap("Sign in", "Use a passkey.", &[("a", "Works")]);
        let d = diff_items(&a, &b);
        assert!(d.title.is_none());
        assert_eq!(d.fields.len(), 1);
        assert_eq!(
            d.description.unwrap().segments,
            vec![
                seg(SegmentOp::Equal, "Use a "),
                seg(SegmentOp::Delete, "password."),
                seg(SegmentOp::Insert, "passkey."),
            ]
        );
        assert!(diff_items(&a, &a).is_empty());
    }

    proptest! {
        #[test]
        fn a_word_diff_rebuilds_both_texts(old in "[ab \n]{0,40}", new in "[ab \n]{0,40}") {
            let segs = diff_words(&old, &new);
            let rebuilt_old: String = segs.iter().filter(|s| s.op != SegmentOp::Insert).map(|s| s.text.as_str()).collect();
            let rebuilt_new: String = segs.iter().filter(|s| s.op != SegmentOp::Delete).map(|s| s.text.as_str()).collect();
            prop_assert_eq!(rebuilt_old, old);
            prop_assert_eq!(rebuilt_new, new);
        }
    }
}
