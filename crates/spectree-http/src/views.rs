//! Wire types shared by several routers: pages and time stamps. Domain-specific views live
//! with their router.

use serde::{Deserialize, Serialize};
use spectree_domain::Timestamp;
use spectree_domain::page::{Page, PageRequest};
use utoipa::{IntoParams, ToSchema};

/// Query of a paginated list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Rows per page (1 to 200, default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    /// As the use cases take it.
    pub fn request(&self) -> PageRequest {
        PageRequest::new(self.cursor.clone(), self.limit)
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageView<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl<T> PageView<T> {
    /// Converts a page of records into views.
    pub fn from_page<R>(page: Page<R>, f: impl FnMut(R) -> T) -> Self {
        let page = page.map(f);
        Self {
            items: page.items,
            next_cursor: page.next,
        }
    }
}

/// RFC 3339 text of a time.
pub fn time(t: Timestamp) -> String {
    t.to_rfc3339()
}

/// RFC 3339 text of an optional time.
pub fn time_opt(t: Option<Timestamp>) -> Option<String> {
    t.map(Timestamp::to_rfc3339)
}
