//! Organizations, teams, members, roles and invitations.

mod access;
mod error;
mod invitations;
mod members;
mod orgs;
mod teams;

pub use error::OrgError;
pub use invitations::{InviteInput, NewInvitation};
pub use orgs::OrgWithRole;
pub use teams::TeamChanges;
