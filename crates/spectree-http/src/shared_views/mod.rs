//! Shared view routes: save, list, read, change and delete views of a project's items, and
//! run one (`/api/v1/views/{view}/items`).

mod handlers;
mod views;

use spectree_app::shared_views::SharedViewError;
use spectree_domain::shared_views::ViewRuleError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// The shared view routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::list_views, handlers::create_view))
        .routes(routes!(
            handlers::get_view,
            handlers::update_view,
            handlers::delete_view
        ))
        .routes(routes!(handlers::run_view))
}

impl From<SharedViewError> for ApiError {
    fn from(e: SharedViewError) -> Self {
        use SharedViewError as E;
        let code = match &e {
            E::NotFound => ErrorCode::NotFound,
            E::Forbidden(_) => ErrorCode::Forbidden,
            E::Rule(ViewRuleError::InvalidName) => ErrorCode::InvalidName,
            E::Rule(ViewRuleError::InvalidDefinition(_) | ViewRuleError::DefinitionTooLarge) => {
                ErrorCode::InvalidViewDefinition
            }
            E::InvalidCursor => ErrorCode::InvalidQuery,
            E::Store(_) => return ApiError::internal(&e),
        };
        ApiError::new(code, e.to_string())
    }
}
