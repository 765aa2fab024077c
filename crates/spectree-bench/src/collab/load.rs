//! The load: N y-websocket clients over R rooms, each client sending presence once a second
//! and one client per room (its editor) one edit a second. Every message is stamped with
//! the time it was meant to be sent (a marker in its bytes names the sender and the round),
//! so a receiver measures delivery from the intended time: a late sender does not hide the
//! delay (no coordinated omission).

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpSocket;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use yrs::sync::awareness::{AwarenessUpdate, AwarenessUpdateEntry};
use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{ClientID, Doc, Options, ReadTxn, StateVector, Text, Transact, Update};

/// One client of the plan: where it connects and which node serves it.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// `ws://host:port/path?query` of its room.
    pub url: String,
    /// Index of the server node (for same-node vs cross-node latency).
    pub node: usize,
}

/// What to run.
pub struct Plan {
    /// `rooms[r][k]`: client `k` of room `r`; client 0 is the room's editor.
    pub rooms: Vec<Vec<Endpoint>>,
    /// Measured time.
    pub duration: Duration,
    /// How many 127.0.0.x source addresses to spread connections over.
    pub sources: u8,
}

/// What the receivers saw.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    /// Update delivery latencies (µs), sender and receiver on one node.
    pub update_same: Vec<u64>,
    /// ... on different nodes.
    pub update_cross: Vec<u64>,
    /// Presence delivery latencies (µs), one node.
    pub presence_same: Vec<u64>,
    /// ... different nodes.
    pub presence_cross: Vec<u64>,
    /// Update frames the plan expects receivers to get.
    pub updates_expected: u64,
    /// Presence frames expected.
    pub presence_expected: u64,
    /// Sends that left later than 10 ms after their intended time.
    pub late_sends: u64,
    /// Sends in all.
    pub sends: u64,
    /// Clients whose socket closed or failed during the run.
    pub dropped: u64,
}

/// When each client's sends are due.
struct Schedule {
    start: Instant,
    rounds: u64,
    /// Per client (global index): offset of its presence within each second.
    presence_offset: Vec<Duration>,
    /// Per client: its node and its room.
    node: Vec<usize>,
    /// Per room: offset of its edit within each second.
    edit_offset: Vec<Duration>,
    /// Per room: node of its editor.
    editor_node: Vec<usize>,
}

impl Schedule {
    fn presence_at(&self, client: usize, round: u64) -> Instant {
        self.start + self.presence_offset[client] + Duration::from_secs(round)
    }
    fn edit_at(&self, room: usize, round: u64) -> Instant {
        self.start + self.edit_offset[room] + Duration::from_secs(round)
    }
}

/// Runs the plan; returns what the receivers measured.
pub async fn run(plan: &Plan) -> anyhow::Result<Outcome> {
    let total: usize = plan.rooms.iter().map(Vec::len).sum();
    let mut node = Vec::with_capacity(total);
    let mut presence_offset = Vec::with_capacity(total);
    for room in &plan.rooms {
        for e in room {
            let g = node.len();
            node.push(e.node);
            presence_offset.push(Duration::from_micros(
                (g as u64 * 1_000_000 / total.max(1) as u64) % 1_000_000,
            ));
        }
    }
    let rooms = plan.rooms.len();
    let edit_offset = (0..rooms)
        .map(|r| {
            Duration::from_micros(
                ((r as u64 * 1_000_000 / rooms.max(1) as u64) + 500_000) % 1_000_000,
            )
        })
        .collect();
    let editor_node = plan
        .rooms
        .iter()
        .map(|r| r.first().map_or(0, |e| e.node))
        .collect();

    // Connect everyone first (a few at a time), then start the clock.
    let mut sockets = Vec::with_capacity(total);
    let mut g = 0usize;
    for (r, room) in plan.rooms.iter().enumerate() {
        for (k, e) in room.iter().enumerate() {
            let source = Ipv4Addr::new(127, 0, 0, 1 + (g % usize::from(plan.sources.max(1))) as u8);
            sockets.push((g, r, k, e.clone(), source));
            g += 1;
        }
    }
    let mut connected = Vec::with_capacity(total);
    for chunk in sockets.chunks(64) {
        let mut joins = Vec::new();
        for (g, r, k, e, source) in chunk.iter().cloned() {
            joins.push(tokio::spawn(async move {
                let ws = connect(&e.url, source).await?;
                anyhow::Ok((g, r, k, e, ws))
            }));
        }
        for j in joins {
            connected.push(j.await??);
        }
    }
    let schedule = Arc::new(Schedule {
        start: Instant::now() + Duration::from_secs(2),
        rounds: plan.duration.as_secs().max(1),
        presence_offset,
        node,
        edit_offset,
        editor_node,
    });
    let mut tasks = Vec::with_capacity(total);
    for (g, r, k, e, ws) in connected {
        let schedule = schedule.clone();
        let room_size = plan.rooms[r].len();
        tasks.push(tokio::spawn(client(
            ws,
            g,
            r,
            k == 0,
            e.node,
            room_size,
            schedule,
        )));
    }
    let mut out = Outcome::default();
    for t in tasks {
        let o = t.await.context("a client task failed")?;
        out.update_same.extend(o.update_same);
        out.update_cross.extend(o.update_cross);
        out.presence_same.extend(o.presence_same);
        out.presence_cross.extend(o.presence_cross);
        out.updates_expected += o.updates_expected;
        out.presence_expected += o.presence_expected;
        out.late_sends += o.late_sends;
        out.sends += o.sends;
        out.dropped += o.dropped;
    }
    Ok(out)
}

