//! Live documents as the use cases see them: who may open an item's socket (sessions, API
//! tokens or short-lived tickets), the host that seeds documents from and projects them into
//! the relational rows, the REST edit that goes through the document, and the recorded
//! concurrent changes to one scalar field.

mod conflicts;
mod host;
mod live;
mod tickets;

pub(crate) use host::{CollabHost, content_of};
pub use tickets::{TICKET_PREFIX, TICKET_TTL};
