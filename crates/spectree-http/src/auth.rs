//! Authentication of requests: a session cookie or a bearer API token. Cookie-authenticated
//! writes must echo the session's CSRF token in `X-CSRF-Token`; every write that carries an
//! `Origin` header must come from this site (see [`crate::origin`]).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use spectree_app::{Actor, AuthVia, RequestCtx};

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "spectree_session";
/// Header carrying the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The authenticated user of a request.
pub struct Authenticated(pub Actor);

/// Where the request came from (for the audit log and rate limits).
pub struct ClientCtx(pub RequestCtx);

impl FromRequestParts<AppState> for ClientCtx {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(ClientCtx(request_ctx(parts, state)))
    }
}

fn request_ctx(parts: &Parts, state: &AppState) -> RequestCtx {
    let forwarded = state
        .settings
        .trust_forwarded_for
        .then(|| {
            parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .map(|s| s.trim().to_owned())
        })
        .flatten();
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip().to_string());
    RequestCtx {
        ip: forwarded.or(peer),
        user_agent: parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(256).collect()),
    }
}

/// The value of a cookie.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ctx = request_ctx(parts, state);
        if let Some(token) = bearer(&parts.headers) {
            return match state.app.authenticate_token(token, ctx).await? {
                Some(actor) => Ok(Authenticated(actor)),
                None => Err(ApiError::new(
                    ErrorCode::Unauthenticated,
                    "the API token is unknown, revoked or expired",
                )),
            };
        }
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(ApiError::code(ErrorCode::Unauthenticated));
        };
        let Some(actor) = state.app.authenticate_session(secret, ctx).await? else {
            return Err(ApiError::new(
                ErrorCode::Unauthenticated,
                "the session has ended; sign in again",
            ));
        };
        if !is_safe(&parts.method) {
            let AuthVia::Session { csrf_token, .. } = &actor.via else {
                return Err(ApiError::code(ErrorCode::CsrfFailed));
            };
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if !sent.is_some_and(|s| constant_time_eq(s.as_bytes(), csrf_token.as_bytes())) {
                return Err(ApiError::code(ErrorCode::CsrfFailed));
            }
        }
        Ok(Authenticated(actor))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A `Set-Cookie` value that stores the session secret.
pub fn session_cookie(secret: &str, max_age_secs: u64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// A `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(secure: bool) -> String {
    session_cookie("", 0, secure)
}
