//! Wire types of the spec tree routes.

use serde::{Deserialize, Serialize};
use spectree_app::spec::{ItemChanges, NewItem, Placement, TreeNode};
use spectree_app::store::spec::items::Item;
use spectree_app::store::spec::projects::Project;
use spectree_domain::ids::{ItemId, OrgId, ProjectId, TeamId, UserId};
use spectree_domain::spec::{Criterion, ItemType, Priority, Status};
use utoipa::{IntoParams, ToSchema};

use super::double_option;
use crate::views::{time, time_opt};

/// New project.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProjectRequest {
    /// Name.
    pub name: String,
    /// Slug, unique in the team.
    pub slug: String,
    /// Markdown description.
    #[serde(default)]
    pub description: String,
}

/// Project fields to change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProjectRequest {
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// New slug.
    #[serde(default)]
    pub slug: Option<String>,
    /// New description.
    #[serde(default)]
    pub description: Option<String>,
}

/// A project.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectView {
    /// Id.
    pub id: ProjectId,
    /// Organization.
    pub org_id: OrgId,
    /// Team.
    pub team_id: TeamId,
    /// Name.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Markdown description.
    pub description: String,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last changed (RFC 3339).
    pub updated_at: String,
}

impl From<&Project> for ProjectView {
    fn from(p: &Project) -> Self {
        Self {
            id: p.id,
            org_id: p.org_id,
            team_id: p.team_id,
            name: p.name.clone(),
            slug: p.slug.clone(),
            description: p.description.clone(),
            created_at: time(p.created_at),
            updated_at: time(p.updated_at),
        }
    }
}

/// An acceptance criterion as sent: the id may be left out for new criteria.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CriterionRequest {
    /// Stable id; made by the server when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// The criterion, Markdown.
    pub text: String,
    /// Whether it is met.
    #[serde(default)]
    pub done: bool,
}

fn criteria(list: Vec<CriterionRequest>) -> Vec<Criterion> {
    list.into_iter()
        .map(|c| Criterion {
            id: c.id.unwrap_or_default(),
            text: c.text,
            done: c.done,
        })
        .collect()
}

/// New work item.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateItemRequest {
    /// Parent; the project's root when absent.
    #[serde(default)]
    pub parent_id: Option<ItemId>,
    /// Place right before this sibling.
    #[serde(default)]
    pub before_id: Option<ItemId>,
    /// Place right after this sibling; last when neither is given.
    #[serde(default)]
    pub after_id: Option<ItemId>,
    /// Type.
    #[serde(rename = "type")]
    pub item_type: ItemType,
    /// Title.
    pub title: String,
    /// Markdown description.
    #[serde(default)]
    pub description: String,
    /// Acceptance criteria.
    #[serde(default)]
    pub acceptance_criteria: Vec<CriterionRequest>,
    /// Status (default draft).
    #[serde(default)]
    pub status: Option<Status>,
    /// Priority (default medium).
    #[serde(default)]
    pub priority: Option<Priority>,
    /// Assignee: a member who can see the project.
    #[serde(default)]
    pub assignee_id: Option<UserId>,
}

impl CreateItemRequest {
    /// As the use case takes it.
    pub fn into_new(self) -> NewItem {
        NewItem {
            placement: Placement {
                parent_id: self.parent_id,
                before_id: self.before_id,
                after_id: self.after_id,
            },
            item_type: self.item_type,
            title: self.title,
            description: self.description,
            acceptance_criteria: criteria(self.acceptance_criteria),
            status: self.status,
            priority: self.priority,
            assignee_id: self.assignee_id,
        }
    }
}

