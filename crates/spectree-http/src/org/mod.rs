//! Routes of the organization domain: organizations, members, teams and invitations.

mod invitations;
mod members;
mod orgs;
mod teams;
mod views;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// The organization routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(orgs::create_org))
        .routes(routes!(orgs::get_org))
        .routes(routes!(members::list_org_members))
        .routes(routes!(members::set_org_member, members::remove_org_member))
        .routes(routes!(teams::create_team, teams::list_teams))
        .routes(routes!(teams::get_team, teams::update_team))
        .routes(routes!(teams::list_team_members))
        .routes(routes!(teams::set_team_member, teams::remove_team_member))
        .routes(routes!(
            invitations::create_invitation,
            invitations::list_invitations
        ))
        .routes(routes!(invitations::revoke_invitation))
        .routes(routes!(invitations::accept_invitation))
}
