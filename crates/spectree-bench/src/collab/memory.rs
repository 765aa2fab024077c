//! `spectree-bench collab-memory`: resident memory per idle loaded document. Documents of a
//! given size are built through the protocol on one server process; a second process on the
//! same data directory then loads them (one client syncs each and leaves; rooms stay loaded
//! for their grace period) and the growth of its resident set is divided by their number.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use clap::Args;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Doc, GetString, ReadTxn, StateVector, Text, Transact};

use super::load::connect;
use super::targets::{self, Running, SpectreeOptions};
use crate::server::proc_usage;
use crate::text::Rng;

/// Options of `collab-memory`.
#[derive(Args)]
pub struct MemoryArgs {
    /// Documents per size.
    #[arg(long, default_value_t = 100)]
    pub docs: usize,
    /// Sizes in KB: 2 and 50 are typed text; 400 is an edit-heavy document (random inserts
    /// and deletes until its encoded Yjs state reaches the size).
    #[arg(long, value_delimiter = ',', default_value = "2,50,400")]
    pub sizes_kb: Vec<usize>,
    /// CPUs for the server (`taskset -c`).
    #[arg(long)]
    pub server_cpus: Option<String>,
    /// The `spectree` binary (default: next to this one).
    #[arg(long)]
    pub server_bin: Option<PathBuf>,
    /// `SPECTREE_LOG` for spectree.
    #[arg(long, default_value = "warn,spectree::server=info")]
    pub server_log: String,
}

