//! Routes of AI generation: start a job on an item, read it, cancel it; and the
//! organization's AI switch.

mod errors;
mod generations;
mod settings;
mod views;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// The AI routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(generations::start_generation))
        .routes(routes!(generations::get_generation))
        .routes(routes!(generations::cancel_generation))
        .routes(routes!(
            settings::get_ai_settings,
            settings::set_ai_settings
        ))
}
