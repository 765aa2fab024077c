//! Wire types of the identity routes.

use serde::{Deserialize, Serialize};
use spectree_app::store::identity::api_tokens::ApiToken;
use spectree_app::store::identity::sessions::Session;
use spectree_app::store::identity::users::User;
use spectree_domain::ids::{OrgId, SessionId, TokenId, UserId};
use spectree_domain::org::Role;
use utoipa::ToSchema;

use crate::views::{time, time_opt};

/// A user account.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    /// Id.
    pub id: UserId,
    /// Email address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Whether the address is verified.
    pub email_verified: bool,
    /// Whether the user administers the instance.
    pub instance_admin: bool,
    /// Created (RFC 3339).
    pub created_at: String,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            email: u.email.clone(),
            name: u.name.clone(),
            email_verified: u.email_verified_at.is_some(),
            instance_admin: u.instance_admin,
            created_at: time(u.created_at),
        }
    }
}

/// A new session: the cookie is set on the response; writes must echo `csrf_token` in the
/// `X-CSRF-Token` header.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionCreatedView {
    /// The signed-in user.
    pub user: UserView,
    /// The session's id.
    pub session_id: SessionId,
    /// Token for the `X-CSRF-Token` header.
    pub csrf_token: String,
    /// Absolute expiry (RFC 3339).
    pub expires_at: String,
}

/// Result of a sign-up.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignupView {
    /// The new account.
    pub user: UserView,
    /// The address must be verified before signing in (no session was opened).
    pub verification_required: bool,
    /// The session opened, when no verification is required.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionCreatedView>,
}

/// Sign-up request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    /// Email address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Password.
    pub password: String,
    /// Token of an invitation to this address.
    #[serde(default)]
    pub invitation_token: Option<String>,
}

/// Log-in request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Email address.
    pub email: String,
    /// Password.
    pub password: String,
}

/// A mailed token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// The token from the link.
    pub token: String,
}

/// Password-reset request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    /// The account's email address.
    pub email: String,
}

/// New password with a reset token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetConfirmRequest {
    /// The token from the link.
    pub token: String,
    /// The new password.
    pub password: String,
}

/// Whether the instance still needs its first administrator.
#[derive(Debug, Serialize, ToSchema)]
pub struct SetupStatusView {
    /// True until the first instance administrator exists.
    pub required: bool,
}

/// First administrator.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetupRequest {
    /// The one-time code printed in the server log.
    pub code: String,
    /// Email address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Password.
    pub password: String,
}

/// An organization the user belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipView {
    /// Organization id.
    pub org_id: OrgId,
    /// Its name.
    pub name: String,
    /// Its slug.
    pub slug: String,
    /// The user's organization role, if any.
    pub role: Option<Role>,
}

/// The current user.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    /// The account.
    pub user: UserView,
    /// Organizations the user belongs to.
    pub organizations: Vec<MembershipView>,
    /// The session's CSRF token (cookie-authenticated requests only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
}

/// A live session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// Id.
    pub id: SessionId,
    /// Signed in (RFC 3339).
    pub created_at: String,
    /// Last activity (RFC 3339).
    pub last_seen_at: String,
    /// Absolute expiry (RFC 3339).
    pub expires_at: String,
    /// Address at sign-in.
    pub ip: Option<String>,
    /// Browser at sign-in.
    pub user_agent: Option<String>,
    /// Whether this is the session making the request.
    pub current: bool,
}

impl SessionView {
    /// A view of a stored session.
    pub fn new(s: &Session, current: Option<SessionId>) -> Self {
        Self {
            id: s.id,
            created_at: time(s.created_at),
            last_seen_at: time(s.last_seen_at),
            expires_at: time(s.expires_at),
            ip: s.ip.clone(),
            user_agent: s.user_agent.clone(),
            current: current == Some(s.id),
        }
    }
}

/// New API token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenRequest {
    /// A label.
    pub name: String,
    /// Lifetime in days (1 to 3650); no expiry when absent.
    #[serde(default)]
    pub expires_in_days: Option<u32>,
}

/// An API token (without its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    /// Id.
    pub id: TokenId,
    /// Label.
    pub name: String,
    /// First characters of the secret.
    pub prefix: String,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last used (RFC 3339).
    pub last_used_at: Option<String>,
    /// Expiry (RFC 3339).
    pub expires_at: Option<String>,
}

impl From<&ApiToken> for TokenView {
    fn from(t: &ApiToken) -> Self {
        Self {
            id: t.id,
            name: t.name.clone(),
            prefix: t.prefix.clone(),
            created_at: time(t.created_at),
            last_used_at: time_opt(t.last_used_at),
            expires_at: time_opt(t.expires_at),
        }
    }
}

/// A token just created; the secret is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenCreatedView {
    /// The token.
    pub token: TokenView,
    /// Use as `Authorization: Bearer <secret>`. Not retrievable later.
    pub secret: String,
}
