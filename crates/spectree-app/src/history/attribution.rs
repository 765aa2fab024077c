//! "Who wrote this": each range of the current description and acceptance criteria with the
//! person who inserted it, derived from the Yjs client ids the server recorded per
//! authenticated connection and per server-side writer. Text seeded from the row belongs to
//! the item's creator; REST edits and restores are written under a client id bound to the
//! person who made them; AI text under one bound to the AI and the person who started it.
//! (Before decision 0015 REST edits were written under the room's own client id; such text
//! is attributed when one person made all the stored edits under it.)

use std::collections::HashMap;

use spectree_collab::schema::Roots;
use spectree_domain::ids::{ItemId, UserId};
use spectree_domain::org::Action;
use spectree_store::collab as docs;
use spectree_store::history::clients;
use yrs::types::text::{Diff, YChange};
use yrs::updates::decoder::Decode;
use yrs::{Any, Array, Doc, Map, Out, ReadTxn, Snapshot, Text, TextRef, Transact, Update};

use super::HistoryError;
use crate::{Actor, App};

/// The Yjs client id documents are seeded under.
const SEED_CLIENT: u64 = 1;

/// A run of text and who wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributedRange {
    /// First character (Unicode scalar values, from 0).
    pub start: usize,
    /// One past the last character.
    pub end: usize,
    /// The text.
    pub text: String,
    /// The author (for AI text, the person who started the AI), when known.
    pub user_id: Option<UserId>,
    /// An AI wrote it, for `user_id`.
    pub ai: bool,
}

/// Attribution of an item's current text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribution {
    /// Ranges of the description.
    pub description: Vec<AttributedRange>,
    /// Ranges of each criterion's text, by criterion id.
    pub criteria: Vec<(String, Vec<AttributedRange>)>,
}

fn ranges(
    txn: &mut yrs::TransactionMut,
    text: &TextRef,
    now: &Snapshot,
    owner: &dyn Fn(u64) -> Option<(UserId, bool)>,
) -> Vec<AttributedRange> {
    let chunks: Vec<Diff<YChange>> = text.diff_range(
        txn,
        Some(now),
        Some(&Snapshot::default()),
        YChange::identity,
    );
    let mut out: Vec<AttributedRange> = Vec::new();
    let mut at = 0;
    for d in chunks {
        let Out::Any(Any::String(s)) = &d.insert else {
            continue;
        };
        let who = d.ychange.and_then(|y| owner(y.id.client.get()));
        let (user, ai) = (who.map(|w| w.0), who.is_some_and(|w| w.1));
        let len = s.chars().count();
        match out.last_mut() {
            Some(last) if last.user_id == user && last.ai == ai => {
                last.end += len;
                last.text.push_str(s);
            }
            _ => out.push(AttributedRange {
                start: at,
                end: at + len,
                text: s.to_string(),
                user_id: user,
                ai,
            }),
        }
        at += len;
    }
    out
}

impl App {
    /// Who wrote each range of an item's description and criteria (Viewers and up).
    pub async fn item_attribution(
        &self,
        actor: &Actor,
        item: ItemId,
    ) -> Result<Attribution, HistoryError> {
        let mut c = self.store().read().await?;
        let row = self.history_item(&mut c, actor, item, Action::View).await?;
        let stored = docs::load(&mut c, self.store().sealer(), row.org_id, row.id).await?;
        let mut owners: HashMap<u64, Option<(UserId, bool)>> = HashMap::new();
        owners.insert(SEED_CLIENT, Some((row.created_by, false)));
        for (client, user) in clients::update_users(&mut c, row.id).await? {
            let user = user.map(|u| (u, false));
            owners
                .entry(client)
                .and_modify(|u| {
                    if *u != user {
                        *u = None;
                    }
                })
                .or_insert(user);
        }
        for (client, user, ai) in clients::bindings(&mut c, row.id).await? {
            owners.insert(client, Some((user, ai)));
        }
        let owner = |client: u64| owners.get(&client).copied().flatten();
        let doc = Doc::new();
        let roots = Roots::of(&doc);
        let mut txn = doc.transact_mut();
        let parts = stored
            .snapshot
            .iter()
            .map(|s| &s.1)
            .chain(stored.updates.iter().map(|u| &u.1));
        for bytes in parts {
            let u = Update::decode_v1(bytes)
                .map_err(|e| spectree_store::StoreError::Corrupt(format!("document: {e}")))?;
            txn.apply_update(u)
                .map_err(|e| spectree_store::StoreError::Corrupt(format!("document: {e}")))?;
        }
        if stored.snapshot.is_none() && stored.updates.is_empty() {
            // Never opened as a live document: all of it is the creator's, as seeded.
            let all = |s: &str| {
                if s.is_empty() {
                    Vec::new()
                } else {
                    vec![AttributedRange {
                        start: 0,
                        end: s.chars().count(),
                        text: s.to_owned(),
                        user_id: Some(row.created_by),
                        ai: false,
                    }]
                }
            };
            return Ok(Attribution {
                description: all(&row.description),
                criteria: row
                    .acceptance_criteria
                    .iter()
                    .map(|c| (c.id.clone(), all(&c.text)))
                    .collect(),
            });
        }
        let now = txn.snapshot();
        let description = ranges(&mut txn, &roots.description, &now, &owner);
        let mut texts: Vec<(String, TextRef)> = Vec::new();
        for v in roots.criteria.iter(&txn) {
            if let Out::YMap(m) = v
                && let Some(Out::YText(t)) = m.get(&txn, "text")
            {
                let id = match m.get(&txn, "id") {
                    Some(Out::Any(Any::String(s))) => s.to_string(),
                    _ => String::new(),
                };
                texts.push((id, t));
            }
        }
        let criteria = texts
            .into_iter()
            .map(|(id, t)| (id, ranges(&mut txn, &t, &now, &owner)))
            .collect();
        Ok(Attribution {
            description,
            criteria,
        })
    }
}
