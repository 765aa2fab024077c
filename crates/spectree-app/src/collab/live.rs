//! Changing an item's live document to given content: text by a minimal diff (so untouched
//! text keeps its identity, authors and anchors), criteria by id, fields last-writer-wins.

use spectree_collab::schema::{self, DocContent};
use spectree_domain::ids::{ItemId, UserId};

use crate::App;

impl App {
    /// Edits the document of `item` as `user` until it holds `content`.
    pub(crate) async fn edit_document_to(
        &self,
        item: ItemId,
        user: UserId,
        content: DocContent,
    ) -> Result<(), spectree_collab::CollabError> {
        self.collab()
            .edit(
                item,
                user,
                Box::new(move |txn, roots| {
                    schema::diff_text(txn, &roots.title, &content.title);
                    schema::diff_text(txn, &roots.description, &content.description);
                    schema::diff_criteria(txn, roots, &content.criteria);
                    let mut fields: Vec<(&str, Option<String>)> = content
                        .fields
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.clone()))
                        .collect();
                    fields.sort();
                    schema::set_fields(txn, roots, &fields);
                }),
            )
            .await
            .map(|_| ())
    }
}
