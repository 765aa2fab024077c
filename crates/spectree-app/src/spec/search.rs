//! Search within a project: every query word must be the start of a word of the item's
//! title, description or criteria (case-insensitive, no stemming).

use spectree_domain::ids::{ItemId, ProjectId};
use spectree_domain::org::Action;
use spectree_domain::page::{Page, PageRequest};
use spectree_domain::spec::search::query_words;
use spectree_store::Store;
use spectree_store::spec::items::{self, Item};
use spectree_store::spec::words;

use super::SpecError;
use crate::{Actor, App};

/// A matching item.
pub type SearchHit = Item;

impl App {
    /// Items of a project matching `query`, in creation order.
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
        let mut c = self.store().read().await?;
        let project = self
            .authorize_project(&mut c, actor, project, Action::View)
            .await?;
        let ids: Vec<ItemId> = words::search(
            &mut c,
            project.id,
            &q,
            page.after.as_deref(),
            page.limit + 1,
        )
        .await?;
        let hits = items::get_many(&mut c, self.store().sealer(), &ids).await?;
        Ok(Page::from_overfetch(hits, page.limit, |i| i.id.to_string()))
    }
}

/// Items whose search keys one indexer transaction writes.
const INDEX_BATCH: u32 = 500;

impl App {
    /// Writes the search keys of every item created since the last pass (docs/decisions/0021),
    /// a batch per transaction; returns how many items were indexed. Until then search finds
    /// those items by their words text.
    pub async fn index_search_keys(&self) -> Result<usize, SpecError> {
        let mut total = 0;
        loop {
            let mut tx = self.store().begin().await?;
            let n = words::index_pending(&mut tx, INDEX_BATCH).await?;
            Store::commit(tx).await?;
            total += n;
            if n < INDEX_BATCH as usize {
                return Ok(total);
            }
        }
    }
}
