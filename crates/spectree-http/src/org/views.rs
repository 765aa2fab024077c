//! Wire types of the organization routes.

use serde::{Deserialize, Serialize};
use spectree_app::store::org::invitations::Invitation;
use spectree_app::store::org::members::Member;
use spectree_app::store::org::orgs::Org;
use spectree_app::store::org::teams::{Team, TeamMember};
use spectree_domain::ids::{InvitationId, OrgId, TeamId, UserId};
use spectree_domain::org::Role;
use utoipa::ToSchema;

use crate::views::time;

/// New organization.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrgRequest {
    /// Display name.
    pub name: String,
    /// URL slug (2–48 of a-z, 0-9, single hyphens), unique on the instance.
    pub slug: String,
}

/// An organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgView {
    /// Id.
    pub id: OrgId,
    /// Name.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Created (RFC 3339).
    pub created_at: String,
    /// The caller's organization role, if any.
    pub role: Option<Role>,
}

impl OrgView {
    /// A view of an organization for a caller with `role`.
    pub fn new(o: &Org, role: Option<Role>) -> Self {
        Self {
            id: o.id,
            name: o.name.clone(),
            slug: o.slug.clone(),
            created_at: time(o.created_at),
            role,
        }
    }
}

/// A member of an organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    /// The user.
    pub user_id: UserId,
    /// Email.
    pub email: String,
    /// Name.
    pub name: String,
    /// Organization role (none: sees only their teams).
    pub role: Option<Role>,
    /// Joined (RFC 3339).
    pub joined_at: String,
}

impl From<&Member> for MemberView {
    fn from(m: &Member) -> Self {
        Self {
            user_id: m.user_id,
            email: m.email.clone(),
            name: m.name.clone(),
            role: m.role,
            joined_at: time(m.created_at),
        }
    }
}

/// A member's organization role.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetOrgRoleRequest {
    /// New role; `null` keeps them a member who sees only their teams.
    pub role: Option<Role>,
}

/// New team.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTeamRequest {
    /// Display name.
    pub name: String,
    /// Slug, unique in the organization.
    pub slug: String,
}

/// Team settings to change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTeamRequest {
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// New slug.
    #[serde(default)]
    pub slug: Option<String>,
    /// Whether Viewers may comment.
    #[serde(default)]
    pub viewers_can_comment: Option<bool>,
}

/// A team.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamView {
    /// Id.
    pub id: TeamId,
    /// Organization.
    pub org_id: OrgId,
    /// Name.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Whether Viewers may comment.
    pub viewers_can_comment: bool,
    /// Created (RFC 3339).
    pub created_at: String,
    /// The caller's effective role in the team, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

impl TeamView {
    /// A view of a team for a caller with `role`.
    pub fn new(t: &Team, role: Option<Role>) -> Self {
        Self {
            id: t.id,
            org_id: t.org_id,
            name: t.name.clone(),
            slug: t.slug.clone(),
            viewers_can_comment: t.viewers_can_comment,
            created_at: time(t.created_at),
            role,
        }
    }
}

/// A member of a team.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamMemberView {
    /// The user.
    pub user_id: UserId,
    /// Email.
    pub email: String,
    /// Name.
    pub name: String,
    /// Team role.
    pub role: Role,
    /// Added (RFC 3339).
    pub added_at: String,
}

impl From<&TeamMember> for TeamMemberView {
    fn from(m: &TeamMember) -> Self {
        Self {
            user_id: m.user_id,
            email: m.email.clone(),
            name: m.name.clone(),
            role: m.role,
            added_at: time(m.created_at),
        }
    }
}

/// A team role.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetTeamRoleRequest {
    /// Role in the team (up to admin).
    pub role: Role,
}

/// New invitation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInvitationRequest {
    /// Address to invite.
    pub email: String,
    /// Organization role on acceptance.
    #[serde(default)]
    pub org_role: Option<Role>,
    /// Team to join on acceptance.
    #[serde(default)]
    pub team_id: Option<TeamId>,
    /// Role in that team.
    #[serde(default)]
    pub team_role: Option<Role>,
}

/// An invitation.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationView {
    /// Id.
    pub id: InvitationId,
    /// Organization.
    pub org_id: OrgId,
    /// Invited address.
    pub email: String,
    /// Organization role on acceptance.
    pub org_role: Option<Role>,
    /// Team joined on acceptance.
    pub team_id: Option<TeamId>,
    /// Team role on acceptance.
    pub team_role: Option<Role>,
    /// Who invited.
    pub invited_by: UserId,
    /// Sent (RFC 3339).
    pub created_at: String,
    /// Expires (RFC 3339).
    pub expires_at: String,
}

impl From<&Invitation> for InvitationView {
    fn from(i: &Invitation) -> Self {
        Self {
            id: i.id,
            org_id: i.org_id,
            email: i.email.clone(),
            org_role: i.org_role,
            team_id: i.team_id,
            team_role: i.team_role,
            invited_by: i.invited_by,
            created_at: time(i.created_at),
            expires_at: time(i.expires_at),
        }
    }
}

/// An invitation just sent; the link is also in the mail.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationCreatedView {
    /// The invitation.
    pub invitation: InvitationView,
    /// The acceptance link (only the invited address can accept it).
    pub accept_url: String,
}

/// Accept an invitation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitationRequest {
    /// The token from the link.
    pub token: String,
}

/// Result of accepting an invitation.
#[derive(Debug, Serialize, ToSchema)]
pub struct AcceptedView {
    /// The organization joined.
    pub org_id: OrgId,
}
