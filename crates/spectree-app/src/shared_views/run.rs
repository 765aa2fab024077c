//! Running a view: the project's tree as the spec tree reads it, the project search for the
//! text filter, and the domain's rules to filter, order and group; then one page of it.

use std::collections::{HashMap, HashSet};

use spectree_domain::ids::ItemId;
use spectree_domain::page::PageRequest;
use spectree_domain::shared_views::{GroupKey, ViewRow, arrange, group_key};
use spectree_domain::spec::search::query_words;
use spectree_store::shared_views::SharedView;
use spectree_store::spec::words;

use super::SharedViewError;
use crate::{Actor, App};

/// Search hits fetched per round while collecting the matches of a text filter.
const SEARCH_BATCH: u32 = 5000;

/// One group of a view's page.
#[derive(Debug, Clone)]
pub struct ViewGroup {
    /// The group's key (`None` when the view is not grouped).
    pub key: Option<GroupKey>,
    /// Items of the group in the whole view (not only on this page).
    pub total: usize,
    /// The group's items on this page, in the view's order.
    pub items: Vec<ViewRow>,
}

/// One page of a view's items.
#[derive(Debug, Clone)]
pub struct ViewItems {
    /// The view.
    pub view: SharedView,
    /// Items in the whole view.
    pub total: usize,
    /// The groups this page touches, in order.
    pub groups: Vec<ViewGroup>,
    /// The cursor of the next page.
    pub next: Option<String>,
}

impl App {
    /// Every item of the project the text filter's words find, through the project search.
    async fn view_text_hits(
        &self,
        view: &SharedView,
    ) -> Result<Option<HashSet<ItemId>>, SharedViewError> {
        let Some(text) = &view.definition.filters.text else {
            return Ok(None);
        };
        let q = query_words(text);
        let mut c = self.store().read().await?;
        let mut hits = HashSet::new();
        let mut after: Option<i64> = None;
        loop {
            let batch = words::search(&mut c, view.project_id, &q, after, SEARCH_BATCH).await?;
            let full = batch.len() == SEARCH_BATCH as usize;
            after = batch.last().map(|f| f.doc);
            hits.extend(batch.into_iter().map(|f| f.item));
            if !full {
                return Ok(Some(hits));
            }
        }
    }

    /// One page of a view's items, grouped as the view says (the project's View permission;
    /// private views only for their owner). The cursor is the id of the last item of the
    /// previous page.
    pub async fn run_view(
        &self,
        actor: &Actor,
        id: &str,
        page: &PageRequest,
    ) -> Result<ViewItems, SharedViewError> {
        let view = {
            let mut c = self.store().read().await?;
            self.visible_view(&mut c, actor, id).await?.0
        };
        let def = &view.definition;
        let tree: Vec<ViewRow> = self
            .project_tree(actor, view.project_id, def.needs_content())
            .await?
            .into_iter()
            .map(|n| ViewRow {
                id: n.row.id,
                parent_id: n.row.parent_id,
                depth: n.depth,
                item_type: n.row.item_type,
                status: n.row.status,
                priority: n.row.priority,
                assignee_id: n.row.assignee_id,
                title: n.row.title,
                content: n.row.content,
            })
            .collect();
        let hits = self.view_text_hits(&view).await?;
        let rows = arrange(tree, def, actor.user_id, hits.as_ref());
        let start = match &page.after {
            None => 0,
            Some(cursor) => {
                rows.iter()
                    .position(|r| r.id.to_string() == *cursor)
                    .ok_or(SharedViewError::InvalidCursor)?
                    + 1
            }
        };
        let limit = page.limit as usize;
        let end = (start + limit).min(rows.len());
        let next = (end < rows.len())
            .then(|| rows.get(end.wrapping_sub(1)).map(|r| r.id.to_string()))
            .flatten();
        let mut totals: HashMap<Option<GroupKey>, usize> = HashMap::new();
        let key_of = |r: &ViewRow| def.group_by.map(|g| group_key(r, g));
        for r in &rows {
            *totals.entry(key_of(r)).or_default() += 1;
        }
        let total = rows.len();
        let mut groups: Vec<ViewGroup> = Vec::new();
        for r in rows.into_iter().skip(start).take(limit) {
            let key = key_of(&r);
            match groups.last_mut() {
                Some(g) if g.key == key => g.items.push(r),
                _ => groups.push(ViewGroup {
                    total: totals.get(&key).copied().unwrap_or_default(),
                    key,
                    items: vec![r],
                }),
            }
        }
        Ok(ViewItems {
            view,
            total,
            groups,
            next,
        })
    }
}
