//! Thread anchors: two Yjs relative positions (yrs `StickyIndex`, the bytes of the browser's
//! `Y.encodeRelativePosition`) into the description or a criterion's text. They are checked
//! when a thread opens and resolved against the item's current document when it is read, so
//! a range follows the edits around it; a range whose text was deleted collapses and the
//! thread shows as detached.

use spectree_collab::schema::Roots;
use spectree_domain::discussion::{AnchorField, MAX_QUOTE_CHARS};
use spectree_domain::ids::{ItemId, OrgId};
use spectree_store::collab as doc_store;
use yrs::branch::{Branch, BranchPtr};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{
    Array, Assoc, Doc, GetString, Map, Out, ReadTxn, StickyIndex, TextRef, Transact, Update,
};

use super::DiscussionError;
use crate::App;

/// Where an anchored thread's range is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedAnchor {
    /// Start offset (UTF-16 code units, as Yjs counts), `None` when detached.
    pub start: Option<u32>,
    /// End offset.
    pub end: Option<u32>,
    /// The text the range holds now (empty when detached).
    pub text: String,
    /// The range's text was deleted (or its criterion removed).
    pub detached: bool,
}

/// An item's document rebuilt from its stored snapshot and update log.
pub(crate) struct ItemDoc {
    doc: Doc,
    roots: Roots,
}

fn corrupt(e: impl std::fmt::Display) -> DiscussionError {
    DiscussionError::Live(format!("document: {e}"))
}

impl App {
    /// The item's current document. The room is asked first so a document never opened is
    /// seeded from the row (items in the trash have no room and are read as stored); every update a room accepts is stored before it is relayed, so
    /// the stored form is as new as what any client has been told.
    pub(crate) async fn item_doc(
        &self,
        org: OrgId,
        item: ItemId,
    ) -> Result<ItemDoc, DiscussionError> {
        // An item in the trash has no room; its stored document is read as it is.
        if let Err(e) = self.collab().content(item).await {
            tracing::debug!(%item, error = %e, "no live room for the item; reading it as stored");
        }
        let stored = doc_store::load(
            &mut *self.store().read().await?,
            self.store().sealer(),
            org,
            item,
        )
        .await?;
        let doc = Doc::with_options(yrs::Options {
            offset_kind: yrs::OffsetKind::Utf16,
            ..yrs::Options::default()
        });
        let roots = Roots::of(&doc);
        {
            let mut txn = doc.transact_mut();
            let parts = stored
                .snapshot
                .iter()
                .map(|s| &s.1)
                .chain(stored.updates.iter().map(|u| &u.1));
            for bytes in parts {
                txn.apply_update(Update::decode_v1(bytes).map_err(corrupt)?)
                    .map_err(corrupt)?;
            }
        }
        Ok(ItemDoc { doc, roots })
    }
}

impl ItemDoc {
    /// The text a field names, if it exists now.
    fn text<T: ReadTxn>(&self, txn: &T, field: &AnchorField) -> Option<TextRef> {
        match field {
            AnchorField::Description => Some(self.roots.description.clone()),
            AnchorField::Criterion(id) => self.roots.criteria.iter(txn).find_map(|v| {
                let Out::YMap(m) = v else { return None };
                let is_it =
                    matches!(m.get(txn, "id"), Some(Out::Any(yrs::Any::String(s))) if *s == **id);
                match m.get(txn, "text") {
                    Some(Out::YText(t)) if is_it => Some(t),
                    _ => None,
                }
            }),
        }
    }

    /// Encodes a range given as offsets into the text (`from..to`, UTF-16 code units):
    /// start sticks to the range's first character, end to its last.
    pub(crate) fn encode_range(
        &self,
        field: &AnchorField,
        from: u32,
        to: u32,
    ) -> Result<(Vec<u8>, Vec<u8>), DiscussionError> {
        let txn = self.doc.transact();
        let text = self
            .text(&txn, field)
            .ok_or(DiscussionError::InvalidAnchor(
                "the anchored field does not exist".into(),
            ))?;
        let len = yrs::Text::len(&text, &txn);
        if from >= to || to > len {
            return Err(DiscussionError::InvalidAnchor(format!(
                "the range must be non-empty and within the text (length {len})"
            )));
        }
        let at = |i, assoc| {
            StickyIndex::at(
                &txn,
                BranchPtr::from(AsRef::<Branch>::as_ref(&text)),
                i,
                assoc,
            )
            .map(|s| s.encode_v1())
            .ok_or_else(|| DiscussionError::InvalidAnchor("no position there".into()))
        };
        Ok((at(from, Assoc::After)?, at(to, Assoc::Before)?))
    }

