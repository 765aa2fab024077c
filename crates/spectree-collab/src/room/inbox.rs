//! What a room does while it waits for the database (docs/decisions/0033): presence is
//! handled at once, every other command is kept, in order, for the room's loop.

use yrs::sync::Message;
use yrs::updates::decoder::Decode;

use super::{Cmd, Room};

/// The y-websocket message type of presence (the first byte of its frames).
const MSG_AWARENESS: u8 = 1;

impl Room {
    /// Waits for `work` (the database) while still taking the room's commands: presence,
    /// which needs no storage, is handled at once, so it never waits behind an append (on
    /// PostgreSQL each waits for a commit's WAL flush); everything else is kept, in order,
    /// for the loop in [`Room::run`].
    pub(super) async fn meanwhile<T>(&mut self, work: impl std::future::Future<Output = T>) -> T {
        tokio::pin!(work);
        let mut open = true;
        loop {
            tokio::select! {
                biased;
                out = &mut work => return out,
                cmd = self.inbox.recv(), if open => match cmd {
                    Some(cmd) => self.take_meanwhile(cmd),
                    None => open = false,
                },
            }
        }
    }

    /// A command that arrived while the room waits for the database: presence (a client's or
    /// another node's) now, anything else later.
    fn take_meanwhile(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Frame { conn, data }
                if data.first() == Some(&MSG_AWARENESS)
                    && data.len() <= self.shared.settings.max_message_bytes =>
            {
                match Message::decode_v1(&data) {
                    Ok(Message::Awareness(update)) => self.on_awareness(conn, update),
                    // Malformed: the loop closes the connection, in order.
                    _ => self.deferred.push_back(Cmd::Frame { conn, data }),
                }
            }
            Cmd::Remote { bytes } => {
                let presence = self
                    .shared
                    .fanout
                    .as_ref()
                    .and_then(|f| f.accept(&bytes))
                    .filter(|r| r.kind == crate::fanout::KIND_AWARENESS);
                match presence {
                    Some(remote) => self.on_remote_presence(&remote.payload),
                    None => self.deferred.push_back(Cmd::Remote { bytes }),
                }
            }
            other => self.deferred.push_back(other),
        }
    }
}
