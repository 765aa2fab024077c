//! Text patches: how a version is stored as the change from the version before it. A patch
//! is a list of operations over the characters of the old text (keep n, delete n, insert
//! text), written as a compact JSON array: a positive number keeps that many characters, a
//! negative one deletes, a string inserts. Storage therefore grows with the size of the
//! change, not with the size of the document.

use std::time::{Duration, Instant};

use serde_json::Value;
use similar::{Algorithm, DiffTag, capture_diff_slices_deadline};

/// A stored patch or snapshot cannot be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("history record is corrupt: {0}")]
pub struct PatchError(pub String);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    Keep(usize),
    Delete(usize),
    Insert(String),
}

/// The change from one text to another.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Patch(Vec<Op>);

/// A diff that takes longer than this settles for a coarser (still correct) patch.
const DIFF_BUDGET: Duration = Duration::from_millis(200);

impl Patch {
    /// The patch that turns `old` into `new`. The common prefix and suffix are cut off
    /// first, so the usual small edit costs little even on a large text.
    pub fn between(old: &str, new: &str) -> Patch {
        let old: Vec<char> = old.chars().collect();
        let new: Vec<char> = new.chars().collect();
        let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
        let suffix = old[prefix..]
            .iter()
            .rev()
            .zip(new[prefix..].iter().rev())
            .take_while(|(a, b)| a == b)
            .count();
        let (o, n) = (
            &old[prefix..old.len() - suffix],
            &new[prefix..new.len() - suffix],
        );
        let mut ops = Vec::new();
        push(&mut ops, Op::Keep(prefix));
        let deadline = Instant::now() + DIFF_BUDGET;
        for op in capture_diff_slices_deadline(Algorithm::Myers, o, n, Some(deadline)) {
            let (tag, or, nr) = op.as_tag_tuple();
            match tag {
                DiffTag::Equal => push(&mut ops, Op::Keep(or.len())),
                DiffTag::Delete => push(&mut ops, Op::Delete(or.len())),
                DiffTag::Insert => push(&mut ops, Op::Insert(n[nr].iter().collect())),
                DiffTag::Replace => {
                    push(&mut ops, Op::Delete(or.len()));
                    push(&mut ops, Op::Insert(n[nr].iter().collect()));
                }
            }
        }
        push(&mut ops, Op::Keep(suffix));
        Patch(ops)
    }

    /// Applies the patch to the text it was made from.
    pub fn apply(&self, old: &str) -> Result<String, PatchError> {
        let mut chars = old.chars();
        let mut out = String::with_capacity(old.len());
        for op in &self.0 {
            match op {
                Op::Keep(n) => {
                    for _ in 0..*n {
                        out.push(chars.next().ok_or_else(too_short)?);
                    }
                }
                Op::Delete(n) => {
                    for _ in 0..*n {
                        chars.next().ok_or_else(too_short)?;
                    }
                }
                Op::Insert(s) => out.push_str(s),
            }
        }
        if chars.next().is_some() {
            return Err(PatchError("patch does not cover the whole text".into()));
        }
        Ok(out)
    }

    /// The compact JSON form.
    pub fn to_json(&self) -> String {
        let v: Vec<Value> = self
            .0
            .iter()
            .map(|op| match op {
                Op::Keep(n) => Value::from(*n as i64),
                Op::Delete(n) => Value::from(-(*n as i64)),
                Op::Insert(s) => Value::from(s.as_str()),
            })
            .collect();
        Value::Array(v).to_string()
    }

    /// Reads the compact JSON form.
    pub fn from_json(s: &str) -> Result<Patch, PatchError> {
        let v: Vec<Value> =
            serde_json::from_str(s).map_err(|e| PatchError(format!("patch: {e}")))?;
        v.into_iter()
            .map(|v| match v {
                Value::Number(n) => match n.as_i64() {
                    Some(k) if k > 0 => Ok(Op::Keep(k as usize)),
                    Some(k) if k < 0 => Ok(Op::Delete(k.unsigned_abs() as usize)),
                    _ => Err(PatchError("patch: bad count".into())),
                },
                Value::String(s) => Ok(Op::Insert(s)),
                _ => Err(PatchError("patch: bad operation".into())),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Patch)
    }
}

fn too_short() -> PatchError {
    PatchError("patch runs past the end of the text".into())
}

/// Appends an operation, skipping empty ones and merging with a like neighbour.
fn push(ops: &mut Vec<Op>, op: Op) {
    match (&op, ops.last_mut()) {
        (Op::Keep(0) | Op::Delete(0), _) => {}
        (Op::Insert(s), _) if s.is_empty() => {}
        (Op::Keep(n), Some(Op::Keep(m))) | (Op::Delete(n), Some(Op::Delete(m))) => *m += n,
        (Op::Insert(s), Some(Op::Insert(t))) => t.push_str(s),
        _ => ops.push(op),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_small_edit_to_a_large_text_gives_a_small_patch() {
        let old = "word ".repeat(20_000);
        let mut new = old.clone();
        new.insert_str(50_000, "inserted ");
        let p = Patch::between(&old, &new);
        assert_eq!(p.to_json(), r#"[50000,"inserted ",50000]"#);
        assert_eq!(p.apply(&old).unwrap(), new);
    }

    #[test]
    fn table_of_patches() {
        let cases = [
            ("", "", "[]"),
            ("abc", "abc", "[3]"),
            ("abc", "", "[-3]"),
            ("", "héllo", r#"["héllo"]"#),
            ("one two", "one 2", r#"[4,-3,"2"]"#),
        ];
        for (old, new, json) in cases {
            let p = Patch::between(old, new);
            assert_eq!(p.to_json(), json, "{old:?} -> {new:?}");
            assert_eq!(Patch::from_json(json).unwrap().apply(old).unwrap(), new);
        }
    }

    #[test]
    fn a_patch_refuses_a_text_it_was_not_made_for() {
        let p = Patch::between("abc", "abd");
        assert!(p.apply("ab").is_err());
        assert!(p.apply("abcdef").is_err());
        assert!(Patch::from_json("[0]").is_err());
        assert!(Patch::from_json("{}").is_err());
    }

    proptest! {
        #[test]
        fn patches_round_trip(old in "[a-c é\n]{0,60}", new in "[a-c é\n]{0,60}") {
            let p = Patch::between(&old, &new);
            let back = Patch::from_json(&p.to_json()).unwrap();
            prop_assert_eq!(back.apply(&old).unwrap(), new);
        }
    }
}
