//! Cross-site request protection: a write (any method but GET, HEAD, OPTIONS) that carries an
//! `Origin` header must come from the instance's public URL or from the host it was sent to.
//! Browsers always send `Origin` on cross-site writes, so this stops cross-site form posts
//! (including log-in CSRF); API clients that send no `Origin` are unaffected.

use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// The middleware.
pub async fn check_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe
        && let Some(origin) = req
            .headers()
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
    {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok());
        if !origin_allowed(origin, &state.settings.public_url, host) {
            return ApiError::new(
                ErrorCode::OriginMismatch,
                format!("requests from {origin} are not accepted"),
            )
            .into_response();
        }
    }
    next.run(req).await
}

/// Whether `origin` is the public URL's origin or names the same host the request went to.
pub fn origin_allowed(origin: &str, public_url: &str, host: Option<&str>) -> bool {
    let origin = origin.trim_end_matches('/');
    if origin == "null" {
        return false;
    }
    if origin.eq_ignore_ascii_case(origin_of(public_url)) {
        return true;
    }
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h))
}

fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_checked_against_the_public_url_and_host() {
        let public = "https://specs.example.com/";
        assert!(origin_allowed("https://specs.example.com", public, None));
        assert!(origin_allowed(
            "http://127.0.0.1:8080",
            public,
            Some("127.0.0.1:8080")
        ));
        assert!(!origin_allowed(
            "https://evil.example",
            public,
            Some("specs.example.com")
        ));
        assert!(!origin_allowed("null", public, Some("null")));
        assert!(!origin_allowed("http://specs.example.com", public, None));
    }
}
