//! Positions among siblings: fractional indexes (the `fractional_index` crate), written as hex
//! strings whose byte order is their order. A new item always fits between two others
//! without renumbering, and two concurrent inserts at the same place get the same key; the
//! tie is broken by item id (UUIDv7), so every reader sees one stable order.

use fractional_index::FractionalIndex;

/// A sibling position.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position(String);

/// The text is not a position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid position")]
pub struct InvalidPosition;

impl Position {
    /// The first position in an empty list.
    pub fn first() -> Position {
        Position(FractionalIndex::default().to_string())
    }

    /// Parses a stored position.
    pub fn parse(s: &str) -> Result<Position, InvalidPosition> {
        FractionalIndex::from_string(s)
            .map(|f| Position(f.to_string()))
            .map_err(|_| InvalidPosition)
    }

    /// A position strictly between `before` and `after` (either may be absent: the start or
    /// the end of the list). When the two are equal or out of order (a concurrent insert
    /// gave them the same key), the position goes right after `before`.
    pub fn between(before: Option<&Position>, after: Option<&Position>) -> Position {
        let lo = before.and_then(|p| FractionalIndex::from_string(&p.0).ok());
        let hi = after.and_then(|p| FractionalIndex::from_string(&p.0).ok());
        let key = FractionalIndex::new(lo.as_ref(), hi.as_ref())
            .or_else(|| lo.as_ref().map(FractionalIndex::new_after))
            .unwrap_or_default();
        Position(key.to_string())
    }

    /// `n` increasing positions after `after` (for bulk inserts).
    pub fn sequence_after(after: Option<&Position>, n: usize) -> Vec<Position> {
        let mut out = Vec::with_capacity(n);
        let mut last = after.cloned();
        for _ in 0..n {
            let p = match &last {
                Some(l) => Position::between(Some(l), None),
                None => Position::first(),
            };
            out.push(p.clone());
            last = Some(p);
        }
        out
    }

    /// The stored text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn positions_fit_between_and_keep_order() {
        let a = Position::first();
        let c = Position::between(Some(&a), None);
        let b = Position::between(Some(&a), Some(&c));
        assert!(a < b && b < c);
        let z = Position::between(None, Some(&a));
        assert!(z < a);
        let same = Position::between(Some(&a), Some(&a));
        assert!(same > a);
        let seq = Position::sequence_after(None, 300);
        assert!(seq.windows(2).all(|w| w[0] < w[1]));
        assert!(Position::parse("zz").is_err());
    }

    proptest! {
        #[test]
        fn repeated_inserts_anywhere_keep_a_strict_order(ops in proptest::collection::vec(0usize..1000, 1..200)) {
            let mut list: Vec<Position> = vec![];
            for op in ops {
                let i = if list.is_empty() { 0 } else { op % (list.len() + 1) };
                let before = if i == 0 { None } else { list.get(i - 1) };
                let after = list.get(i);
                let p = Position::between(before, after);
                if let Some(b) = before { prop_assert!(b < &p); }
                if let Some(a) = after { prop_assert!(&p < a); }
                prop_assert!(Position::parse(p.as_str()).is_ok());
                list.insert(i, p);
            }
            prop_assert!(list.windows(2).all(|w| w[0] < w[1]));
        }
    }
}
