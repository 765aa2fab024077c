//! Sign-up, log-in, log-out, email verification and password reset.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use spectree_app::identity::{NewSession, SignupInput};

use super::views::{
    LoginRequest, PasswordResetConfirmRequest, PasswordResetRequest, SessionCreatedView,
    SignupRequest, SignupView, TokenRequest, UserView,
};
use crate::auth::{
    Authenticated, ClientCtx, SESSION_COOKIE, clear_session_cookie, cookie, session_cookie,
};
use crate::error::{ApiResult, ProblemView};
use crate::extract::ApiJson;
use crate::state::AppState;

pub(super) fn session_view(s: &NewSession) -> SessionCreatedView {
    SessionCreatedView {
        user: UserView::from(&s.user),
        session_id: s.session.id,
        csrf_token: s.session.csrf_token.clone(),
        expires_at: s.session.expires_at.to_rfc3339(),
    }
}

/// The `Set-Cookie` header for a new session.
pub(super) fn set_cookie(state: &AppState, s: &NewSession) -> [(header::HeaderName, String); 1] {
    let max_age =
        u64::try_from((s.session.expires_at.0 - s.session.created_at.0) / 1000).unwrap_or(0);
    [(
        header::SET_COOKIE,
        session_cookie(&s.secret, max_age, state.settings.secure_cookies),
    )]
}

/// Create an account.
#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "auth", request_body = SignupRequest,
    responses(
        (status = 201, description = "Account created", body = SignupView),
        (status = 403, description = "Sign-up closed for this address", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "Email taken", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn signup(
    State(state): State<AppState>,
    ClientCtx(ctx): ClientCtx,
    ApiJson(req): ApiJson<SignupRequest>,
) -> ApiResult<Response> {
    let out = state
        .app
        .signup(
            SignupInput {
                email: req.email,
                name: req.name,
                password: req.password,
                invitation_token: req.invitation_token,
            },
            &ctx,
        )
        .await?;
    let view = SignupView {
        user: UserView::from(&out.user),
        verification_required: out.verification_required,
        session: out.session.as_ref().map(session_view),
    };
    Ok(match &out.session {
        Some(s) => (StatusCode::CREATED, set_cookie(&state, s), Json(view)).into_response(),
        None => (StatusCode::CREATED, Json(view)).into_response(),
    })
}

/// Sign in with email and password; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = SessionCreatedView),
        (status = 401, description = "Wrong email or password", body = ProblemView, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn login(
    State(state): State<AppState>,
    ClientCtx(ctx): ClientCtx,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    // A session the browser already holds is replaced, so the id changes at log-in.
    let replaces = match cookie(&headers, SESSION_COOKIE) {
        Some(secret) => state
            .app
            .authenticate_session(secret, ctx.clone())
            .await?
            .and_then(|a| match a.via {
                spectree_app::AuthVia::Session { id, .. } => Some(id),
                spectree_app::AuthVia::Token { .. } => None,
            }),
        None => None,
    };
    let s = state
        .app
        .login(&req.email, &req.password, &ctx, replaces)
        .await?;
    Ok((set_cookie(&state, &s), Json(session_view(&s))).into_response())
}

/// End the current session and clear the cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Signed out"),
        (status = 401, description = "Not signed in", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn logout(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<Response> {
    state.app.logout(&actor).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(
            header::SET_COOKIE,
            clear_session_cookie(state.settings.secure_cookies),
        )],
    )
        .into_response())
}

/// Confirm an email address with the token from the verification mail.
#[utoipa::path(post, path = "/api/v1/auth/verify-email", tag = "auth", request_body = TokenRequest,
    responses((status = 204, description = "Verified"),
        (status = 400, description = "Invalid or expired token", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn verify_email(
    State(state): State<AppState>,
    ClientCtx(ctx): ClientCtx,
    ApiJson(req): ApiJson<TokenRequest>,
) -> ApiResult<StatusCode> {
    state.app.verify_email(&req.token, &ctx).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Send a new verification mail to the current user.
#[utoipa::path(post, path = "/api/v1/auth/verify-email/resend", tag = "auth",
    responses((status = 202, description = "Sent (if the address is not yet verified)"),
        (status = 401, description = "Not signed in", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn resend_verification(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<StatusCode> {
    state.app.resend_verification(&actor).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Ask for a password-reset mail. Answers 202 whether or not the address has an account.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth", request_body = PasswordResetRequest,
    responses((status = 202, description = "Mail sent if the account exists")))]
pub(super) async fn request_password_reset(
    State(state): State<AppState>,
    ClientCtx(ctx): ClientCtx,
    ApiJson(req): ApiJson<PasswordResetRequest>,
) -> ApiResult<StatusCode> {
    state.app.request_password_reset(&req.email, &ctx).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Set a new password with the token from the reset mail; ends every session.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "auth",
    request_body = PasswordResetConfirmRequest,
    responses((status = 204, description = "Password changed"),
        (status = 400, description = "Invalid or expired token", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "Weak password", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn confirm_password_reset(
    State(state): State<AppState>,
    ClientCtx(ctx): ClientCtx,
    ApiJson(req): ApiJson<PasswordResetConfirmRequest>,
) -> ApiResult<StatusCode> {
    state
        .app
        .reset_password(&req.token, &req.password, &ctx)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
