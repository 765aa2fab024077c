//! Verifying every chain: from the genesis or the newest retention cut, record by record, to
//! the head kept outside the log; a cut must be attested by a record in the chain.

use spectree_domain::audit::{ChainBreak, ChainVerifier};
use spectree_domain::ids::OrgId;
use spectree_store::StoreResult;
use spectree_store::audit::retention;

use crate::App;

/// Records read per page while verifying.
const VERIFY_PAGE: u32 = 2000;

/// The outcome for one chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// The chain (the nil id is the instance's).
    pub org_id: OrgId,
    /// The head's seq and hash, to keep elsewhere and compare later.
    pub head_seq: i64,
    /// The head's hash.
    pub head_hash: String,
    /// Where verification started (a retention cut), 0 for the genesis.
    pub from_seq: i64,
    /// Intact (with the number of records checked), or the first break.
    pub status: ChainStatus,
}

/// Whether a chain holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainStatus {
    /// Every link holds; this many records were checked.
    Intact(u64),
    /// The first link that does not hold.
    Broken(ChainBreak),
    /// Records were removed behind a cut that no `audit.retention_applied` record attests.
    UnattestedCut(i64),
}

impl App {
    /// Chains pending records, then verifies every chain.
    pub async fn verify_audit(&self) -> StoreResult<Vec<ChainReport>> {
        self.chain_audit().await?;
        let mut c = self.store().read().await?;
        let heads = spectree_store::audit::heads(&mut c).await?;
        let mut out = Vec::with_capacity(heads.len());
        for head in heads {
            let cut = retention::latest_cut(&mut c, head.org_id).await?;
            let (from_seq, mut v) = match &cut {
                Some(k) => (
                    k.through_seq,
                    ChainVerifier::after(k.through_seq, k.through_hash.clone()),
                ),
                None => (0, ChainVerifier::default()),
            };
            let mut after = from_seq;
            let mut attested = cut.is_none();
            let mut broken = None;
            'pages: loop {
                let page =
                    spectree_store::audit::list(&mut c, head.org_id, after, VERIFY_PAGE).await?;
                let Some(last) = page.last() else { break };
                after = last.seq;
                for r in &page {
                    if let Err(b) = v.push(r) {
                        broken = Some(b);
                        break 'pages;
                    }
                    if let Some(k) = &cut
                        && r.event.action == "audit.retention_applied"
                        && r.event.data["through_seq"] == k.through_seq
                        && r.event.data["through_hash"] == k.through_hash.as_str()
                    {
                        attested = true;
                    }
                }
            }
            let status = match broken {
                Some(b) => ChainStatus::Broken(b),
                None => match v.finish(head.seq, &head.hash) {
                    Err(b) => ChainStatus::Broken(b),
                    Ok(_) if !attested => ChainStatus::UnattestedCut(from_seq),
                    Ok(n) => ChainStatus::Intact(n),
                },
            };
            out.push(ChainReport {
                org_id: head.org_id,
                head_seq: head.seq,
                head_hash: head.hash,
                from_seq,
                status,
            });
        }
        Ok(out)
    }
}
