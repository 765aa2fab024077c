//! Walking a chain record by record and naming the first link that does not hold, including
//! records missing at the end (the chain's head, kept outside the log, says how far it goes).

use super::{AuditRecord, GENESIS_HASH, chain_hash};

/// The first thing wrong with a chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    /// The record's content or hash was changed: its hash does not match what it holds.
    #[error("record {seq} ({id}) was altered: its hash does not match its content")]
    Altered {
        /// Its position.
        seq: i64,
        /// Its id.
        id: String,
    },
    /// The record does not link to the one before it (reordered, or its predecessor was
    /// replaced).
    #[error("record {seq} ({id}) does not link to the record before it")]
    Unlinked {
        /// Its position.
        seq: i64,
        /// Its id.
        id: String,
    },
    /// Records are missing before this one.
    #[error("record {expected} is missing (the next record present is {found})")]
    Missing {
        /// The position that should have come next.
        expected: i64,
        /// The position that came instead.
        found: i64,
    },
    /// The newest records are gone: the head recorded outside the log is further on.
    #[error("records {from} to {to} are missing at the end (the chain head says {to})")]
    Truncated {
        /// First missing position.
        from: i64,
        /// The head's position.
        to: i64,
    },
    /// The last record is not the one the head names.
    #[error("the last record {seq} does not match the chain head")]
    HeadMismatch {
        /// The last record's position.
        seq: i64,
    },
}

/// Checks a chain fed in order, from the genesis or from a retention cut.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    next_seq: i64,
    prev_hash: String,
    checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self::after(0, GENESIS_HASH.to_owned())
    }
}

impl ChainVerifier {
    /// A verifier for a chain whose records up to `seq` (with hash `hash`) were removed by
    /// retention; `after(0, GENESIS_HASH)` is a whole chain.
    pub fn after(seq: i64, hash: String) -> Self {
        Self {
            next_seq: seq + 1,
            prev_hash: hash,
            checked: 0,
        }
    }

    /// Checks the next record.
    pub fn push(&mut self, r: &AuditRecord) -> Result<(), ChainBreak> {
        if r.seq != self.next_seq {
            return Err(ChainBreak::Missing {
                expected: self.next_seq,
                found: r.seq,
            });
        }
        let want = chain_hash(&self.prev_hash, r.id, r.seq, r.at, &r.event);
        if r.hash != want {
            return Err(ChainBreak::Altered {
                seq: r.seq,
                id: r.id.to_string(),
            });
        }
        if r.prev_hash != self.prev_hash {
            return Err(ChainBreak::Unlinked {
                seq: r.seq,
                id: r.id.to_string(),
            });
        }
        self.prev_hash = r.hash.clone();
        self.next_seq += 1;
        self.checked += 1;
        Ok(())
    }

    /// Compares the end of the chain with its head; returns how many records were checked.
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<u64, ChainBreak> {
        let last = self.next_seq - 1;
        if head_seq > last {
            return Err(ChainBreak::Truncated {
                from: self.next_seq,
                to: head_seq,
            });
        }
        if head_seq != last || head_hash != self.prev_hash {
            return Err(ChainBreak::HeadMismatch { seq: last });
        }
        Ok(self.checked)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::record;
    use super::*;

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut out: Vec<AuditRecord> = Vec::new();
        for seq in 1..=n {
            let prev = out
                .last()
                .map_or(GENESIS_HASH.to_owned(), |r| r.hash.clone());
            out.push(record(&prev, seq, "auth.login"));
        }
        out
    }

    fn run(
        v: ChainVerifier,
        records: &[AuditRecord],
        head: &AuditRecord,
    ) -> Result<u64, ChainBreak> {
        let mut v = v;
        for r in records {
            v.push(r)?;
        }
        v.finish(head.seq, &head.hash)
    }

    #[test]
    fn an_intact_chain_verifies_to_its_head() {
        let c = chain(5);
        assert_eq!(run(ChainVerifier::default(), &c, &c[4]), Ok(5));
    }

    #[test]
    fn each_kind_of_tampering_is_named_at_its_first_record() {
        let c = chain(5);
        let mut altered = c.clone();
        altered[2].event.target_id = Some("someone else".into());
        assert!(matches!(
            run(ChainVerifier::default(), &altered, &c[4]),
            Err(ChainBreak::Altered { seq: 3, .. })
        ));

        let mut removed = c.clone();
        removed.remove(1);
        assert_eq!(
            run(ChainVerifier::default(), &removed, &c[4]),
            Err(ChainBreak::Missing {
                expected: 2,
                found: 3
            })
        );

        let mut reordered = c.clone();
        reordered.swap(1, 2);
        (reordered[1].seq, reordered[2].seq) = (2, 3);
        assert!(matches!(
            run(ChainVerifier::default(), &reordered, &c[4]),
            Err(ChainBreak::Altered { seq: 2, .. })
        ));

        assert_eq!(
            run(ChainVerifier::default(), &c[..3], &c[4]),
            Err(ChainBreak::Truncated { from: 4, to: 5 })
        );
    }

    #[test]
    fn a_chain_cut_by_retention_verifies_from_the_cut() {
        let c = chain(5);
        let from_cut = ChainVerifier::after(2, c[1].hash.clone());
        assert_eq!(run(from_cut, &c[2..], &c[4]), Ok(3));
        let wrong_cut = ChainVerifier::after(2, c[0].hash.clone());
        assert!(matches!(
            run(wrong_cut, &c[2..], &c[4]),
            Err(ChainBreak::Altered { seq: 3, .. })
        ));
    }
}
