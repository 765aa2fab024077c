//! Routes of the audit domain: reading and exporting an organization's audit log, and its
//! retention policy (Admins and Owners).

mod export;
mod query;
mod retention;
mod views;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// The audit routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(query::list_audit))
        .routes(routes!(export::export_audit))
        .routes(routes!(retention::get_retention, retention::set_retention))
}
