//! The one error type of the HTTP surface. Every failure becomes an RFC 9457
//! `application/problem+json` body with a stable snake_case `code`; [`ErrorCode::ALL`] is the
//! table of codes, from which `docs/api-errors.md` is generated (a test keeps them in step).

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

macro_rules! error_codes {
    ($( $variant:ident = ($code:literal, $status:ident, $title:literal) ),* $(,)?) => {
        /// Every error code the API answers with.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ErrorCode {
            $(
                #[doc = $title]
                $variant,
            )*
        }

        impl ErrorCode {
            /// All codes, in documentation order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The stable code clients match on.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code,)* }
            }

            /// The HTTP status that goes with it.
            pub fn status(self) -> StatusCode {
                match self { $(ErrorCode::$variant => StatusCode::$status,)* }
            }

            /// A short, fixed description.
            pub fn title(self) -> &'static str {
                match self { $(ErrorCode::$variant => $title,)* }
            }
        }
    };
}

error_codes! {
    MalformedJson = ("malformed_json", BAD_REQUEST, "The body is not valid JSON."),
    InvalidBody = ("invalid_body", UNPROCESSABLE_ENTITY, "The JSON body has unknown, missing or mistyped fields."),
    UnsupportedMediaType = ("unsupported_media_type", UNSUPPORTED_MEDIA_TYPE, "The body must be sent as application/json."),
    BodyTooLarge = ("body_too_large", PAYLOAD_TOO_LARGE, "The body is larger than the server accepts."),
    InvalidId = ("invalid_id", BAD_REQUEST, "A path parameter is not a valid id."),
    InvalidQuery = ("invalid_query", BAD_REQUEST, "A query parameter is missing or invalid."),
    ValidationFailed = ("validation_failed", UNPROCESSABLE_ENTITY, "A field has a value the server does not accept."),
    Unauthenticated = ("unauthenticated", UNAUTHORIZED, "Sign in, or send a valid API token."),
    CsrfFailed = ("csrf_failed", FORBIDDEN, "A cookie-authenticated write must carry the session's X-CSRF-Token header."),
    OriginMismatch = ("origin_mismatch", FORBIDDEN, "The request came from another site."),
    Forbidden = ("forbidden", FORBIDDEN, "Your role does not allow this."),
    NotFound = ("not_found", NOT_FOUND, "There is no such resource, or you cannot see it."),
    MethodNotAllowed = ("method_not_allowed", METHOD_NOT_ALLOWED, "This resource does not support the method."),
    RateLimited = ("rate_limited", TOO_MANY_REQUESTS, "Too many attempts; wait for the Retry-After period."),
    InvalidEmail = ("invalid_email", UNPROCESSABLE_ENTITY, "The email address is not valid."),
    InvalidName = ("invalid_name", UNPROCESSABLE_ENTITY, "The name is empty, too long or has control characters."),
    WeakPassword = ("weak_password", UNPROCESSABLE_ENTITY, "The password does not meet the password policy."),
    EmailTaken = ("email_taken", CONFLICT, "An account with this email address already exists."),
    SetupRequired = ("setup_required", FORBIDDEN, "The instance has no administrator yet; finish setup first."),
    InvitationRequired = ("invitation_required", FORBIDDEN, "Sign-up on this instance needs an invitation."),
    DomainNotAllowed = ("domain_not_allowed", FORBIDDEN, "Sign-up is not open to this email domain."),
    InvalidCredentials = ("invalid_credentials", UNAUTHORIZED, "Wrong email or password."),
    EmailNotVerified = ("email_not_verified", FORBIDDEN, "Verify the email address before signing in."),
    InvalidToken = ("invalid_token", BAD_REQUEST, "The link or token is unknown, used or expired."),
    InvalidSetupCode = ("invalid_setup_code", FORBIDDEN, "The setup code is wrong."),
    AlreadySetUp = ("already_set_up", CONFLICT, "The instance already has an administrator."),
    InvalidSlug = ("invalid_slug", UNPROCESSABLE_ENTITY, "The slug breaks the slug rules."),
    SlugTaken = ("slug_taken", CONFLICT, "The slug is already taken."),
    LastOwner = ("last_owner", CONFLICT, "The organization must keep at least one owner."),
    RoleTooHigh = ("role_too_high", FORBIDDEN, "You cannot grant or change a role above your own."),
    TeamOwnerRole = ("team_owner_role", UNPROCESSABLE_ENTITY, "Team roles go up to admin; ownership is held on the organization."),
    NotAMember = ("not_a_member", UNPROCESSABLE_ENTITY, "The user is not a member of the organization."),
    InvitationForSomeoneElse = ("invitation_for_someone_else", FORBIDDEN, "The invitation is addressed to another email address."),
    InvalidTitle = ("invalid_title", UNPROCESSABLE_ENTITY, "A title is 1 to 500 characters without control characters."),
    TextTooLarge = ("text_too_large", UNPROCESSABLE_ENTITY, "A description is larger than allowed."),
    InvalidCriteria = ("invalid_criteria", UNPROCESSABLE_ENTITY, "Acceptance criteria are too many, too long, or have bad or repeated ids."),
    RankViolation = ("rank_violation", UNPROCESSABLE_ENTITY, "A child must rank below its parent (epic > feature > story > task)."),
    InvalidParent = ("invalid_parent", UNPROCESSABLE_ENTITY, "The parent is not a live item of this project."),
    InvalidAnchor = ("invalid_anchor", UNPROCESSABLE_ENTITY, "before_id/after_id is not a live sibling under the target parent."),
    MoveIntoOwnSubtree = ("move_into_own_subtree", UNPROCESSABLE_ENTITY, "An item cannot move under itself or its own descendant."),
    AssigneeCannotSeeProject = ("assignee_cannot_see_project", UNPROCESSABLE_ENTITY, "The assignee cannot see this project."),
    PreconditionFailed = ("precondition_failed", PRECONDITION_FAILED, "The item changed since it was read (If-Match does not match its ETag)."),
    ItemInTrash = ("item_in_trash", CONFLICT, "The item is in the trash; restore it first."),
    NotInTrash = ("not_in_trash", CONFLICT, "The item is not a deletion in this project's trash."),
    ParentInTrash = ("parent_in_trash", CONFLICT, "The item's parent is in the trash; restore the parent first."),
    RestoreConflict = ("restore_conflict", CONFLICT, "The version cannot be restored as it is: its type no longer fits the item's place, or its assignee can no longer see the project."),
    InvalidImport = ("invalid_import", UNPROCESSABLE_ENTITY, "The import document breaks a rule of the format or of the tree."),
    InvalidBulk = ("invalid_bulk", UNPROCESSABLE_ENTITY, "A bulk create is empty, too large, or has a bad reference or item."),
    InvalidComment = ("invalid_comment", UNPROCESSABLE_ENTITY, "A comment body is empty or larger than 10,000 bytes."),
    InvalidEmoji = ("invalid_emoji", UNPROCESSABLE_ENTITY, "A reaction is one emoji of at most 32 bytes."),
    InvalidThreadAnchor = ("invalid_thread_anchor", UNPROCESSABLE_ENTITY, "A thread anchor is not a non-empty range of the item's description or of one of its criteria."),
    NotCommentAuthor = ("not_comment_author", FORBIDDEN, "Only the author may edit or delete a comment."),
    CommentDeleted = ("comment_deleted", CONFLICT, "The comment was deleted."),
    InvalidViewDefinition = ("invalid_view_definition", UNPROCESSABLE_ENTITY, "A view definition has an unknown, repeated or out-of-range value, too many values, or is larger than 8 KiB."),
    InvalidWebhookUrl = ("invalid_webhook_url", UNPROCESSABLE_ENTITY, "A webhook URL must be an absolute http:// or https:// URL with a host that resolves, without credentials, at most 2048 bytes."),
    ForbiddenWebhookTarget = ("forbidden_webhook_target", UNPROCESSABLE_ENTITY, "A webhook may not target a loopback, private, link-local or otherwise internal address (unless the instance allows private targets)."),
    InvalidWebhookEvents = ("invalid_webhook_events", UNPROCESSABLE_ENTITY, "A webhook picks 1 to 64 distinct event kinds, each one that exists."),
    InvalidNotificationPreference = ("invalid_notification_preference", UNPROCESSABLE_ENTITY, "A notification preference names an unknown kind, repeats a kind, or asks for both email and digest."),
    EmptyQuery = ("empty_query", BAD_REQUEST, "The search query has no words."),
    AiDisabled = ("ai_disabled", FORBIDDEN, "AI generation is turned off for this organization."),
    GenerationRunning = ("generation_running", CONFLICT, "A generation is already running on this item; cancel it or wait for it to end."),
    InvalidGeneration = ("invalid_generation", UNPROCESSABLE_ENTITY, "The generation request is invalid: prompt too long or with control characters, no child type below a task, or a position for a kind other than description."),
    Unavailable = ("unavailable", SERVICE_UNAVAILABLE, "A dependency (the database) is not reachable."),
    Internal = ("internal", INTERNAL_SERVER_ERROR, "Something went wrong on the server; it has been logged."),
}

