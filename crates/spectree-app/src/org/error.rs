//! Errors of the organization use cases.

use spectree_store::StoreError;

use crate::identity::IdentityError;
use crate::secret::SecretError;

/// Why an organization use case did not go through.
#[derive(Debug, thiserror::Error)]
pub enum OrgError {
    /// The object does not exist, or the actor may not know that it does.
    #[error("not found")]
    NotFound,
    /// The actor can see the object but may not do this.
    #[error("you do not have permission to do this")]
    Forbidden,
    /// A name is empty or too long.
    #[error("{0}")]
    InvalidName(String),
    /// A slug breaks the rules.
    #[error("{0}")]
    InvalidSlug(String),
    /// The slug is taken.
    #[error("this slug is already taken")]
    SlugTaken,
    /// The change would leave the organization without an owner.
    #[error("the organization must keep at least one owner")]
    LastOwner,
    /// The actor tried to grant a role above their own.
    #[error("you cannot grant a role above your own")]
    RoleTooHigh,
    /// Team roles go up to Admin; ownership is held at organization level.
    #[error("team roles go up to admin; ownership is held on the organization")]
    TeamOwnerRole,
    /// The user is not a member of the organization.
    #[error("this user is not a member of the organization")]
    NotAMember,
    /// The invitation token is unknown, used, revoked or expired.
    #[error("this invitation is invalid or has expired")]
    InvalidInvitation,
    /// The invitation is addressed to someone else.
    #[error("this invitation is addressed to another email address")]
    InvitationForSomeoneElse,
    /// A field is invalid.
    #[error("{0}")]
    Invalid(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Randomness failed.
    #[error(transparent)]
    Secret(#[from] SecretError),
}

impl From<OrgError> for IdentityError {
    fn from(e: OrgError) -> Self {
        match e {
            OrgError::Store(s) => IdentityError::Store(s),
            OrgError::Secret(s) => IdentityError::Secret(s),
            OrgError::InvalidInvitation | OrgError::InvitationForSomeoneElse => {
                IdentityError::InvalidToken
            }
            other => IdentityError::Invalid(other.to_string()),
        }
    }
}
