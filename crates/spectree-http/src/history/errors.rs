//! How history errors map to API errors.

use spectree_app::history::HistoryError;

use crate::error::{ApiError, ErrorCode};

impl From<HistoryError> for ApiError {
    fn from(e: HistoryError) -> Self {
        use HistoryError as E;
        let code = match &e {
            E::NotFound => ErrorCode::NotFound,
            E::Forbidden => ErrorCode::Forbidden,
            E::ItemInTrash => ErrorCode::ItemInTrash,
            E::InvalidMessage(_) => ErrorCode::ValidationFailed,
            E::InvalidCursor => ErrorCode::InvalidQuery,
            E::RestoreConflict(_) => ErrorCode::RestoreConflict,
            E::Spec(_) => {
                let E::Spec(inner) = e else {
                    return ApiError::code(ErrorCode::Internal);
                };
                return ApiError::from(inner);
            }
            E::Store(_) => return ApiError::internal(&e),
        };
        ApiError::new(code, e.to_string())
    }
}
