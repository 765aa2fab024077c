//! How each domain's errors map to API errors. One `From` per domain keeps handlers to a `?`.

use spectree_app::audit::AuditError;
use spectree_app::identity::IdentityError;
use spectree_app::org::OrgError;
use spectree_app::spec::SpecError;
use spectree_domain::identity::SignupDenied;
use spectree_domain::spec::SpecRuleError;

use crate::error::{ApiError, ErrorCode};

impl From<IdentityError> for ApiError {
    fn from(e: IdentityError) -> Self {
        use IdentityError as E;
        let code = match &e {
            E::InvalidEmail => ErrorCode::InvalidEmail,
            E::InvalidName(_) => ErrorCode::InvalidName,
            E::WeakPassword(_) => ErrorCode::WeakPassword,
            E::EmailTaken => ErrorCode::EmailTaken,
            E::SignupDenied(SignupDenied::SetupRequired) => ErrorCode::SetupRequired,
            E::SignupDenied(SignupDenied::InvitationRequired) => ErrorCode::InvitationRequired,
            E::SignupDenied(SignupDenied::DomainNotAllowed) => ErrorCode::DomainNotAllowed,
            E::InvalidCredentials => ErrorCode::InvalidCredentials,
            E::EmailNotVerified => ErrorCode::EmailNotVerified,
            E::RateLimited { retry_after } => {
                return ApiError::new(ErrorCode::RateLimited, e.to_string())
                    .retry_after(*retry_after);
            }
            E::InvalidToken => ErrorCode::InvalidToken,
            E::InvalidSetupCode => ErrorCode::InvalidSetupCode,
            E::AlreadySetUp => ErrorCode::AlreadySetUp,
            E::NotFound => ErrorCode::NotFound,
            E::Invalid(_) => ErrorCode::ValidationFailed,
            E::Store(_) | E::Secret(_) => return ApiError::internal(&e),
        };
        ApiError::new(code, e.to_string())
    }
}

impl From<OrgError> for ApiError {
    fn from(e: OrgError) -> Self {
        use OrgError as E;
        let code = match &e {
            E::NotFound => ErrorCode::NotFound,
            E::Forbidden => ErrorCode::Forbidden,
            E::InvalidName(_) => ErrorCode::InvalidName,
            E::InvalidSlug(_) => ErrorCode::InvalidSlug,
            E::SlugTaken => ErrorCode::SlugTaken,
            E::LastOwner => ErrorCode::LastOwner,
            E::RoleTooHigh => ErrorCode::RoleTooHigh,
            E::TeamOwnerRole => ErrorCode::TeamOwnerRole,
            E::NotAMember => ErrorCode::NotAMember,
            E::InvalidInvitation => ErrorCode::InvalidToken,
            E::InvitationForSomeoneElse => ErrorCode::InvitationForSomeoneElse,
            E::Invalid(_) => ErrorCode::ValidationFailed,
            E::Store(_) | E::Secret(_) => return ApiError::internal(&e),
        };
        ApiError::new(code, e.to_string())
    }
}

impl From<SpecError> for ApiError {
    fn from(e: SpecError) -> Self {
        use SpecError as E;
        let code = match &e {
            E::NotFound => ErrorCode::NotFound,
            E::Forbidden => ErrorCode::Forbidden,
            E::Rule(SpecRuleError::InvalidTitle) => ErrorCode::InvalidTitle,
            E::Rule(SpecRuleError::DescriptionTooLarge) => ErrorCode::TextTooLarge,
            E::Rule(SpecRuleError::InvalidCriteria(_)) => ErrorCode::InvalidCriteria,
            E::Rule(SpecRuleError::RankViolation { .. }) => ErrorCode::RankViolation,
            E::InvalidName(_) => ErrorCode::InvalidName,
            E::InvalidSlug(_) => ErrorCode::InvalidSlug,
            E::SlugTaken => ErrorCode::SlugTaken,
            E::AssigneeCannotSeeProject => ErrorCode::AssigneeCannotSeeProject,
            E::PreconditionFailed => ErrorCode::PreconditionFailed,
            E::MoveIntoOwnSubtree => ErrorCode::MoveIntoOwnSubtree,
            E::InvalidParent => ErrorCode::InvalidParent,
            E::InvalidAnchor(_) => ErrorCode::InvalidAnchor,
            E::ItemInTrash => ErrorCode::ItemInTrash,
            E::NotInTrash => ErrorCode::NotInTrash,
            E::ParentInTrash => ErrorCode::ParentInTrash,
            E::Import(_) => ErrorCode::InvalidImport,
            E::InvalidBulk(_) => ErrorCode::InvalidBulk,
            E::EmptyQuery => ErrorCode::EmptyQuery,
            E::InvalidCursor => ErrorCode::InvalidQuery,
            E::Store(_) | E::Live(_) => return ApiError::internal(&e),
        };
        ApiError::new(code, e.to_string())
    }
}

impl From<AuditError> for ApiError {
    fn from(e: AuditError) -> Self {
        use AuditError as E;
        let code = match &e {
            E::NotFound => ErrorCode::NotFound,
            E::Forbidden => ErrorCode::Forbidden,
            E::Invalid(_) => ErrorCode::InvalidQuery,
            E::Retention(_) => ErrorCode::ValidationFailed,
            E::Store(_) => return ApiError::internal(&e),
        };
        ApiError::new(code, e.to_string())
    }
}
