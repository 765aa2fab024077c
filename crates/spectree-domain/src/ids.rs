//! Typed UUIDv7 identifiers. Each kind of object has its own newtype so a team id can never be
//! passed where a user id is expected; all are time-ordered, which keeps indexes and cursors
//! cheap.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The string given was not a valid id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid id: {0:?}")]
pub struct InvalidId(pub String);

macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            /// The underlying UUID.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, InvalidId> {
                Uuid::parse_str(s).map(Self).map_err(|_| InvalidId(s.to_owned()))
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .format(Some(utoipa::openapi::schema::SchemaFormat::KnownFormat(
                        utoipa::openapi::schema::KnownFormat::Uuid,
                    )))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

typed_id!(
    /// A person's account on this instance.
    UserId
);
typed_id!(
    /// An organization: the tenant.
    OrgId
);
typed_id!(
    /// A team (workspace) inside an organization.
    TeamId
);
typed_id!(
    /// A server-side session (not its secret cookie value).
    SessionId
);
typed_id!(
    /// A personal API token (not its secret value).
    TokenId
);
typed_id!(
    /// An invitation to join an organization.
    InvitationId
);
typed_id!(
    /// One record of the audit log.
    AuditId
);

typed_id!(
    /// A project: the container of one spec tree.
    ProjectId
);
typed_id!(
    /// A work item (epic, feature, story or task).
    ItemId
);

impl OrgId {
    /// The chain that records instance-level events (sign-ins, sign-ups) which belong to no
    /// single organization.
    pub const INSTANCE: OrgId = OrgId(Uuid::nil());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_strings() {
        let id = UserId::new();
        let parsed: UserId = id.to_string().parse().unwrap();
        assert_eq!(id, parsed);
        assert!("nope".parse::<UserId>().is_err());
    }

    #[test]
    fn ids_are_time_ordered() {
        let a = TeamId::new();
        let b = TeamId::new();
        assert!(a <= b);
        assert_eq!(a.0.get_version_num(), 7);
    }
}

typed_id!(
    /// An AI generation job.
    GenerationId
);
