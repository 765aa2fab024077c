//! Concurrent writes to one scalar field. A write into the `fields` map names, as its origin,
//! the entry it replaced: the value its author saw. yrs resolves two writes made without
//! seeing each other by last-writer-wins and integrates the losing one already deleted, so
//! the loss is invisible through the map API. This module reads the items an update carries
//! (the v1 update format, with yrs's own decoder and content types) and keeps, per room, the
//! winning entry of every key: a new write whose origin is not the current winner was made
//! concurrently with it, and the pair (winner, loser) is a conflict to record.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use spectree_domain::ids::UserId;
use yrs::block::ItemContent;
use yrs::encoding::read::Read;
use yrs::updates::decoder::{Decoder, DecoderV1};
use yrs::{Any, ID, IdSet, StateVector};

use crate::schema::FIELDS;

/// Info bits of an item (the Yjs update format).
const HAS_ORIGIN: u8 = 0b1000_0000;
const HAS_RIGHT_ORIGIN: u8 = 0b0100_0000;
const HAS_PARENT_SUB: u8 = 0b0010_0000;
/// Info bytes of the two non-item blocks.
const BLOCK_GC: u8 = 0;
const BLOCK_SKIP: u8 = 10;

/// One write into the `fields` map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldWrite {
    /// The Yjs client id it was written under.
    pub client: u64,
    /// Its clock (the first one, when the block is longer than one).
    pub clock: u32,
    /// How many clocks it spans.
    pub len: u32,
    /// The value written (`None` for null; a non-string value as JSON).
    pub value: Option<String>,
    /// Who wrote it, when this node knows.
    pub user: Option<UserId>,
}

impl FieldWrite {
    fn holds(&self, id: &ID) -> bool {
        id.client.get() == self.client && id.clock >= self.clock && id.clock < self.clock + self.len
    }
}

/// Two writes to one key made without seeing each other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Conflict {
    /// The key of the `fields` map.
    pub field: String,
    /// The write the document kept.
    pub winner: FieldWrite,
    /// The write that lost.
    pub loser: FieldWrite,
}

/// An item of an update, as far as conflicts need it.
struct RawItem {
    id: ID,
    len: u32,
    origin: Option<ID>,
    /// The key, when the item names the `fields` root as its parent.
    key: Option<Arc<str>>,
    /// Whether the item names its parent itself (then without the `fields` root it is not a
    /// field write, whatever its origin).
    own_parent: bool,
    value: Option<String>,
}

/// The items an update carries. A malformed update yields what could be read (the room
/// refuses malformed updates before it gets here).
fn items(bytes: &[u8]) -> Vec<RawItem> {
    let mut out = Vec::new();
    let _ = read_items(bytes, &mut out, &mut Vec::new());
    out
}

