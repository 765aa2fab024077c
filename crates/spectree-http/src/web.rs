//! The embedded web app: the static assets built from `web/` (by this crate's build script)
//! served at `/`, with `index.html` answering the app's client-side routes. Paths under the
//! API, the collaboration sockets and the ops endpoints never fall through to the app.

use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;

use crate::error::{ApiError, ErrorCode};

/// `web/dist`, embedded in release builds and read from disk in debug builds.
#[derive(Embed)]
#[folder = "../../web/dist/"]
struct Assets;

/// Prefixes that belong to the server; unknown paths there are problem+json 404s.
const SERVER_PREFIXES: [&str; 5] = ["/api", "/collab", "/livez", "/readyz", "/metrics"];

/// Hashed bundles never change under the same name; `index.html` must always be revalidated.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// The router's fallback service: [`fallback`] behind gzip (for clients that accept it).
pub(crate) fn service() -> axum::Router {
    axum::Router::new()
        .fallback(fallback)
        .layer(tower_http::compression::CompressionLayer::new())
}

/// The router's fallback: an asset, the app shell for a client route, or a 404.
pub(crate) async fn fallback(method: Method, uri: Uri) -> Response {
    let path = uri.path();
    let server_owned = SERVER_PREFIXES
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}/")));
    if server_owned {
        return ApiError::new(ErrorCode::NotFound, "no such route").into_response();
    }
    if method != Method::GET && method != Method::HEAD {
        return ApiError::code(ErrorCode::MethodNotAllowed).into_response();
    }
    let name = path.trim_start_matches('/');
    if !name.is_empty()
        && let Some(file) = Assets::get(name)
    {
        let cache = if name.starts_with("assets/") {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        return asset(file, cache);
    }
    // A missing file (the last segment has an extension) is a 404, not the app shell.
    let last = name.rsplit('/').next().unwrap_or_default();
    if last.contains('.') {
        return ApiError::new(ErrorCode::NotFound, "no such file").into_response();
    }
    match Assets::get("index.html") {
        Some(file) => asset(file, REVALIDATE),
        None => ApiError::new(
            ErrorCode::NotFound,
            "the web app was not built into this binary (web/dist is empty)",
        )
        .into_response(),
    }
}

fn asset(file: rust_embed::EmbeddedFile, cache: &'static str) -> Response {
    let mut res = (StatusCode::OK, file.data.into_owned()).into_response();
    let headers = res.headers_mut();
    if let Ok(mime) = HeaderValue::from_str(file.metadata.mimetype()) {
        headers.insert(header::CONTENT_TYPE, mime);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}