/// One item of a bulk create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkItemRequest {
    /// Your name for this item, so later items can name it as `parent_ref`.
    #[serde(default, rename = "ref")]
    pub item_ref: Option<String>,
    /// Parent among earlier items of this request.
    #[serde(default)]
    pub parent_ref: Option<String>,
    /// Existing parent.
    #[serde(default)]
    pub parent_id: Option<ItemId>,
    /// Type.
    #[serde(rename = "type")]
    pub item_type: ItemType,
    /// Title.
    pub title: String,
    /// Markdown description.
    #[serde(default)]
    pub description: String,
    /// Acceptance criteria.
    #[serde(default)]
    pub acceptance_criteria: Vec<CriterionRequest>,
    /// Status.
    #[serde(default)]
    pub status: Option<Status>,
    /// Priority.
    #[serde(default)]
    pub priority: Option<Priority>,
    /// Assignee.
    #[serde(default)]
    pub assignee_id: Option<UserId>,
}

/// Up to 1,000 new items, created together or not at all.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkCreateRequest {
    /// The items, parents before children.
    pub items: Vec<BulkItemRequest>,
}

impl BulkItemRequest {
    /// As the use case takes it.
    pub fn into_bulk(self) -> spectree_app::spec::BulkItem {
        spectree_app::spec::BulkItem {
            item_ref: self.item_ref,
            parent_ref: self.parent_ref,
            parent_id: self.parent_id,
            item: NewItem {
                placement: Placement::default(),
                item_type: self.item_type,
                title: self.title,
                description: self.description,
                acceptance_criteria: criteria(self.acceptance_criteria),
                status: self.status,
                priority: self.priority,
                assignee_id: self.assignee_id,
            },
        }
    }
}

/// A created item of a bulk create.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkCreatedItemView {
    /// The `ref` it was sent with.
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub item_ref: Option<String>,
    /// Its new id.
    pub id: ItemId,
    /// Its position.
    pub position: String,
}

/// Result of a bulk create, in request order.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkCreatedView {
    /// The items.
    pub items: Vec<BulkCreatedItemView>,
}

/// Item fields to change; absent fields stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateItemRequest {
    /// New title.
    #[serde(default)]
    pub title: Option<String>,
    /// New description.
    #[serde(default)]
    pub description: Option<String>,
    /// New criteria (the whole list).
    #[serde(default)]
    pub acceptance_criteria: Option<Vec<CriterionRequest>>,
    /// New type (must still fit between parent and children).
    #[serde(default, rename = "type")]
    pub item_type: Option<ItemType>,
    /// New status.
    #[serde(default)]
    pub status: Option<Status>,
    /// New priority.
    #[serde(default)]
    pub priority: Option<Priority>,
    /// New assignee; `null` unassigns.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<UserId>)]
    pub assignee_id: Option<Option<UserId>>,
}

impl UpdateItemRequest {
    /// As the use case takes it.
    pub fn into_changes(self) -> ItemChanges {
        ItemChanges {
            title: self.title,
            description: self.description,
            acceptance_criteria: self.acceptance_criteria.map(criteria),
            item_type: self.item_type,
            status: self.status,
            priority: self.priority,
            assignee_id: self.assignee_id,
        }
    }
}

/// Where to move an item.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveItemRequest {
    /// New parent; `null` for the project's root; absent keeps the current parent.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<ItemId>)]
    pub parent_id: Option<Option<ItemId>>,
    /// Place right before this sibling.
    #[serde(default)]
    pub before_id: Option<ItemId>,
    /// Place right after this sibling; last when neither is given.
    #[serde(default)]
    pub after_id: Option<ItemId>,
}

/// A work item.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemView {
    /// Id.
    pub id: ItemId,
    /// Project.
    pub project_id: ProjectId,
    /// Parent, `null` at the root.
    pub parent_id: Option<ItemId>,
    /// Position among siblings (compare as strings).
    pub position: String,
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
    /// Markdown description.
    pub description: String,
    /// Acceptance criteria.
    pub acceptance_criteria: Vec<Criterion>,
    /// Creator.
    pub created_by: UserId,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last editor.
    pub updated_by: UserId,
    /// Last changed (RFC 3339).
    pub updated_at: String,
    /// In the trash since (RFC 3339), when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
}

