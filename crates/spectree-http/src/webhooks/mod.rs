//! Webhook routes (team Admins): manage a team's hooks, rotate a secret, read the delivery
//! log, replay a delivery and send a test ping.

mod deliveries;
mod hooks;
mod views;

use spectree_app::webhooks::WebhookError;
use spectree_domain::webhooks::TargetError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// The webhook routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(hooks::list_webhooks, hooks::create_webhook))
        .routes(routes!(
            hooks::get_webhook,
            hooks::update_webhook,
            hooks::delete_webhook
        ))
        .routes(routes!(hooks::rotate_secret))
        .routes(routes!(hooks::ping_webhook))
        .routes(routes!(deliveries::list_deliveries))
        .routes(routes!(deliveries::get_delivery))
        .routes(routes!(deliveries::replay_delivery))
}

impl From<WebhookError> for ApiError {
    fn from(e: WebhookError) -> Self {
        use WebhookError as E;
        let code = match &e {
            E::NotFound => ErrorCode::NotFound,
            E::Forbidden => ErrorCode::Forbidden,
            E::Target(TargetError::InvalidUrl(_)) | E::Unresolvable(_) => {
                ErrorCode::InvalidWebhookUrl
            }
            E::Target(TargetError::Forbidden(_)) => ErrorCode::ForbiddenWebhookTarget,
            E::Events(_) => ErrorCode::InvalidWebhookEvents,
            E::Store(_) | E::Secret(_) => return ApiError::internal(&e),
        };
        ApiError::new(code, e.to_string())
    }
}
