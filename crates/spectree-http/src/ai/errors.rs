//! How AI errors map to API errors.

use spectree_app::ai::AiError;

use crate::error::{ApiError, ErrorCode};

impl From<AiError> for ApiError {
    fn from(e: AiError) -> Self {
        use AiError as E;
        let code = match &e {
            E::NotFound => ErrorCode::NotFound,
            E::Forbidden => ErrorCode::Forbidden,
            E::Disabled => ErrorCode::AiDisabled,
            E::AlreadyRunning => ErrorCode::GenerationRunning,
            E::ItemInTrash => ErrorCode::ItemInTrash,
            E::Invalid(_) => ErrorCode::InvalidGeneration,
            E::Store(_) => return ApiError::internal(&e),
        };
        ApiError::new(code, e.to_string())
    }
}
