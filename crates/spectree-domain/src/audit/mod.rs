//! The audit log's records and its hash chain. Each organization has one chain: a record's
//! hash covers its content and the previous record's hash, so changing or removing any
//! record breaks every hash after it.

mod retention;
mod verify;

pub use retention::{RetentionError, RetentionPolicy};
pub use verify::{ChainBreak, ChainVerifier};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::Timestamp;
use crate::ids::{AuditId, OrgId, UserId};

/// The hash before the first record of a chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One thing that happened, as the use case that did it describes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEvent {
    /// The chain it belongs to ([`OrgId::INSTANCE`] for instance-level events).
    pub org_id: OrgId,
    /// Who did it, when known.
    pub actor_id: Option<UserId>,
    /// Stable dotted name, e.g. `auth.login_failed`.
    pub action: String,
    /// The kind of object it happened to, e.g. `user`, `team`.
    pub target_kind: String,
    /// That object's id.
    pub target_id: Option<String>,
    /// Client address, when it came over the network.
    pub ip: Option<String>,
    /// The client's `User-Agent`, when it sent one. Left out of the hashed form when absent,
    /// so records written before it was recorded keep their hashes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// Further facts, small and free of secrets.
    pub data: serde_json::Value,
}

/// A record as stored: the event plus its place in the chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRecord {
    /// Record id.
    pub id: AuditId,
    /// Position in the organization's chain, from 1.
    pub seq: i64,
    /// When it was written.
    pub at: Timestamp,
    /// The event.
    #[serde(flatten)]
    pub event: AuditEvent,
    /// Hash of the previous record (or [`GENESIS_HASH`]).
    pub prev_hash: String,
    /// This record's hash.
    pub hash: String,
}

/// Computes a record's hash from its content and the previous hash. The content is hashed
/// as canonical JSON (fixed field order, as declared) so any implementation can verify it.
pub fn chain_hash(
    prev_hash: &str,
    id: AuditId,
    seq: i64,
    at: Timestamp,
    event: &AuditEvent,
) -> String {
    #[derive(Serialize)]
    struct Canonical<'a> {
        id: AuditId,
        seq: i64,
        at: i64,
        event: &'a AuditEvent,
    }
    let body = serde_json::to_vec(&Canonical {
        id,
        seq,
        at: at.0,
        event,
    })
    .unwrap_or_default();
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(&body);
    hex::encode(h.finalize())
}

/// Checks a run of consecutive records of one chain that starts after `prev_hash`; returns
/// the seq of the first record whose hash or link does not hold.
pub fn verify_chain(records: &[AuditRecord], mut prev_hash: String) -> Result<(), i64> {
    for r in records {
        let want = chain_hash(&prev_hash, r.id, r.seq, r.at, &r.event);
        if r.prev_hash != prev_hash || r.hash != want {
            return Err(r.seq);
        }
        prev_hash = r.hash.clone();
    }
    Ok(())
}

/// Whether an action name is well formed: dotted lower-case words (`auth.login_failed`).
pub fn is_action_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.split('.').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit())
        })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn record(prev: &str, seq: i64, action: &'static str) -> AuditRecord {
        let event = AuditEvent {
            org_id: OrgId::INSTANCE,
            actor_id: None,
            action: action.into(),
            target_kind: "user".into(),
            target_id: Some("u1".into()),
            ip: None,
            user_agent: None,
            data: serde_json::json!({"k": seq}),
        };
        let id = AuditId::new();
        let at = Timestamp(1000 + seq);
        let hash = chain_hash(prev, id, seq, at, &event);
        AuditRecord {
            id,
            seq,
            at,
            event,
            prev_hash: prev.into(),
            hash,
        }
    }

    #[test]
    fn a_chain_verifies_and_any_change_breaks_it() {
        let a = record(GENESIS_HASH, 1, "auth.login");
        let b = record(&a.hash, 2, "auth.logout");
        let chain = vec![a, b];
        assert_eq!(verify_chain(&chain, GENESIS_HASH.into()), Ok(()));

        let mut tampered = chain.clone();
        tampered[0].event.action = "auth.login_failed".into();
        assert_eq!(verify_chain(&tampered, GENESIS_HASH.into()), Err(1));

        let removed = vec![chain[1].clone()];
        assert_eq!(verify_chain(&removed, GENESIS_HASH.into()), Err(2));
    }

    #[test]
    fn an_absent_user_agent_does_not_change_the_hash_form() {
        let r = record(GENESIS_HASH, 1, "auth.login");
        let body = serde_json::to_string(&r.event).unwrap();
        assert!(!body.contains("user_agent"), "{body}");
        let mut with = r.event.clone();
        with.user_agent = Some("curl/8".into());
        assert_ne!(
            chain_hash(GENESIS_HASH, r.id, 1, r.at, &with),
            chain_hash(GENESIS_HASH, r.id, 1, r.at, &r.event)
        );
    }

    #[test]
    fn action_names_are_dotted_lower_case_words() {
        for ok in ["auth.login", "audit.exported", "a_b.c1"] {
            assert!(is_action_name(ok), "{ok}");
        }
        for bad in ["", "Auth.login", "auth..login", "auth.login;", ".x", "a b"] {
            assert!(!is_action_name(bad), "{bad}");
        }
    }
}
