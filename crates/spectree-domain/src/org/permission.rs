//! The permission matrix. [`authorize`] is the single place that decides whether someone may
//! do something; handlers never compare roles themselves.
//!
//! Seed table (View, Edit, Delete, Admin, Billing) plus Comment:
//!
//! | Role    | View | Comment | Edit | Delete | Admin | Billing |
//! |---------|------|---------|------|--------|-------|---------|
//! | Viewer  | yes  | if team allows | no | no | no | no |
//! | Editor  | yes  | yes     | yes  | no     | no    | no      |
//! | Manager | yes  | yes     | yes  | yes    | no    | no      |
//! | Admin   | yes  | yes     | yes  | yes    | yes   | no      |
//! | Owner   | yes  | yes     | yes  | yes    | yes   | yes     |
//!
//! Organization-level roles apply to every team of the organization; a team-level role adds
//! to them (the stronger of the two counts). Organization resources (settings, members,
//! invitations, billing) are governed by the organization role alone.

use super::Role;

/// What someone wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read the resource.
    View,
    /// Comment on it (and react).
    Comment,
    /// Change its content.
    Edit,
    /// Delete it (to the trash) and purge the trash.
    Delete,
    /// Manage it: members, roles, settings, invitations.
    Admin,
    /// See and change billing.
    Billing,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 6] = [
        Action::View,
        Action::Comment,
        Action::Edit,
        Action::Delete,
        Action::Admin,
        Action::Billing,
    ];
}

/// The kind of object the action is on; it decides which roles count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    /// The organization itself: its settings, members, invitations, billing.
    Organization,
    /// A team and its membership.
    Team,
    /// A project of a team and everything inside it (work items, comments, history).
    Project,
}

impl ResourceKind {
    /// Every kind.
    pub const ALL: [ResourceKind; 3] = [
        ResourceKind::Organization,
        ResourceKind::Team,
        ResourceKind::Project,
    ];
}

/// What one user holds over one resource: the roles that reach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Access {
    /// Role held in the organization, if any. Members may belong to an organization without
    /// an organization-wide role and see only the teams they are in.
    pub org_role: Option<Role>,
    /// Whether the user is a member of the organization at all.
    pub org_member: bool,
    /// Role held in the team that owns the resource, if any.
    pub team_role: Option<Role>,
    /// The team lets its Viewers comment.
    pub viewers_can_comment: bool,
}

/// The outcome of [`authorize`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead.
    Allow,
    /// The user can see the resource but may not do this: answer 403.
    Forbidden,
    /// The user cannot see the resource at all: answer 404, as if it did not exist.
    NotFound,
}

impl Access {
    /// The role that counts for a resource of this kind.
    pub fn effective_role(&self, kind: ResourceKind) -> Option<Role> {
        match kind {
            ResourceKind::Organization => self.org_role,
            ResourceKind::Team | ResourceKind::Project => self.org_role.max(self.team_role),
        }
    }
}

/// Decides whether the holder of `access` may perform `action` on a resource of `kind`.
pub fn authorize(access: &Access, action: Action, kind: ResourceKind) -> Decision {
    // Organization members always see the organization itself (its name, their own teams);
    // everyone else must not learn that it exists.
    let role = match (kind, access.effective_role(kind)) {
        (_, Some(role)) => role,
        (ResourceKind::Organization, None) if access.org_member => {
            return if action == Action::View {
                Decision::Allow
            } else {
                Decision::Forbidden
            };
        }
        (_, None) => return Decision::NotFound,
    };
    let allowed = match action {
        Action::View => true,
        Action::Comment => role >= Role::Editor || access.viewers_can_comment,
        Action::Edit => role >= Role::Editor,
        Action::Delete => role >= Role::Manager,
        Action::Admin => role >= Role::Admin,
        Action::Billing => role >= Role::Owner,
    };
    if allowed {
        Decision::Allow
    } else {
        Decision::Forbidden
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use Decision::*;

    /// The seed table, row by row, with Comment for Viewers when the team does not allow it.
    fn expected(role: Role, action: Action) -> Decision {
        let row: [Decision; 6] = match role {
            Role::Viewer => [Allow, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden],
            Role::Editor => [Allow, Allow, Allow, Forbidden, Forbidden, Forbidden],
            Role::Manager => [Allow, Allow, Allow, Allow, Forbidden, Forbidden],
            Role::Admin => [Allow, Allow, Allow, Allow, Allow, Forbidden],
            Role::Owner => [Allow, Allow, Allow, Allow, Allow, Allow],
        };
        let i = Action::ALL.iter().position(|a| *a == action).unwrap();
        row[i]
    }

    #[test]
    fn every_role_action_and_resource_kind_follows_the_seed_table() {
        for kind in ResourceKind::ALL {
            for role in Role::ALL {
                for action in Action::ALL {
                    // The role held at organization level reaches every kind.
                    let org = Access {
                        org_role: Some(role),
                        org_member: true,
                        ..Access::default()
                    };
                    assert_eq!(
                        authorize(&org, action, kind),
                        expected(role, action),
                        "org {role} {action:?} {kind:?}"
                    );
                    // The role held at team level reaches teams and projects only.
                    let team = Access {
                        org_role: None,
                        org_member: true,
                        team_role: Some(role),
                        viewers_can_comment: false,
                    };
                    let want = match kind {
                        ResourceKind::Organization if action == View => Allow,
                        ResourceKind::Organization => Forbidden,
                        _ => expected(role, action),
                    };
                    assert_eq!(
                        authorize(&team, action, kind),
                        want,
                        "team {role} {action:?} {kind:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn strangers_get_not_found_for_every_action_and_kind() {
        for kind in ResourceKind::ALL {
            for action in Action::ALL {
                assert_eq!(authorize(&Access::default(), action, kind), NotFound);
            }
        }
    }

    #[test]
    fn team_roles_add_to_organization_roles() {
        let a = Access {
            org_role: Some(Role::Viewer),
            org_member: true,
            team_role: Some(Role::Manager),
            viewers_can_comment: false,
        };
        assert_eq!(authorize(&a, Delete, ResourceKind::Project), Allow);
        assert_eq!(authorize(&a, Delete, ResourceKind::Organization), Forbidden);
        let b = Access {
            org_role: Some(Role::Admin),
            org_member: true,
            team_role: Some(Role::Viewer),
            viewers_can_comment: false,
        };
        assert_eq!(authorize(&b, Admin, ResourceKind::Team), Allow);
    }

    #[test]
    fn viewers_comment_only_where_the_team_allows_it() {
        let mut a = Access {
            org_role: None,
            org_member: true,
            team_role: Some(Role::Viewer),
            viewers_can_comment: false,
        };
        assert_eq!(authorize(&a, Comment, ResourceKind::Project), Forbidden);
        a.viewers_can_comment = true;
        assert_eq!(authorize(&a, Comment, ResourceKind::Project), Allow);
        assert_eq!(authorize(&a, Edit, ResourceKind::Project), Forbidden);
    }

    #[test]
    fn an_org_member_without_a_team_role_cannot_see_the_team() {
        let a = Access {
            org_role: None,
            org_member: true,
            ..Access::default()
        };
        assert_eq!(authorize(&a, View, ResourceKind::Team), NotFound);
        assert_eq!(authorize(&a, View, ResourceKind::Organization), Allow);
    }
}