/// Runs `collab-memory`.
pub async fn memory(args: MemoryArgs) -> anyhow::Result<()> {
    ensure!(args.docs > 0, "--docs must be at least 1");
    let bin = super::server_binary(args.server_bin.as_deref())?;
    println!(
        "| document | encoded state | visible text | documents | RSS before / after loading | per document |\n|---|---|---|---|---|---|"
    );
    for &kb in &args.sizes_kb {
        let dir = tempfile::Builder::new()
            .prefix("spectree-bench-memory-")
            .tempdir()?;
        let opts = SpectreeOptions {
            bin: &bin,
            dir: dir.path(),
            cpus: args.server_cpus.as_deref(),
            log: &args.server_log,
            cluster: None,
            config: "[collab]\nroom_grace = \"1h\"\n",
        };
        let running = targets::spectree(&opts, args.docs, "").await?;
        let (update, state_bytes, text_bytes) = content(kb);
        for r in 0..args.docs {
            let mut sock = connect(&running.url(r, 0), Ipv4Addr::LOCALHOST).await?;
            let f = Message::Sync(SyncMessage::Update(update.clone())).encode_v1();
            sock.send(WsMessage::Binary(f.into())).await?;
            // The room handles messages in order and stores an update before anything
            // after it: the answer to a sync step 1 means the update is stored.
            sync(&mut sock).await?;
            sock.close(None).await.ok();
        }
        let (token, items) = match &running {
            Running::Spectree { token, items, .. } => (token.clone(), items.clone()),
            Running::Reference { .. } => bail!("memory runs measure spectree"),
        };
        running.stop().await?;
        // A fresh process on the same data: nothing of the building is left in its heap.
        let wrapper = dir.path().join("node0.sh");
        let (mut child, base) =
            restart(&wrapper, &dir.path().join("node0"), &args.server_log).await?;
        let pid = child.id().context("the server exited")?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let before = proc_usage(pid)?.rss_kib;
        let ws = base.replacen("http://", "ws://", 1);
        for item in &items {
            let url = format!("{ws}/collab/{item}?token={token}");
            let mut sock = connect(&url, Ipv4Addr::LOCALHOST).await?;
            sync(&mut sock).await?;
            sock.close(None).await.ok();
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
        let after = proc_usage(pid)?.rss_kib;
        child.kill().await.ok();
        println!(
            "| {kb} KB{} | {:.0} KB | {:.0} KB | {} | {:.1} / {:.1} MB | {:.0} KB |",
            if kb >= 400 { " (edit-heavy)" } else { "" },
            state_bytes as f64 / 1024.0,
            text_bytes as f64 / 1024.0,
            args.docs,
            before as f64 / 1024.0,
            after as f64 / 1024.0,
            after.saturating_sub(before) as f64 / args.docs as f64,
        );
    }
    Ok(())
}

/// The description of a document of `kb`, as one update that applies to any item's
/// document (its only parent is the `description` root); with its encoded state and visible
/// text sizes. Up to 50 KB it is typed text; from 400 KB on it is edit-heavy: short inserts
/// at random places and deletions of a third as much, until the encoded state reaches `kb`.
fn content(kb: usize) -> (Vec<u8>, usize, usize) {
    let mut rng = Rng::new(kb as u64);
    let doc = Doc::new();
    let text = doc.get_or_insert_text("description");
    let target = kb * 1024;
    if kb >= 400 {
        let mut ops = 0usize;
        loop {
            let mut txn = doc.transact_mut();
            let len = text.len(&txn) as usize;
            if rng.below(3) == 0 && len > 20 {
                let at = rng.below(len - 10) as u32;
                text.remove_range(&mut txn, at, 1 + rng.below(8) as u32);
            } else {
                let at = rng.below(len + 1) as u32;
                let n = 1 + rng.below(12);
                let word: String = (0..n)
                    .map(|i| char::from(b'a' + ((ops + i) % 26) as u8))
                    .collect();
                text.insert(&mut txn, at, &word);
            }
            drop(txn);
            ops += 1;
            if ops.is_multiple_of(1000) && state(&doc).len() >= target {
                break;
            }
        }
    } else {
        let sentence = "The system records each change with its author and time. ";
        while (text.len(&doc.transact()) as usize) < target {
            let mut txn = doc.transact_mut();
            let len = text.len(&txn);
            text.insert(&mut txn, len, sentence);
        }
    }
    let update = state(&doc);
    let visible = text.get_string(&doc.transact()).len();
    let size = update.len();
    (update, size, visible)
}

fn state(doc: &Doc) -> Vec<u8> {
    doc.transact()
        .encode_state_as_update_v1(&StateVector::default())
}

/// Sends sync step 1 and waits for the server's sync step 2.
async fn sync(sock: &mut super::load::Ws) -> anyhow::Result<()> {
    let f = Message::Sync(SyncMessage::SyncStep1(StateVector::default())).encode_v1();
    sock.send(WsMessage::Binary(f.into())).await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let msg = tokio::time::timeout_at(deadline, sock.next())
            .await
            .context("no sync step 2 within 30 s")?;
        match msg {
            Some(Ok(WsMessage::Binary(b))) => {
                if let Ok(Message::Sync(SyncMessage::SyncStep2(_))) = Message::decode_v1(&b) {
                    return Ok(());
                }
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e.into()),
            None => bail!("the server closed the socket"),
        }
    }
}

/// Starts the server again on its data directory (no setup code this time); returns the
/// process and its base URL.
async fn restart(
    wrapper: &Path,
    data: &Path,
    log: &str,
) -> anyhow::Result<(tokio::process::Child, String)> {
    let mut cmd = Command::new(wrapper);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("SPECTREE_") {
            cmd.env_remove(k);
        }
    }
    let mut child = cmd
        .arg("serve")
        .arg("--listen")
        .arg("127.0.0.1:0")
        .arg("--data-dir")
        .arg(data.join("data"))
        .env("SPECTREE_LOG", format!("{log},spectree=info"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let out = child.stdout.take().context("no stdout")?;
    let err = child.stderr.take().context("no stderr")?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for stream in [
        Box::new(out) as Box<dyn tokio::io::AsyncRead + Unpin + Send>,
        Box::new(err),
    ] {
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stream).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(i) = line.find("is listening on http://") {
                    let addr: String = line[i + "is listening on http://".len()..]
                        .chars()
                        .take_while(|c| !c.is_whitespace())
                        .collect();
                    let _ = tx.send(addr);
                }
            }
        });
    }
    let addr = tokio::time::timeout(Duration::from_secs(60), rx.recv())
        .await
        .context("the restarted server did not log its address")?
        .context("the restarted server exited")?;
    Ok((child, format!("http://{addr}")))
}
