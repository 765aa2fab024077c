//! Notification routes: watching items and subtrees, the inbox with its live unread count,
//! and each person's notification preferences.

mod inbox;
mod preferences;
mod stream;
mod views;
mod watches;

use spectree_app::notification::NotificationError;
use spectree_domain::notification::PreferenceError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// The notification routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            watches::get_watch,
            watches::watch_item,
            watches::unwatch_item
        ))
        .routes(routes!(watches::list_watches))
        .routes(routes!(inbox::list_notifications))
        .routes(routes!(inbox::set_notification_state))
        .routes(routes!(inbox::mark_all_read))
        .routes(routes!(inbox::unread_count))
        .routes(routes!(stream::stream_unread))
        .routes(routes!(
            preferences::get_preferences,
            preferences::set_preferences
        ))
}

impl From<NotificationError> for ApiError {
    fn from(e: NotificationError) -> Self {
        use NotificationError as E;
        let code = match &e {
            E::NotFound => ErrorCode::NotFound,
            E::ItemInTrash => ErrorCode::ItemInTrash,
            E::Preference(
                PreferenceError::UnknownKind(_)
                | PreferenceError::EmailAndDigest(_)
                | PreferenceError::Duplicate(_)
                | PreferenceError::Empty,
            ) => ErrorCode::InvalidNotificationPreference,
            E::Store(_) => return ApiError::internal(&e),
        };
        ApiError::new(code, e.to_string())
    }
}