/// The client ids under which an update writes something `known` does not hold yet. A client
/// that re-sends blocks the server already has (y-websocket does after reconnecting, and
/// with offline persistence re-sends the whole document, seed blocks included) writes nothing
/// new under their ids, so they must not count as its own.
pub(crate) fn new_writers(bytes: &[u8], known: &StateVector) -> Vec<u64> {
    let mut ranges = Vec::new();
    let _ = read_items(bytes, &mut Vec::new(), &mut ranges);
    let mut out: Vec<u64> = ranges
        .iter()
        .filter(|(id, len)| id.clock + len > known.get(&id.client))
        .map(|(id, _)| id.client.get())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Reads the items of an update into `out`, and the clock range of every block that carries
/// content or a deletion (items and GC blocks, not skips) into `ranges`.
fn read_items(
    bytes: &[u8],
    out: &mut Vec<RawItem>,
    ranges: &mut Vec<(ID, u32)>,
) -> Result<(), yrs::encoding::read::Error> {
    let mut d = DecoderV1::from(bytes);
    let clients: u32 = d.read_var()?;
    for _ in 0..clients {
        let blocks: u32 = d.read_var()?;
        let client = d.read_client()?;
        let mut clock: u32 = d.read_var()?;
        for _ in 0..blocks {
            let info = d.read_info()?;
            match info {
                BLOCK_SKIP => clock += d.read_var::<u32>()?,
                BLOCK_GC => {
                    let len = d.read_len()?;
                    ranges.push((ID::new(client, clock), len));
                    clock += len;
                }
                _ => {
                    let origin = (info & HAS_ORIGIN != 0)
                        .then(|| d.read_left_id())
                        .transpose()?;
                    if info & HAS_RIGHT_ORIGIN != 0 {
                        d.read_right_id()?;
                    }
                    let own_parent = info & (HAS_ORIGIN | HAS_RIGHT_ORIGIN) == 0;
                    let mut root: Option<String> = None;
                    if own_parent {
                        if d.read_parent_info()? {
                            root = Some(d.read_string()?.to_owned());
                        } else {
                            d.read_left_id()?;
                        }
                    }
                    let sub = if own_parent && info & HAS_PARENT_SUB != 0 {
                        Some(d.read_string()?.to_owned())
                    } else {
                        None
                    };
                    let content = ItemContent::decode(&mut d, info)?;
                    let len = content.len_utf16();
                    if len == 0 {
                        continue;
                    }
                    ranges.push((ID::new(client, clock), len));
                    let key = match (root.as_deref(), sub) {
                        (Some(FIELDS), Some(k)) => Some(Arc::from(k)),
                        _ => None,
                    };
                    out.push(RawItem {
                        id: ID::new(client, clock),
                        len,
                        origin,
                        key,
                        own_parent,
                        value: value_of(&content),
                    });
                    clock += len;
                }
            }
        }
    }
    Ok(())
}

fn value_of(content: &ItemContent) -> Option<String> {
    match content {
        ItemContent::Any(values) => match values.last() {
            Some(Any::String(s)) => Some(s.to_string()),
            Some(Any::Null | Any::Undefined) | None => None,
            Some(other) => Some(other.to_string()),
        },
        _ => None,
    }
}

/// The writes of the `fields` map a room has seen, and the current winner of each key.
#[derive(Debug, Default)]
pub(crate) struct FieldLog {
    /// Every write seen, by (client, clock): its key.
    entries: BTreeMap<(u64, u32), (u32, Arc<str>)>,
    winners: HashMap<Arc<str>, FieldWrite>,
}

/// The field writes of an update, read before it is applied.
pub(crate) struct Incoming {
    writes: Vec<(Arc<str>, RawItem)>,
}

impl FieldLog {
    fn key_of(&self, id: &ID) -> Option<Arc<str>> {
        let (&(client, clock), (len, key)) = self
            .entries
            .range(..=(id.client.get(), id.clock))
            .next_back()?;
        (client == id.client.get() && id.clock < clock + len).then(|| key.clone())
    }

    /// Reads the field writes of an update (call before applying it: origins are looked up
    /// among the writes already seen).
    pub(crate) fn incoming(&self, bytes: &[u8]) -> Incoming {
        self.incoming_all(&[bytes])
    }

    /// [`FieldLog::incoming`] of several updates applied together, in order.
    pub(crate) fn incoming_all(&self, updates: &[&[u8]]) -> Incoming {
        let raw: Vec<RawItem> = updates.iter().flat_map(|u| items(u)).collect();
        // A write replacing another names it as origin and leaves out its parent: its key is
        // the origin's, which may itself be in this update. Index the update's items by id
        // range, then walk each item's origin chain once (what a walk learns is kept), so a
        // large state (thousands of text items) costs n log n, not n².
        let mut by_id: BTreeMap<(u64, u32), usize> = BTreeMap::new();
        for (i, item) in raw.iter().enumerate() {
            by_id.insert((item.id.client.get(), item.id.clock), i);
        }
        let find = |id: &ID| -> Option<usize> {
            let (_, &j) = by_id.range(..=(id.client.get(), id.clock)).next_back()?;
            let o = &raw[j];
            (o.id.client == id.client && id.clock < o.id.clock + o.len).then_some(j)
        };
        // None: not yet known; Some(None): not a field entry; Some(Some(k)): entry of k.
        let mut keys: Vec<Option<Option<Arc<str>>>> = raw
            .iter()
            .map(|i| match (&i.key, i.own_parent) {
                (Some(k), _) => Some(Some(k.clone())),
                (None, true) => Some(None),
                (None, false) => None,
            })
            .collect();
        let mut on_path = vec![false; raw.len()];
        for start in 0..raw.len() {
            let mut path = Vec::new();
            let mut at = start;
            let resolved = loop {
                if let Some(k) = &keys[at] {
                    break k.clone();
                }
                path.push(at);
                on_path[at] = true;
                let Some(origin) = raw[at].origin else {
                    break None;
                };
                if let Some(k) = self.key_of(&origin) {
                    break Some(k);
                }
                match find(&origin) {
                    // A cycle cannot happen in a well-formed update; stop rather than spin.
                    Some(j) if !on_path[j] => at = j,
                    _ => break None,
                }
            };
            for i in path {
                on_path[i] = false;
                keys[i] = Some(resolved.clone());
            }
        }
        let keys: Vec<Option<Arc<str>>> = keys.into_iter().map(Option::flatten).collect();
        let writes = raw
            .into_iter()
            .zip(keys)
            .filter_map(|(item, key)| key.map(|k| (k, item)))
            .filter(|(_, item)| self.key_of(&item.id).is_none())
            .collect();
        Incoming { writes }
    }

    /// Takes in the writes of an applied update: `deleted` is what the applying transaction
    /// deleted (a losing write is integrated deleted), `applied` the document's state after
    /// it, `user` who sent the update (when known). Returns the conflicts it revealed.
    pub(crate) fn settle(
        &mut self,
        incoming: Incoming,
        deleted: &IdSet,
        applied: &StateVector,
        user: Option<UserId>,
    ) -> Vec<Conflict> {
        let mut by_key: HashMap<Arc<str>, Vec<RawItem>> = HashMap::new();
        for (key, item) in incoming.writes {
            // Writes whose dependencies are missing wait in yrs's pending set: not yet applied.
            if applied.get(&item.id.client) >= item.id.clock + item.len {
                by_key.entry(key).or_default().push(item);
            }
        }
        let mut conflicts = Vec::new();
        for (key, new) in by_key {
            let write = |i: &RawItem| FieldWrite {
                client: i.id.client.get(),
                clock: i.id.clock,
                len: i.len,
                value: i.value.clone(),
                user,
            };
            let within = |id: &ID| {
                new.iter().position(|o| {
                    o.id.client == id.client
                        && id.clock >= o.id.clock
                        && id.clock < o.id.clock + o.len
                })
            };
            // Heads: new writes no other new write replaced.
            let replaced: HashSet<usize> = new
                .iter()
                .filter_map(|i| i.origin.as_ref().and_then(within))
                .collect();
            let prev = self.winners.get(&key).cloned();
            let mut prev_seen = false;
            let mut candidates: Vec<FieldWrite> = Vec::new();
            for (idx, head) in new.iter().enumerate() {
                if replaced.contains(&idx) {
                    continue;
                }
                // Walk the head's chain within this update back to the write it was based on.
                let mut base = head.origin;
                let mut steps = 0;
                while let Some(j) = base.as_ref().and_then(within) {
                    base = new[j].origin;
                    steps += 1;
                    if steps > new.len() {
                        break;
                    }
                }
                if let (Some(p), Some(b)) = (&prev, &base)
                    && p.holds(b)
                {
                    prev_seen = true;
                }
                candidates.push(write(head));
            }
            if let Some(p) = &prev
                && !prev_seen
            {
                candidates.push(p.clone());
            }
            for i in &new {
                self.entries
                    .insert((i.id.client.get(), i.id.clock), (i.len, key.clone()));
            }
            let alive =
                |w: &FieldWrite| !deleted.contains(&ID::new(yrs::ClientID::new(w.client), w.clock));
            let winner = candidates
                .iter()
                .find(|w| alive(w))
                .cloned()
                .or_else(|| new.iter().map(write).find(|w| alive(w)))
                .or_else(|| prev.clone().filter(|p| alive(p)));
            match &winner {
                Some(w) => {
                    for c in &candidates {
                        if (c.client, c.clock) != (w.client, w.clock) && c.value != w.value {
                            conflicts.push(Conflict {
                                field: key.to_string(),
                                winner: w.clone(),
                                loser: c.clone(),
                            });
                        }
                    }
                    self.winners.insert(key, w.clone());
                }
                None => {
                    self.winners.remove(&key);
                }
            }
        }
        conflicts
    }
}

#[cfg(test)]
mod tests {
    use yrs::updates::decoder::Decode;
    use yrs::{Doc, Map, Options, ReadTxn, Text, Transact, Update};

    use super::*;

    fn doc(client: u64) -> Doc {
        Doc::with_options(Options {
            client_id: yrs::ClientID::new(client),
            ..Options::default()
        })
    }

    fn set(d: &Doc, key: &str, value: &str) -> Vec<u8> {
        let map = d.get_or_insert_map(FIELDS);
        let mut txn = d.transact_mut();
        map.insert(&mut txn, key, value);
        txn.encode_update_v1()
    }

    fn state(d: &Doc) -> Vec<u8> {
        d.transact()
            .encode_state_as_update_v1(&StateVector::default())
    }

    fn take(d: &Doc, bytes: &[u8]) {
        d.transact_mut()
            .apply_update(Update::decode_v1(bytes).unwrap())
            .unwrap();
    }

    /// Applies an update to the server's document and its log, as the room does.
    fn arrive(server: &Doc, log: &mut FieldLog, bytes: &[u8]) -> Vec<Conflict> {
        let incoming = log.incoming(bytes);
        let mut txn = server.transact_mut();
        txn.apply_update(Update::decode_v1(bytes).unwrap()).unwrap();
        let deleted = txn.delete_set().clone();
        let applied = txn.state_vector();
        drop(txn);
        log.settle(incoming, &deleted, &applied, None)
    }

    fn current(d: &Doc, key: &str) -> String {
        let map = d.get_or_insert_map(FIELDS);
        map.get(&d.transact(), key)
            .unwrap()
            .to_string(&d.transact())
    }

    /// A server holding a seeded `status: draft`, and two clients that have it.
    fn setup() -> (Doc, FieldLog, Doc, Doc) {
        let seed = doc(1);
        set(&seed, "status", "draft");
        let server = doc(2);
        let mut log = FieldLog::default();
        assert!(arrive(&server, &mut log, &state(&seed)).is_empty());
        let (a, b) = (doc(10), doc(20));
        take(&a, &state(&seed));
        take(&b, &state(&seed));
        (server, log, a, b)
    }

    #[test]
    fn a_resent_document_writes_only_under_the_clients_that_made_something_new() {
        let (server, mut log, a, _) = setup();
        let known = server.transact().state_vector();
        // The whole document re-sent, seed blocks included: nothing new.
        assert!(new_writers(&state(&a), &known).is_empty());
        set(&a, "status", "ready");
        // Re-sent with one new write: only the writer's id is new.
        assert_eq!(new_writers(&state(&a), &known), vec![10]);
        arrive(&server, &mut log, &state(&a));
        assert!(new_writers(&state(&a), &server.transact().state_vector()).is_empty());
    }

    #[test]
    fn two_writes_made_without_seeing_each_other_are_one_conflict_with_the_documents_winner() {
        for a_first in [true, false] {
            let (server, mut log, a, b) = setup();
            let ua = set(&a, "status", "ready");
            let ub = set(&b, "status", "done");
            let (first, second) = if a_first { (&ua, &ub) } else { (&ub, &ua) };
            assert!(arrive(&server, &mut log, first).is_empty());
            let found = arrive(&server, &mut log, second);
            assert_eq!(found.len(), 1, "{found:?}");
            let kept = current(&server, "status");
            assert_eq!(found[0].field, "status");
            assert_eq!(found[0].winner.value.as_deref(), Some(kept.as_str()));
            let lost = if kept == "ready" { "done" } else { "ready" };
            assert_eq!(found[0].loser.value.as_deref(), Some(lost));
            // The higher client id wins a tie in Yjs.
            assert_eq!(kept, "done");
        }
    }

    #[test]
    fn a_write_made_after_seeing_the_other_is_no_conflict() {
        let (server, mut log, a, b) = setup();
        let ua = set(&a, "status", "ready");
        take(&b, &ua);
        let ub = set(&b, "priority", "high");
        let uc = set(&b, "status", "done");
        assert!(arrive(&server, &mut log, &ua).is_empty());
        assert!(arrive(&server, &mut log, &ub).is_empty());
        assert!(arrive(&server, &mut log, &uc).is_empty());
        // An update the server already has changes nothing.
        assert!(arrive(&server, &mut log, &state(&b)).is_empty());
    }

    #[test]
    fn offline_writes_sent_together_conflict_once_with_their_last_value() {
        let (server, mut log, a, b) = setup();
        set(&a, "status", "ready");
        set(&a, "status", "in_progress");
        let ub = set(&b, "status", "done");
        assert!(arrive(&server, &mut log, &ub).is_empty());
        // A reconnects: sync step 2 carries both of its writes.
        let found = arrive(&server, &mut log, &state(&a));
        assert_eq!(found.len(), 1, "{found:?}");
        let values = [found[0].winner.value.clone(), found[0].loser.value.clone()];
        assert!(values.contains(&Some("done".into())), "{values:?}");
        assert!(values.contains(&Some("in_progress".into())), "{values:?}");
    }

    #[test]
    fn a_large_text_state_is_read_without_finding_field_writes_in_it() {
        let (server, mut log, a, _) = setup();
        let text = a.get_or_insert_text("description");
        for i in 0..5_000u32 {
            let mut txn = a.transact_mut();
            let at = (i * 7919) % (text.len(&txn) + 1);
            text.insert(&mut txn, at, "ab");
        }
        let incoming = log.incoming(&state(&a));
        assert!(incoming.writes.is_empty());
        assert!(arrive(&server, &mut log, &state(&a)).is_empty());
    }

    #[test]
    fn a_log_rebuilt_from_the_stored_state_knows_the_winner() {
        let (server, mut log, a, b) = setup();
        let ua = set(&a, "status", "ready");
        arrive(&server, &mut log, &ua);
        // A new room loads the whole state, then a stale write arrives.
        let fresh = doc(3);
        let mut rebuilt = FieldLog::default();
        arrive(&fresh, &mut rebuilt, &state(&server));
        let ub = set(&b, "status", "done");
        let found = arrive(&fresh, &mut rebuilt, &ub);
        assert_eq!(found.len(), 1, "{found:?}");
    }
}
