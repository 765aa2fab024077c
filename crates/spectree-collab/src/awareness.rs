//! Presence: who is in a room, with name, colour, cursor and selection. Each client's state
//! is relayed to everyone in the room with the `user` field set by the server from the
//! authenticated principal, so nobody can pose as someone else. A state is removed when its
//! connection closes or after a silence.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use yrs::block::ClientID;
use yrs::sync::awareness::{AwarenessUpdate, AwarenessUpdateEntry};

use serde_json::value::RawValue;

use crate::manager::ConnId;

/// The pseudo-connection of states that live on other nodes.
const REMOTE: ConnId = 0;

/// The pseudo-connection of server-side writers (an AI writing): their states never expire;
/// the writer clears them when it ends.
const SERVER: ConnId = ConnId::MAX;

struct Entry {
    clock: u32,
    json: Arc<str>,
    conn: ConnId,
    seen: Instant,
}

/// The presence states of one room.
#[derive(Default)]
pub struct Presence {
    states: HashMap<u64, Entry>,
}

fn removal(client: u64, clock: u32) -> (ClientID, AwarenessUpdateEntry) {
    (
        ClientID::new(client),
        AwarenessUpdateEntry {
            clock,
            json: Arc::from("null"),
        },
    )
}

impl Presence {
    /// Applies a client's update; returns the update to relay (with identities filled in),
    /// or `None` when nothing is left to relay.
    pub fn apply(
        &mut self,
        conn: ConnId,
        identity: &str,
        update: AwarenessUpdate,
        now: Instant,
    ) -> Option<AwarenessUpdate> {
        let mut out = HashMap::new();
        for (client, entry) in update.clients {
            let id = client.get();
            if let Some(existing) = self.states.get(&id)
                && existing.conn != conn
            {
                // A client id in use by another connection: not this one's to change.
                continue;
            }
            if &*entry.json == "null" {
                if self.states.remove(&id).is_some() {
                    out.insert(client, entry);
                }
                continue;
            }
            // Anything but an object carries no presence worth relaying.
            let Some(json) = with_identity(&entry.json, identity) else {
                continue;
            };
            let json: Arc<str> = Arc::from(json);
            self.states.insert(
                id,
                Entry {
                    clock: entry.clock,
                    json: json.clone(),
                    conn,
                    seen: now,
                },
            );
            out.insert(
                client,
                AwarenessUpdateEntry {
                    clock: entry.clock,
                    json,
                },
            );
        }
        (!out.is_empty()).then_some(AwarenessUpdate { clients: out })
    }

    /// Applies a presence frame from another node (identities already filled in there);
    /// returns what to relay to this node's clients.
    pub fn apply_remote(
        &mut self,
        update: AwarenessUpdate,
        now: Instant,
    ) -> Option<AwarenessUpdate> {
        let mut out = HashMap::new();
        for (client, entry) in update.clients {
            let id = client.get();
            if self.states.get(&id).is_some_and(|e| e.conn != REMOTE) {
                continue;
            }
            if &*entry.json == "null" {
                if self.states.remove(&id).is_some() {
                    out.insert(client, entry);
                }
                continue;
            }
            self.states.insert(
                id,
                Entry {
                    clock: entry.clock,
                    json: entry.json.clone(),
                    conn: REMOTE,
                    seen: now,
                },
            );
            out.insert(client, entry);
        }
        (!out.is_empty()).then_some(AwarenessUpdate { clients: out })
    }

    /// Sets (or with `None` removes) the state of a server-side writer's client id, whose
    /// JSON the server made itself; returns what to relay.
    pub fn set_server(
        &mut self,
        client: u64,
        json: Option<String>,
        now: Instant,
    ) -> Option<AwarenessUpdate> {
        if self.states.get(&client).is_some_and(|e| e.conn != SERVER) {
            return None;
        }
        let Some(json) = json else {
            return self.remove(vec![client]);
        };
        let clock = self.states.get(&client).map_or(0, |e| e.clock + 1);
        let json: Arc<str> = Arc::from(json);
        self.states.insert(
            client,
            Entry {
                clock,
                json: json.clone(),
                conn: SERVER,
                seen: now,
            },
        );
        let mut out = HashMap::new();
        out.insert(ClientID::new(client), AwarenessUpdateEntry { clock, json });
        Some(AwarenessUpdate { clients: out })
    }

    /// Every current state (sent to a client that joins or asks).
    pub fn full(&self) -> Option<AwarenessUpdate> {
        let clients: HashMap<ClientID, AwarenessUpdateEntry> = self
            .states
            .iter()
            .map(|(id, e)| {
                (
                    ClientID::new(*id),
                    AwarenessUpdateEntry {
                        clock: e.clock,
                        json: e.json.clone(),
                    },
                )
            })
            .collect();
        (!clients.is_empty()).then_some(AwarenessUpdate { clients })
    }

