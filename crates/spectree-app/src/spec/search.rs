//! Search within a project: every query word must be the start of a word of the item's
//! title, description or criteria (case-insensitive, no stemming).

use std::collections::HashMap;

use spectree_domain::ids::{ItemId, ProjectId};
use spectree_domain::org::Action;
use spectree_domain::page::{Page, PageRequest};
use spectree_domain::spec::search::query_words;
use spectree_store::spec::items::{self, Item};
use spectree_store::spec::words;

use super::SpecError;
use crate::{Actor, App};

/// A matching item.
pub type SearchHit = Item;

impl App {
    /// Items of a project matching `query`, in creation order (the order of the search
    /// index; docs/decisions/0029).
    pub async fn search_items(
        &self,
        actor: &Actor,
        project: ProjectId,
        query: &str,
        page: &PageRequest,
    ) -> Result<Page<SearchHit>, SpecError> {
        let q = query_words(query);
        if q.is_empty() {
            return Err(SpecError::EmptyQuery);
        }
        // The cursor is the index number of the last item seen (the search's order).
        let after = match page.after.as_deref() {
            Some(a) => Some(a.parse::<i64>().map_err(|_| SpecError::InvalidCursor)?),
            None => None,
        };
        let mut c = self.store().read().await?;
        let project = self
            .authorize_project(&mut c, actor, project, Action::View)
            .await?;
        let found = words::search(&mut c, project.id, &q, after, page.limit + 1).await?;
        let ids: Vec<ItemId> = found.iter().map(|f| f.item).collect();
        let docs: HashMap<ItemId, i64> = found.iter().map(|f| (f.item, f.doc)).collect();
        let hits = items::get_many(&mut c, self.store().sealer(), &ids).await?;
        Ok(Page::from_overfetch(hits, page.limit, |i| {
            docs.get(&i.id).copied().unwrap_or_default().to_string()
        }))
    }
}