pub(crate) type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

pub(crate) async fn connect(url: &str, source: Ipv4Addr) -> anyhow::Result<Ws> {
    let rest = url.strip_prefix("ws://").context("only ws:// URLs")?;
    let host = rest.split('/').next().unwrap_or(rest);
    let addr: SocketAddr = host.parse().with_context(|| format!("host of {url}"))?;
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(IpAddr::V4(source), 0))?;
    let stream = socket
        .connect(addr)
        .await
        .with_context(|| format!("connecting to {addr}"))?;
    stream.set_nodelay(true)?;
    let (ws, _) = tokio_tungstenite::client_async(url, stream)
        .await
        .with_context(|| format!("WebSocket handshake with {url}"))?;
    Ok(ws)
}

const MARK: u8 = b'~';

/// Markers `~<kind><a>.<b>~` in a message.
fn markers(bytes: &[u8], kind: u8) -> Vec<(u64, u64)> {
    let mut found = Vec::new();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == MARK && bytes[i + 1] == kind {
            let mut j = i + 2;
            let mut nums = [0u64; 2];
            let mut which = 0;
            let mut digits = [0usize; 2];
            let mut ok = false;
            while j < bytes.len() {
                match bytes[j] {
                    b'0'..=b'9' => {
                        nums[which] = nums[which] * 10 + u64::from(bytes[j] - b'0');
                        digits[which] += 1;
                    }
                    b'.' if which == 0 && digits[0] > 0 => which = 1,
                    MARK if which == 1 && digits[1] > 0 => {
                        ok = true;
                        break;
                    }
                    _ => break,
                }
                j += 1;
            }
            if ok {
                found.push((nums[0], nums[1]));
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    found
}

/// One client: sends on schedule, measures what arrives, until the last round plus a grace.
async fn client(
    ws: Ws,
    me: usize,
    room: usize,
    editor: bool,
    my_node: usize,
    room_size: usize,
    s: Arc<Schedule>,
) -> Outcome {
    let mut out = Outcome::default();
    let others = (room_size - 1) as u64;
    out.presence_expected = s.rounds * others;
    if editor {
        out.updates_expected = s.rounds * others;
    }
    let (mut sink, mut stream) = ws.split();
    let client_id = 1_000_000 + me as u64;
    let doc = Doc::with_options(Options {
        client_id: ClientID::new(client_id),
        ..Options::default()
    });
    let title = doc.get_or_insert_text("title");
    // As a stock client: ask for the server's state.
    let hello = Message::Sync(SyncMessage::SyncStep1(StateVector::default())).encode_v1();
    if sink.send(WsMessage::Binary(hello.into())).await.is_err() {
        out.dropped = 1;
        return out;
    }
    let end = s.start + Duration::from_secs(s.rounds) + Duration::from_secs(2);
    let mut presence_round = 0u64;
    let mut edit_round = 0u64;
    let mut last_marker = 0u32;
    let mut seen: HashSet<(u8, u64, u64)> = HashSet::new();
    let mut closed = false;
    loop {
        let next_presence = (presence_round < s.rounds).then(|| s.presence_at(me, presence_round));
        let next_edit = (editor && edit_round < s.rounds).then(|| s.edit_at(room, edit_round));
        let wake = [next_presence, next_edit, Some(end)]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(end);
        tokio::select! {
            msg = stream.next(), if !closed => match msg {
                Some(Ok(WsMessage::Binary(b))) => {
                    let now = Instant::now();
                    let own_room = editor.then_some(room);
                    receive(&b, now, me, own_room, my_node, &s, &mut seen, &mut out);
                    absorb(&doc, &b, &mut sink).await;
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => {
                    closed = true;
                    out.dropped = 1;
                }
            },
            _ = tokio::time::sleep_until(wake) => {
                let now = Instant::now();
                if now >= end {
                    break;
                }
                if next_presence.is_some_and(|t| t <= now) {
                    let due = s.presence_at(me, presence_round);
                    let state = format!(
                        r#"{{"user":{{"name":"bench {me}"}},"cursor":"~p{me}.{presence_round}~"}}"#
                    );
                    let update = AwarenessUpdate {
                        clients: HashMap::from([(
                            ClientID::new(client_id),
                            AwarenessUpdateEntry { clock: presence_round as u32 + 1, json: state.into() },
                        )]),
                    };
                    let f = Message::Awareness(update).encode_v1();
                    out.sends += 1;
                    if now.duration_since(due) > Duration::from_millis(10) {
                        out.late_sends += 1;
                    }
                    if sink.send(WsMessage::Binary(f.into())).await.is_err() {
                        closed = true;
                    }
                    presence_round += 1;
                }
                if next_edit.is_some_and(|t| t <= now) {
                    let due = s.edit_at(room, edit_round);
                    let marker = format!("~e{room}.{edit_round}~");
                    let update = {
                        let mut txn = doc.transact_mut();
                        let len = title.len(&txn);
                        if last_marker > 0 && len >= last_marker {
                            title.remove_range(&mut txn, len - last_marker, last_marker);
                        }
                        let len = title.len(&txn);
                        title.insert(&mut txn, len, &marker);
                        txn.encode_update_v1()
                    };
                    last_marker = marker.len() as u32;
                    let f = Message::Sync(SyncMessage::Update(update)).encode_v1();
                    out.sends += 1;
                    if now.duration_since(due) > Duration::from_millis(10) {
                        out.late_sends += 1;
                    }
                    if sink.send(WsMessage::Binary(f.into())).await.is_err() {
                        closed = true;
                    }
                    edit_round += 1;
                }
            }
        }
    }
    let _ = sink.close().await;
    out
}

/// Records the markers of a received frame (`edits_of`: the room whose editor this is).
#[allow(clippy::too_many_arguments)]
fn receive(
    b: &[u8],
    now: Instant,
    me: usize,
    edits_of: Option<usize>,
    my_node: usize,
    s: &Schedule,
    seen: &mut HashSet<(u8, u64, u64)>,
    out: &mut Outcome,
) {
    let kind = match b.first() {
        Some(0) if b.get(1) == Some(&2) => b'e',
        Some(1) => b'p',
        _ => return,
    };
    for (who, round) in markers(b, kind) {
        if round >= s.rounds || !seen.insert((kind, who, round)) {
            continue;
        }
        let who = who as usize;
        if kind == b'p' {
            if who == me || who >= s.node.len() {
                continue;
            }
            let lat = now.saturating_duration_since(s.presence_at(who, round));
            let v = if s.node[who] == my_node {
                &mut out.presence_same
            } else {
                &mut out.presence_cross
            };
            v.push(lat.as_micros() as u64);
        } else {
            // Some servers echo an update to its sender.
            if who >= s.edit_offset.len() || edits_of == Some(who) {
                continue;
            }
            let lat = now.saturating_duration_since(s.edit_at(who, round));
            let v = if s.editor_node[who] == my_node {
                &mut out.update_same
            } else {
                &mut out.update_cross
            };
            v.push(lat.as_micros() as u64);
        }
    }
}

/// Every client keeps its document in step with the server's as a stock client does (sync
/// step 1 and 2, updates); the editor's edits so have the right origins.
async fn absorb(doc: &Doc, b: &[u8], sink: &mut futures_util::stream::SplitSink<Ws, WsMessage>) {
    let Ok(msg) = Message::decode_v1(b) else {
        return;
    };
    match msg {
        Message::Sync(SyncMessage::SyncStep1(sv)) => {
            let update = doc.transact().encode_state_as_update_v1(&sv);
            let f = Message::Sync(SyncMessage::SyncStep2(update)).encode_v1();
            let _ = sink.send(WsMessage::Binary(f.into())).await;
        }
        Message::Sync(SyncMessage::SyncStep2(u) | SyncMessage::Update(u)) => {
            if let Ok(u) = Update::decode_v1(&u) {
                let _ = doc.transact_mut().apply_update(u);
            }
        }
        _ => {}
    }
}

/// Checks a plan before connecting anything: every room needs a receiver besides its editor.
pub fn check(plan: &Plan) -> anyhow::Result<()> {
    if plan.rooms.iter().any(|r| r.len() < 2) {
        bail!("every room needs at least two clients");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::markers;

    #[test]
    fn markers_are_found_between_other_bytes() {
        let b = b"\x01\x02~p12.3~xx~e4.56~~p1.~";
        assert_eq!(markers(b, b'p'), vec![(12, 3)]);
        assert_eq!(markers(b, b'e'), vec![(4, 56)]);
    }
}
