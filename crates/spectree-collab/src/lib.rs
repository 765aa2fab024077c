//! Live documents: every work item is a Yjs document, edited by many people at once. A room
//! per open document applies updates to its yrs document, appends them to the durable update
//! log, and only then relays them to the other clients. Awareness (presence, cursors) is
//! relayed with the server filling in each client's identity. Rooms unload after their last
//! client leaves and a grace period; everything in memory can be rebuilt from the database.
//!
//! This crate takes bytes in and hands bytes out; it knows nothing of HTTP or sockets. The
//! host (the use-case layer) supplies a [`Host`] for what needs the rest of the product:
//! the initial content of a document, access checks, and the projection of the document into
//! the relational row.

mod awareness;
mod conflicts;
mod fanout;
mod host;
mod manager;
mod room;
pub mod schema;
mod settings;
mod validate;

pub use fanout::Fanout;
pub use host::{Host, HostFuture, Projection};
pub use manager::{Collab, CollabError, Connection, Outgoing, Principal, Writer, color_of};
pub use settings::CollabSettings;
