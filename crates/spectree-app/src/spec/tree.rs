//! A project's whole tree in one call.

use spectree_domain::ids::ProjectId;
use spectree_domain::org::Action;
use spectree_domain::spec::tree_order;
use spectree_store::spec::items::{self, TreeRow};

use super::SpecError;
use crate::{Actor, App};

/// One node of the tree, with its depth (roots are 0).
#[derive(Debug, Clone)]
pub struct TreeNode {
    /// Depth below the project root.
    pub depth: usize,
    /// The node.
    pub row: TreeRow,
}

impl App {
    /// Every live item of a project in tree order (parents first, siblings by position);
    /// descriptions and criteria only when asked for.
    pub async fn project_tree(
        &self,
        actor: &Actor,
        project: ProjectId,
        with_content: bool,
    ) -> Result<Vec<TreeNode>, SpecError> {
        let mut c = self.store().read().await?;
        let project = self
            .authorize_project(&mut c, actor, project, Action::View)
            .await?;
        let rows = items::tree(
            &mut c,
            self.store().sealer(),
            project.org_id,
            project.id,
            with_content,
        )
        .await?;
        drop(c);
        Ok(
            tree_order(rows, |r| (r.id, r.parent_id, r.position.as_str()))
                .into_iter()
                .map(|(depth, row)| TreeNode { depth, row })
                .collect(),
        )
    }
}
