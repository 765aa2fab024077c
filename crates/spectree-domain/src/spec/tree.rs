//! Tree order: parents before children, siblings by position (ties by id), depth first.

use foldhash::{HashMap, HashMapExt};

use crate::ids::ItemId;

/// Orders `rows` depth first. `key` gives each row's id, parent and position. Rows whose
/// parent is not among `rows` are treated as roots. Returns each row with its depth (roots
/// are depth 0).
pub fn tree_order<T>(
    rows: Vec<T>,
    key: impl Fn(&T) -> (ItemId, Option<ItemId>, &str),
) -> Vec<(usize, T)> {
    let n = rows.len();
    // Each row's parent as an index into `rows`, `n` for the roots: one hash lookup per row
    // (foldhash, seeded per process like std's, rather than SipHash; the ids are the
    // server's own). Children are then lists in one flat array, not a vector per parent.
    let root = n;
    let mut index: HashMap<ItemId, usize> = HashMap::with_capacity(n);
    for (i, r) in rows.iter().enumerate() {
        index.insert(key(r).0, i);
    }
    let parent: Vec<usize> = rows
        .iter()
        .map(|r| {
            key(r)
                .1
                .and_then(|p| index.get(&p).copied())
                .unwrap_or(root)
        })
        .collect();
    drop(index);
    // `start[p]..start[p + 1]` are the children of `p` in `kids`.
    let mut start = vec![0usize; n + 2];
    for &p in &parent {
        start[p + 1] += 1;
    }
    for p in 1..start.len() {
        start[p] += start[p - 1];
    }
    let mut kids = vec![0usize; n];
    let mut fill = start.clone();
    for (i, &p) in parent.iter().enumerate() {
        kids[fill[p]] = i;
        fill[p] += 1;
    }
    drop(fill);
    let children = |p: usize| start[p]..start[p + 1];
    for p in 0..=root {
        let range = children(p);
        if range.len() > 1 {
            kids[range].sort_by(|&a, &b| {
                let (ida, _, pa) = key(&rows[a]);
                let (idb, _, pb) = key(&rows[b]);
                pa.cmp(pb).then(ida.cmp(&idb))
            });
        }
    }
    let mut order: Vec<(usize, usize)> = Vec::with_capacity(n);
    let mut stack: Vec<(usize, usize)> =
        kids[children(root)].iter().rev().map(|&i| (i, 0)).collect();
    while let Some((i, depth)) = stack.pop() {
        order.push((i, depth));
        stack.extend(kids[children(i)].iter().rev().map(|&k| (k, depth + 1)));
    }
    let mut slots: Vec<Option<T>> = rows.into_iter().map(Some).collect();
    // Sized up front (a filtered iterator gives `collect` no size: a large tree's rows were
    // copied at every doubling). Rows on a cycle of parents are not reached from a root and
    // are left out, as a tree cannot show them.
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

    /// The order by its definition, recursively, for comparison.
    fn naive(rows: &[(ItemId, Option<ItemId>, String)]) -> Vec<(usize, ItemId)> {
        fn visit(
            rows: &[(ItemId, Option<ItemId>, String)],
            parent: Option<ItemId>,
            depth: usize,
            out: &mut Vec<(usize, ItemId)>,
        ) {
            let ids: Vec<ItemId> = rows.iter().map(|r| r.0).collect();
            let mut kids: Vec<&(ItemId, Option<ItemId>, String)> = rows
                .iter()
                .filter(|r| r.1.filter(|p| ids.contains(p)) == parent)
                .collect();
            kids.sort_by(|a, b| a.2.cmp(&b.2).then(a.0.cmp(&b.0)));
            for k in kids {
                out.push((depth, k.0));
                visit(rows, Some(k.0), depth + 1, out);
            }
        }
        let mut out = Vec::new();
        visit(rows, None, 0, &mut out);
        out
    }

    #[test]
    fn a_generated_forest_comes_out_as_its_definition_says() {
        // A fixed pseudo-random forest: parents drawn among earlier rows (or none, or an id
        // not in the set), positions from a small alphabet so that ties occur.
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for size in [0usize, 1, 2, 5, 40, 300] {
            let mut rows: Vec<(ItemId, Option<ItemId>, String)> = Vec::new();
            for i in 0..size {
                let parent = match next() % 5 {
                    0 => None,
                    1 => Some(ItemId::new()),
                    _ if i > 0 => Some(rows[(next() % i as u64) as usize].0),
                    _ => None,
                };
                let pos = format!("{:x}", next() % 4);
                rows.push((ItemId::new(), parent, pos));
            }
            // Shuffled: the order of the input must not matter.
            let mut shuffled = rows.clone();
            for i in (1..shuffled.len()).rev() {
                shuffled.swap(i, (next() % (i as u64 + 1)) as usize);
            }
            let out = tree_order(shuffled, |r| (r.0, r.1, r.2.as_str()));
            let got: Vec<(usize, ItemId)> = out.iter().map(|(d, r)| (*d, r.0)).collect();
            assert_eq!(got, naive(&rows), "size {size}");
            assert_eq!(got.len(), size);
        }
    }

    #[test]
    fn rows_on_a_cycle_are_left_out() {
        let (a, b, c) = (ItemId::new(), ItemId::new(), ItemId::new());
        let rows = vec![(a, Some(b), "80"), (b, Some(a), "80"), (c, None, "80")];
        let out = tree_order(rows, |r| (r.0, r.1, r.2));
        let ids: Vec<ItemId> = out.iter().map(|(_, r)| r.0).collect();
        assert_eq!(ids, vec![c]);
    }
}
