//! What a room needs from the rest of the product.

use std::future::Future;
use std::pin::Pin;

use spectree_domain::ids::{ItemId, OrgId, UserId};

use crate::schema::DocContent;
use crate::{CollabError, Writer};

/// A boxed future returned by [`Host`] methods.
pub type HostFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, CollabError>> + Send + 'a>>;

/// The outcome of projecting a document into its relational row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Projection {
    /// Scalar fields whose value was refused, with the value to put back.
    pub revert: Vec<(String, Option<String>)>,
}

/// The rest of the product, as rooms see it.
pub trait Host: Send + Sync + 'static {
    /// The organization of an item and the content to seed its document with, or `None`
    /// when there is no such live item.
    fn initial(&self, item: ItemId) -> HostFuture<'_, Option<(OrgId, DocContent)>>;

    /// Whether `user` may still see the item, and edit it: `None` (no access),
    /// `Some(false)` (read only) or `Some(true)`.
    fn access(&self, item: ItemId, user: UserId) -> HostFuture<'_, Option<bool>>;

    /// Writes the document's content into the item's row (and search index), refusing
    /// values that break the product's rules; `editor` made the last edit (a person, or an
    /// AI for a person).
    fn project(
        &self,
        item: ItemId,
        content: DocContent,
        editor: Option<Writer>,
    ) -> HostFuture<'_, Projection>;
}
