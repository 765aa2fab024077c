//! Organizations, their members, teams, team members and invitations. Every query on a
//! tenant-owned table is scoped by `org_id`.

pub mod invitations;
pub mod members;
pub mod orgs;
pub mod teams;
