//! Wire types of the shared view routes.

use serde::{Deserialize, Serialize};
use spectree_app::shared_views::{ViewGroup, ViewItems};
use spectree_app::store::shared_views::SharedView;
use spectree_domain::ids::{ItemId, ProjectId, UserId};
use spectree_domain::shared_views::{GroupBy, ViewDefinition, ViewRow, Visibility};
use spectree_domain::spec::{Criterion, ItemType, Priority, Status};
use utoipa::ToSchema;

use crate::views::time;

/// A view to save.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateViewRequest {
    /// Name (1 to 100 characters).
    pub name: String,
    /// `private` (default: only you) or `team` (everyone who may see the project; needs the
    /// Edit permission).
    #[serde(default = "private")]
    pub visibility: Visibility,
    /// Filters, sort, grouping and columns (all optional).
    #[serde(default)]
    pub definition: ViewDefinition,
}

fn private() -> Visibility {
    Visibility::Private
}

/// Changes to a view; absent fields stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateViewRequest {
    /// New name.
    pub name: Option<String>,
    /// New visibility.
    pub visibility: Option<Visibility>,
    /// New definition (replaces the old one whole).
    pub definition: Option<ViewDefinition>,
}

/// A saved view.
#[derive(Debug, Serialize, ToSchema)]
pub struct SharedViewView {
    /// Id.
    pub id: String,
    /// The project whose items it shows.
    pub project_id: ProjectId,
    /// Who made it (only they change or delete it).
    pub owner_id: UserId,
    /// Name.
    pub name: String,
    /// `private` or `team`.
    pub visibility: Visibility,
    /// Filters, sort, grouping and columns.
    pub definition: ViewDefinition,
    /// The link that opens the view (`<public_url>/views/{id}`).
    pub link: String,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last changed (RFC 3339).
    pub updated_at: String,
}

impl SharedViewView {
    /// The view, with its link on this instance.
    pub fn new(v: SharedView, public_url: &str) -> Self {
        Self {
            link: format!("{}/views/{}", public_url.trim_end_matches('/'), v.id),
            id: v.id,
            project_id: v.project_id,
            owner_id: v.owner_id,
            name: v.name,
            visibility: v.visibility,
            definition: v.definition,
            created_at: time(v.created_at),
            updated_at: time(v.updated_at),
        }
    }
}

/// One item of a view.
#[derive(Debug, Serialize, ToSchema)]
pub struct ViewItemView {
    /// Id.
    pub id: ItemId,
    /// Parent.
    pub parent_id: Option<ItemId>,
    /// Depth in the project's tree (roots are 0).
    pub depth: usize,
    /// Type.
    #[serde(rename = "type")]
    pub item_type: ItemType,
    /// Status.
    pub status: Status,
    /// Priority.
    pub priority: Priority,
    /// Assignee.
    pub assignee_id: Option<UserId>,
    /// Title.
    pub title: String,
    /// Description (when the view shows the `description` column).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Criteria (when the view shows the `acceptance_criteria` column).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acceptance_criteria: Option<Vec<Criterion>>,
}

impl From<ViewRow> for ViewItemView {
    fn from(r: ViewRow) -> Self {
        let (description, acceptance_criteria) = match r.content {
            Some((d, c)) => (Some(d), Some(c)),
            None => (None, None),
        };
        Self {
            id: r.id,
            parent_id: r.parent_id,
            depth: r.depth,
            item_type: r.item_type,
            status: r.status,
            priority: r.priority,
            assignee_id: r.assignee_id,
            title: r.title,
            description,
            acceptance_criteria,
        }
    }
}

/// One group of a view's page.
#[derive(Debug, Serialize, ToSchema)]
pub struct ViewGroupView {
    /// The status, type or priority name, the assignee's id or `none`; null when the view is
    /// not grouped.
    pub key: Option<String>,
    /// Items of this group in the whole view.
    pub total: usize,
    /// The group's items on this page.
    pub items: Vec<ViewItemView>,
}

impl From<ViewGroup> for ViewGroupView {
    fn from(g: ViewGroup) -> Self {
        Self {
            key: g.key,
            total: g.total,
            items: g.items.into_iter().map(Into::into).collect(),
        }
    }
}

/// One page of a view's items.
#[derive(Debug, Serialize, ToSchema)]
pub struct ViewItemsView {
    /// The view.
    pub view: SharedViewView,
    /// What the items are grouped by, if anything.
    pub group_by: Option<GroupBy>,
    /// Items in the whole view.
    pub total: usize,
    /// The groups of this page, in order (one group with a null key when not grouped).
    pub groups: Vec<ViewGroupView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl ViewItemsView {
    /// The page, with the view's link on this instance.
    pub fn new(v: ViewItems, public_url: &str) -> Self {
        Self {
            group_by: v.view.definition.group_by,
            view: SharedViewView::new(v.view, public_url),
            total: v.total,
            groups: v.groups.into_iter().map(Into::into).collect(),
            next_cursor: v.next,
        }
    }
}
