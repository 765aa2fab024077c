//! Routes of version history: item versions (list, read, save, restore), diffs,
//! attribution, project snapshots (take, list, read, diff, restore) and history export.

mod errors;
mod items;
mod projects;
mod views;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// The history routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(items::list_versions, items::save_version))
        .routes(routes!(items::version_index))
        .routes(routes!(items::get_version))
        .routes(routes!(items::restore_version))
        .routes(routes!(items::diff_item))
        .routes(routes!(items::get_attribution))
        .routes(routes!(items::export_item_history))
        .routes(routes!(projects::list_snapshots, projects::create_snapshot))
        .routes(routes!(projects::diff_snapshots))
        .routes(routes!(projects::get_snapshot))
        .routes(routes!(projects::restore_snapshot))
        .routes(routes!(projects::export_project_history))
}

/// A text answer with its content type.
fn text(content_type: &'static str, body: String) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

const MARKDOWN: &str = "text/markdown; charset=utf-8";
const JSONL: &str = "application/jsonl; charset=utf-8";
