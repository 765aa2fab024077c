//! Wire types of the activity feed.

use serde::{Deserialize, Serialize};
use spectree_app::activity::{Activity, ActivityError, FeedFilter, PersonRef};
use spectree_domain::activity::ActivityKind;
use spectree_domain::ids::UserId;
use spectree_domain::page::PageRequest;
use utoipa::{IntoParams, ToSchema};

use crate::views::time;

/// One activity.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityView {
    /// Its id: increasing; also the SSE event id.
    pub id: i64,
    /// What happened.
    pub kind: ActivityKind,
    /// Organization.
    #[schema(value_type = String, format = Uuid)]
    pub org_id: String,
    /// Team owning the project.
    #[schema(value_type = String, format = Uuid)]
    pub team_id: String,
    /// Project.
    #[schema(value_type = String, format = Uuid)]
    pub project_id: String,
    /// Item, when the activity is about one.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub item_id: Option<String>,
    /// Who did it.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub actor_id: Option<String>,
    /// Details by kind: ids, field names, statuses, counts (docs/api.md lists the keys).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// When (RFC 3339).
    pub created_at: String,
}

impl From<&Activity> for ActivityView {
    fn from(a: &Activity) -> Self {
        Self {
            id: a.id,
            kind: a.kind,
            org_id: a.org_id.to_string(),
            team_id: a.team_id.to_string(),
            project_id: a.project_id.to_string(),
            item_id: a.item_id.map(|i| i.to_string()),
            actor_id: a.actor_id.map(|u| u.to_string()),
            data: a.data.clone(),
            created_at: time(a.created_at),
        }
    }
}

/// Filters and page of a feed.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// Only these kinds, comma-separated (for example `item_created,commented`).
    pub kind: Option<String>,
    /// Only activity by this person.
    #[param(value_type = Option<String>, format = Uuid)]
    pub actor: Option<UserId>,
    /// Rows per page (1 to 200, default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl FeedQuery {
    /// The filter as the use cases take it.
    pub fn filter(&self) -> Result<FeedFilter, ActivityError> {
        let kinds: Vec<String> = self.kind.iter().cloned().collect();
        FeedFilter::parse(&kinds, self.actor)
    }

    /// The page as the use cases take it.
    pub fn page(&self) -> PageRequest {
        PageRequest::new(self.cursor.clone(), self.limit)
    }
}

/// Filters of a live stream and where to resume.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// Only these kinds, comma-separated.
    pub kind: Option<String>,
    /// Only activity by this person.
    #[param(value_type = Option<String>, format = Uuid)]
    pub actor: Option<UserId>,
    /// Replay the activity after this id first (as the `Last-Event-ID` header does, which
    /// wins when both are given).
    pub after: Option<String>,
}

impl StreamQuery {
    /// The filter as the use cases take it.
    pub fn filter(&self) -> Result<FeedFilter, ActivityError> {
        let kinds: Vec<String> = self.kind.iter().cloned().collect();
        FeedFilter::parse(&kinds, self.actor)
    }
}

/// A person path segment: a user id or `me`.
pub fn person(segment: &str) -> Result<PersonRef, ActivityError> {
    if segment == "me" {
        return Ok(PersonRef::Me);
    }
    segment
        .parse::<UserId>()
        .map(PersonRef::User)
        .map_err(|_| ActivityError::NotFound)
}