/// Renders the code table as Markdown (the content of `docs/api-errors.md`).
pub fn error_table_markdown() -> String {
    let mut out = String::from(
        "# API error codes\n\nGenerated from `crates/spectree-http/src/error.rs` \
         (`ErrorCode::ALL`); a test fails when this file drifts.\n\n\
         Every error is an RFC 9457 `application/problem+json` body:\n\n\
         ```json\n{\"type\": \"urn:spectree:problem:not_found\", \"title\": \"There is no such resource, or you cannot see it.\", \"status\": 404, \"code\": \"not_found\", \"detail\": \"…\"}\n```\n\n\
         | code | status | meaning |\n|---|---|---|\n",
    );
    for c in ErrorCode::ALL {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            c.as_str(),
            c.status().as_u16(),
            c.title()
        ));
    }
    out
}

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    detail: String,
    retry_after: Option<Duration>,
}

/// The problem+json body.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemView {
    /// `urn:spectree:problem:<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Fixed description of the code.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// Stable machine-readable code.
    pub code: String,
    /// What went wrong in this case.
    pub detail: String,
}

impl ApiError {
    /// An error with a specific detail message.
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            retry_after: None,
        }
    }

    /// An error whose detail is the code's title.
    pub fn code(code: ErrorCode) -> Self {
        Self::new(code, code.title())
    }

    /// Adds a `Retry-After`.
    pub fn retry_after(mut self, d: Duration) -> Self {
        self.retry_after = Some(d);
        self
    }

    /// An internal error: logged with its cause, shown to the client without it.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::code(ErrorCode::Internal)
    }

    /// The code.
    pub fn error_code(&self) -> ErrorCode {
        self.code
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ProblemView {
            type_: format!("urn:spectree:problem:{}", self.code.as_str()),
            title: self.code.title().to_owned(),
            status: self.code.status().as_u16(),
            code: self.code.as_str().to_owned(),
            detail: self.detail,
        };
        let mut res = (self.code.status(), Json(body)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(d) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&d.as_secs().max(1).to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case_and_errors_are_4xx_or_5xx() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.as_str()), "duplicate {}", c.as_str());
            assert!(
                c.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_')
            );
            assert!(c.status().is_client_error() || c.status().is_server_error());
        }
    }

    #[test]
    fn the_committed_error_table_matches_the_code() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/api-errors.md");
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        if committed != error_table_markdown() {
            if std::env::var_os("SPECTREE_UPDATE_DOCS").is_some() {
                std::fs::write(path, error_table_markdown()).unwrap();
            } else {
                panic!(
                    "docs/api-errors.md is stale: run SPECTREE_UPDATE_DOCS=1 cargo test -p spectree-http"
                );
            }
        }
    }
}