    /// Resolves an anchor's two positions against the current text of `field`.
    pub(crate) fn resolve(&self, field: &AnchorField, start: &[u8], end: &[u8]) -> ResolvedAnchor {
        let detached = ResolvedAnchor {
            start: None,
            end: None,
            text: String::new(),
            detached: true,
        };
        let txn = self.doc.transact();
        let Some(text) = self.text(&txn, field) else {
            return detached;
        };
        let want = AsRef::<Branch>::as_ref(&text).id();
        let offset = |bytes: &[u8]| {
            let s = StickyIndex::decode_v1(bytes).ok()?;
            let o = s.get_offset(&txn)?;
            (o.branch.id() == want).then_some(o.index)
        };
        let (Some(a), Some(b)) = (offset(start), offset(end)) else {
            return detached;
        };
        if a >= b {
            return detached;
        }
        let content = text.get_string(&txn);
        ResolvedAnchor {
            start: Some(a),
            end: Some(b),
            text: utf16_slice(&content, a, b),
            detached: false,
        }
    }

    /// Checks that two positions from a client fall, in order, in `field`; returns the
    /// quoted text.
    pub(crate) fn check(
        &self,
        field: &AnchorField,
        start: &[u8],
        end: &[u8],
    ) -> Result<String, DiscussionError> {
        let r = self.resolve(field, start, end);
        if r.detached {
            return Err(DiscussionError::InvalidAnchor(
                "the positions are not a non-empty range of that field".into(),
            ));
        }
        Ok(r.text.chars().take(MAX_QUOTE_CHARS).collect())
    }
}

/// The part of `s` between two UTF-16 offsets.
fn utf16_slice(s: &str, from: u32, to: u32) -> String {
    let units: Vec<u16> = s.encode_utf16().collect();
    let (from, to) = (from as usize, (to as usize).min(units.len()));
    String::from_utf16_lossy(units.get(from..to).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> ItemDoc {
        let doc = Doc::with_options(yrs::Options {
            offset_kind: yrs::OffsetKind::Utf16,
            ..yrs::Options::default()
        });
        let roots = Roots::of(&doc);
        yrs::Text::insert(&roots.description, &mut doc.transact_mut(), 0, text);
        ItemDoc { doc, roots }
    }

    #[test]
    fn a_range_follows_edits_around_it_and_detaches_when_deleted() {
        let d = doc("Users sign in with a password.");
        let (s, e) = d.encode_range(&AnchorField::Description, 21, 29).unwrap();
        assert_eq!(
            d.resolve(&AnchorField::Description, &s, &e).text,
            "password"
        );
        {
            let mut txn = d.doc.transact_mut();
            yrs::Text::insert(&d.roots.description, &mut txn, 0, "All ");
            yrs::Text::insert(&d.roots.description, &mut txn, 33, " or passkey");
        }
        let r = d.resolve(&AnchorField::Description, &s, &e);
        assert_eq!(
            (r.start, r.end, r.text.as_str()),
            (Some(25), Some(33), "password")
        );
        yrs::Text::remove_range(&d.roots.description, &mut d.doc.transact_mut(), 25, 8);
        assert!(d.resolve(&AnchorField::Description, &s, &e).detached);
    }

    #[test]
    fn ranges_must_be_non_empty_and_inside_the_text() {
        let d = doc("abc");
        assert!(d.encode_range(&AnchorField::Description, 1, 1).is_err());
        assert!(d.encode_range(&AnchorField::Description, 0, 4).is_err());
        assert!(
            d.encode_range(&AnchorField::Criterion("x".into()), 0, 1)
                .is_err()
        );
        assert!(
            d.check(&AnchorField::Description, b"junk", b"junk")
                .is_err()
        );
    }

    proptest::proptest! {
        /// Whatever is typed or deleted outside a range, it keeps covering the same text.
        #[test]
        fn edits_outside_a_range_never_change_what_it_covers(
            edits in proptest::collection::vec((proptest::bool::ANY, proptest::bool::ANY, 0u32..50, "[a-zé😀 ]{1,4}"), 1..30)
        ) {
            let d = doc("0123456789");
            let field = AnchorField::Description;
            let (s, e) = d.encode_range(&field, 3, 7).unwrap();
            for (before, insert, at, text) in edits {
                let r = d.resolve(&field, &s, &e);
                let (from, to) = (r.start.unwrap(), r.end.unwrap());
                let len = yrs::Text::len(&d.roots.description, &d.doc.transact());
                let mut txn = d.doc.transact_mut();
                // A place (or a span) wholly before `from` or wholly after `to`.
                let (lo, hi) = if before { (0, from) } else { (to, len) };
                if insert {
                    let pos = lo + at % (hi - lo + 1);
                    yrs::Text::insert(&d.roots.description, &mut txn, pos, &text);
                } else if hi > lo {
                    let pos = lo + at % (hi - lo);
                    let n = 1 + at % (hi - pos);
                    yrs::Text::remove_range(&d.roots.description, &mut txn, pos, n.min(hi - pos));
                }
            }
            let r = d.resolve(&field, &s, &e);
            proptest::prop_assert_eq!(r.text, "3456");
            proptest::prop_assert!(!r.detached);
        }
    }
}