    /// Removes the states of a connection; returns the removal to relay.
    pub fn remove_conn(&mut self, conn: ConnId) -> Option<AwarenessUpdate> {
        let ids: Vec<u64> = self
            .states
            .iter()
            .filter(|(_, e)| e.conn == conn)
            .map(|(id, _)| *id)
            .collect();
        self.remove(ids)
    }

    /// When the first state expires under `timeout`, if any can.
    pub fn next_expiry(&self, timeout: Duration) -> Option<Instant> {
        self.states
            .values()
            .filter(|e| e.conn != SERVER)
            .map(|e| e.seen + timeout)
            .min()
    }

    /// Removes states not refreshed within `timeout`; returns the removal to relay.
    pub fn expire(&mut self, now: Instant, timeout: Duration) -> Option<AwarenessUpdate> {
        let ids: Vec<u64> = self
            .states
            .iter()
            .filter(|(_, e)| e.conn != SERVER && now.duration_since(e.seen) >= timeout)
            .map(|(id, _)| *id)
            .collect();
        self.remove(ids)
    }

    fn remove(&mut self, ids: Vec<u64>) -> Option<AwarenessUpdate> {
        let clients: HashMap<ClientID, AwarenessUpdateEntry> = ids
            .into_iter()
            .filter_map(|id| self.states.remove(&id).map(|e| removal(id, e.clock + 1)))
            .collect();
        (!clients.is_empty()).then_some(AwarenessUpdate { clients })
    }
}

/// A client's presence state (a JSON object) with its `user` field set to `identity` (JSON);
/// `None` when the state is not an object. The other fields are copied as they came, without
/// being parsed into values: this runs for every presence update of every client.
fn with_identity(state: &str, identity: &str) -> Option<String> {
    let fields: BTreeMap<String, &RawValue> = serde_json::from_str(state).ok()?;
    let mut out = Vec::with_capacity(state.len() + identity.len() + 10);
    out.push(b'{');
    for (key, value) in &fields {
        if key == "user" {
            continue;
        }
        serde_json::to_writer(&mut out, key).ok()?;
        out.push(b':');
        out.extend_from_slice(value.get().as_bytes());
        out.push(b',');
    }
    out.extend_from_slice(b"\"user\":");
    out.extend_from_slice(identity.as_bytes());
    out.push(b'}');
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_gets_the_servers_identity_and_keeps_everything_else_as_sent() {
        let identity = r##"{"id":"u1","name":"Ada","color":"#e6194b"}"##;
        let sent = r#"{ "cursor": {"anchor": [1, 2], "head": null}, "user": {"name": "Mallory"},
            "we\"ird": "x\u00e9", "n": 1.50 }"#;
        let out = with_identity(sent, identity).unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            v["user"],
            serde_json::from_str::<serde_json::Value>(identity).unwrap()
        );
        assert_eq!(v["cursor"]["anchor"][1], 2);
        assert!(v["cursor"]["head"].is_null());
        assert_eq!(v["we\"ird"], "x\u{e9}");
        assert_eq!(v.as_object().unwrap().len(), 4);
        // Copied, not re-encoded: the number keeps the digits it was sent with.
        assert!(out.contains("1.50"));
        // An object without a user gets one; anything but an object is not presence.
        assert!(with_identity("{}", identity).unwrap().contains("Ada"));
        for not_presence in ["[]", "\"x\"", "3", "{", ""] {
            assert!(
                with_identity(not_presence, identity).is_none(),
                "{not_presence}"
            );
        }
    }

    fn client_update(client: u64, json: &str) -> AwarenessUpdate {
        let mut clients = HashMap::new();
        clients.insert(
            ClientID::new(client),
            AwarenessUpdateEntry {
                clock: 1,
                json: Arc::from(json),
            },
        );
        AwarenessUpdate { clients }
    }

    #[test]
    fn a_server_writers_state_never_expires_and_no_client_can_take_it_over() {
        let mut p = Presence::default();
        let now = Instant::now();
        let relay = p
            .set_server(77, Some(r#"{"user":{"name":"AI (for Ada)"}}"#.into()), now)
            .unwrap();
        assert_eq!(relay.clients.len(), 1);
        // A client sending a state under the writer's id changes nothing.
        let someone = r#"{"id":"mallory"}"#;
        assert!(p.apply(5, someone, client_update(77, "{}"), now).is_none());
        assert!(
            p.expire(now + Duration::from_secs(3600), Duration::from_secs(1))
                .is_none()
        );
        assert!(
            p.full().unwrap().clients[&ClientID::new(77)]
                .json
                .contains("AI (for Ada)")
        );
        // Clearing removes it, with a newer clock so clients drop it.
        let gone = p.set_server(77, None, now).unwrap();
        assert_eq!(&*gone.clients[&ClientID::new(77)].json, "null");
        assert!(p.full().is_none());
    }
}
