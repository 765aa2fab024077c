//! Activity feed routes: the project, team and person feeds (cursor-paginated, filtered by
//! kind and actor) and their live Server-Sent Event streams.

mod feeds;
mod stream;
mod views;

use spectree_app::activity::ActivityError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// The activity routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(feeds::project_activity))
        .routes(routes!(feeds::team_activity))
        .routes(routes!(feeds::person_activity))
        .routes(routes!(stream::stream_project_activity))
        .routes(routes!(stream::stream_team_activity))
        .routes(routes!(stream::stream_person_activity))
}

impl From<ActivityError> for ApiError {
    fn from(e: ActivityError) -> Self {
        use ActivityError as E;
        let code = match &e {
            E::NotFound => ErrorCode::NotFound,
            E::InvalidCursor | E::InvalidKind(_) => ErrorCode::InvalidQuery,
            E::Store(_) => return ApiError::internal(&e),
        };
        ApiError::new(code, e.to_string())
    }
}
