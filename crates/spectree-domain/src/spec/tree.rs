//! Tree order: parents before children, siblings by position (ties by id), depth first.

use foldhash::{HashMap, HashMapExt, HashSet};

use crate::ids::ItemId;

/// Orders `rows` depth first. `key` gives each row's id, parent and position. Rows whose
/// parent is not among `rows` are treated as roots. Returns each row with its depth (roots
/// are depth 0).
pub fn tree_order<T>(
    rows: Vec<T>,
    key: impl Fn(&T) -> (ItemId, Option<ItemId>, &str),
) -> Vec<(usize, T)> {
    // foldhash (seeded per process, like std's) rather than SipHash: a large tree hashes
    // each of its ids three times, and the ids are the server's own.
    let present: HashSet<ItemId> = rows.iter().map(|r| key(r).0).collect();
    let mut children: HashMap<Option<ItemId>, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        let (_, parent, _) = key(r);
        let parent = parent.filter(|p| present.contains(p));
        children.entry(parent).or_default().push(i);
    }
    for list in children.values_mut() {
        list.sort_by(|&a, &b| {
            let (ida, _, pa) = key(&rows[a]);
            let (idb, _, pb) = key(&rows[b]);
            pa.cmp(pb).then(ida.cmp(&idb))
        });
    }
    let mut order: Vec<(usize, usize)> = Vec::with_capacity(rows.len());
    let mut stack: Vec<(usize, usize)> = children
        .get(&None)
        .map(|roots| roots.iter().rev().map(|&i| (i, 0)).collect())
        .unwrap_or_default();
    while let Some((i, depth)) = stack.pop() {
        order.push((i, depth));
        if let Some(kids) = children.get(&Some(key(&rows[i]).0)) {
            stack.extend(kids.iter().rev().map(|&k| (k, depth + 1)));
        }
    }
    let mut slots: Vec<Option<T>> = rows.into_iter().map(Some).collect();
    // Sized up front (a filtered iterator gives `collect` no size: a large tree's rows were
    // copied at every doubling).
    let mut out = Vec::with_capacity(order.len());
    for (i, d) in order {
        if let Some(r) = slots[i].take() {
            out.push((d, r));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_come_before_children_and_siblings_follow_positions() {
        let (a, b, c, d) = (ItemId::new(), ItemId::new(), ItemId::new(), ItemId::new());
        let rows = vec![
            (d, Some(b), "80"),
            (c, None, "70"),
            (b, None, "80"),
            (a, Some(b), "70"),
        ];
        let out = tree_order(rows, |r| (r.0, r.1, r.2));
        let ids: Vec<(usize, ItemId)> = out.iter().map(|(d, r)| (*d, r.0)).collect();
        assert_eq!(ids, vec![(0, c), (0, b), (1, a), (1, d)]);
    }

    #[test]
    fn equal_positions_are_ordered_by_id() {
        let (a, b) = (ItemId::new(), ItemId::new());
        let out = tree_order(vec![(b, None, "80"), (a, None, "80")], |r| (r.0, r.1, r.2));
        assert_eq!(out[0].1.0, a);
    }
}
