//! `spectree audit verify`: checks every audit chain of the configured database, from the
//! genesis or the newest retention cut, to the head kept outside the log.

use std::sync::Arc;

use spectree_app::audit::{ChainReport, ChainStatus};
use spectree_domain::SystemClock;
use spectree_domain::ids::OrgId;

use crate::config::Config;
use crate::server::{build_app, open_store};

/// What `audit verify` found.
#[derive(Debug)]
pub struct Verified {
    /// One line per chain, to print.
    pub lines: Vec<String>,
    /// Whether every chain holds.
    pub intact: bool,
    /// The reports behind the lines.
    pub chains: Vec<ChainReport>,
}

/// Verifies every chain (linking records still waiting to be chained first).
pub async fn verify(config: &Config) -> anyhow::Result<Verified> {
    let store = open_store(config).await?;
    let app = build_app(config, store, Arc::new(SystemClock)).await?;
    let chains = app.verify_audit().await;
    app.store().close().await;
    let chains = chains?;
    let lines = chains.iter().map(line).collect();
    let intact = chains
        .iter()
        .all(|c| matches!(c.status, ChainStatus::Intact(_)));
    Ok(Verified {
        lines,
        intact,
        chains,
    })
}

fn line(c: &ChainReport) -> String {
    let chain = if c.org_id == OrgId::INSTANCE {
        "instance".to_owned()
    } else {
        format!("org {}", c.org_id)
    };
    let from = if c.from_seq > 0 {
        format!(" from retention cut at {}", c.from_seq)
    } else {
        String::new()
    };
    match &c.status {
        ChainStatus::Intact(n) => format!(
            "ok      {chain}: {n} records{from}, head {} {}",
            c.head_seq, c.head_hash
        ),
        ChainStatus::Broken(b) => format!("BROKEN  {chain}: {b}"),
        ChainStatus::UnattestedCut(seq) => format!(
            "BROKEN  {chain}: records up to {seq} were removed without an audit.retention_applied record"
        ),
    }
}