impl From<&Item> for ItemView {
    fn from(i: &Item) -> Self {
        Self {
            id: i.id,
            project_id: i.project_id,
            parent_id: i.parent_id,
            position: i.position.clone(),
            item_type: i.item_type,
            status: i.status,
            priority: i.priority,
            assignee_id: i.assignee_id,
            title: i.title.clone(),
            description: i.description.clone(),
            acceptance_criteria: i.acceptance_criteria.clone(),
            created_by: i.created_by,
            created_at: time(i.created_at),
            updated_by: i.updated_by,
            updated_at: time(i.updated_at),
            deleted_at: time_opt(i.deleted_at),
        }
    }
}

/// Tree query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TreeQuery {
    /// Include descriptions and acceptance criteria.
    #[serde(default)]
    pub descriptions: bool,
}

/// One node of the tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct TreeNodeView {
    /// Id.
    pub id: ItemId,
    /// Parent.
    pub parent_id: Option<ItemId>,
    /// Depth below the project root (roots are 0).
    pub depth: usize,
    /// Position among siblings.
    pub position: String,
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
    /// Description (with `descriptions=true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Criteria (with `descriptions=true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acceptance_criteria: Option<Vec<Criterion>>,
}

impl From<TreeNode> for TreeNodeView {
    fn from(n: TreeNode) -> Self {
        let (description, acceptance_criteria) = match n.row.content {
            Some((d, c)) => (Some(d), Some(c)),
            None => (None, None),
        };
        Self {
            id: n.row.id,
            parent_id: n.row.parent_id,
            depth: n.depth,
            position: n.row.position,
            item_type: n.row.item_type,
            status: n.row.status,
            priority: n.row.priority,
            assignee_id: n.row.assignee_id,
            title: n.row.title,
            description,
            acceptance_criteria,
        }
    }
}

/// A project's whole tree, parents before children, siblings in order.
#[derive(Debug, Serialize, ToSchema)]
pub struct TreeView {
    /// The project.
    pub project_id: ProjectId,
    /// The live items.
    pub items: Vec<TreeNodeView>,
}

/// Search query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words; each must start a word of the title, description or criteria.
    pub q: String,
    /// Rows per page (1 to 200, default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page (a search's own cursor: not an item id).
    pub cursor: Option<String>,
}

/// A search hit.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHitView {
    /// Id.
    pub id: ItemId,
    /// Parent.
    pub parent_id: Option<ItemId>,
    /// Type.
    #[serde(rename = "type")]
    pub item_type: ItemType,
    /// Status.
    pub status: Status,
    /// Title.
    pub title: String,
}

/// Export query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `markdown` or `json`.
    pub format: ExportFormat,
}

/// Export formats.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// One Markdown document.
    Markdown,
    /// The JSON document that imports back losslessly.
    Json,
}

/// Import overrides.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Name of the new project (default: the document's).
    pub name: Option<String>,
    /// Slug of the new project (default: the document's).
    pub slug: Option<String>,
}

/// Result of an import.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedView {
    /// The new project.
    pub project: ProjectView,
    /// Items created.
    pub items_created: usize,
    /// Assignees dropped because nobody with that email can see the new project.
    pub unassigned: usize,
}

/// Result of a delete.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeletedView {
    /// The deleted item (the trash entry to restore).
    pub item_id: ItemId,
    /// How many items went to the trash with it, itself included.
    pub trashed: u64,
}

/// Result of a restore.
#[derive(Debug, Serialize, ToSchema)]
pub struct RestoredView {
    /// How many items came back.
    pub restored: u64,
}

/// One deletion in the trash.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrashEntryView {
    /// The deleted item.
    pub item_id: ItemId,
    /// Its title.
    pub title: String,
    /// Its type.
    #[serde(rename = "type")]
    pub item_type: ItemType,
    /// Its parent (where a restore puts it back).
    pub parent_id: Option<ItemId>,
    /// Deleted (RFC 3339).
    pub deleted_at: Option<String>,
    /// By whom.
    pub deleted_by: Option<UserId>,
    /// Items in this deletion, itself included.
    pub count: i64,
}

/// A project's trash, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrashView {
    /// The deletions.
    pub items: Vec<TrashEntryView>,
}
