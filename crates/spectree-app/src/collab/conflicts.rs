//! Reading the recorded races on an item's scalar fields (both values, both users).

use spectree_domain::ids::ItemId;
use spectree_domain::org::Action;
use spectree_domain::page::{Page, PageRequest};
use spectree_store::collab::conflicts::{self, FieldConflict};

use crate::spec::SpecError;
use crate::{Actor, App};

impl App {
    /// The concurrent scalar-field changes recorded on an item, oldest first (View needed).
    pub async fn list_field_conflicts(
        &self,
        actor: &Actor,
        item: ItemId,
        page: &PageRequest,
    ) -> Result<Page<FieldConflict>, SpecError> {
        let mut c = self.store().read().await?;
        let (row, _) = self
            .authorize_item(&mut c, actor, item, Action::View)
            .await?;
        let rows = conflicts::list(
            &mut c,
            row.org_id,
            item,
            None,
            page.after.as_deref(),
            page.limit + 1,
        )
        .await?;
        Ok(Page::from_overfetch(rows, page.limit, |f| f.id.clone()))
    }
}
