//! Routes of the spec tree: projects, items, the tree, trash, search, export and import.

mod export;
mod items;
mod projects;
mod trash;
mod tree;
mod views;

use axum::extract::DefaultBodyLimit;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// The spec tree routes. Imports accept bodies up to `import_max_bytes`.
pub fn router(import_max_bytes: usize) -> OpenApiRouter<AppState> {
    let import = OpenApiRouter::new()
        .routes(routes!(export::import_project))
        .layer(DefaultBodyLimit::max(import_max_bytes));
    OpenApiRouter::new()
        .routes(routes!(projects::create_project, projects::list_projects))
        .routes(routes!(projects::get_project, projects::update_project))
        .routes(routes!(tree::get_tree))
        .routes(routes!(items::create_item))
        .routes(routes!(items::bulk_create_items))
        .routes(routes!(
            items::get_item,
            items::update_item,
            items::delete_item
        ))
        .routes(routes!(items::move_item))
        .routes(routes!(tree::search))
        .routes(routes!(export::export_project))
        .routes(routes!(trash::list_trash))
        .routes(routes!(trash::restore_item))
        .routes(routes!(trash::purge_item))
        .merge(import)
}

/// Deserializes a field that may be absent (outer `None`) or `null` (inner `None`).
pub(crate) fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(d).map(Some)
}
