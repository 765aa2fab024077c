//! A client of the API. It keeps cookies like a browser and sends the session's CSRF token on
//! writes once it has one; with [`Client::with_token`] it authenticates like a script.

use std::sync::{Arc, Mutex};

use reqwest::Method;
use serde_json::Value;

/// An answer.
#[derive(Debug, Clone)]
pub struct Resp {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// Body as JSON (`Null` when empty, a string when not JSON).
    pub body: Value,
}

impl Resp {
    /// The problem+json `code`, if this is an error.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A client of one server.
#[derive(Clone)]
pub struct Client {
    base: String,
    http: reqwest::Client,
    csrf: Arc<Mutex<Option<String>>>,
    bearer: Option<String>,
}

impl Client {
    pub(crate) fn new(base: &str) -> Self {
        spectree_app::install_tls_provider();
        Self {
            base: base.to_owned(),
            http: reqwest::Client::builder()
                .cookie_store(true)
                .build()
                .unwrap(),
            csrf: Arc::new(Mutex::new(None)),
            bearer: None,
        }
    }

    /// A client that sends `Authorization: Bearer <token>` and no cookies.
    pub fn with_token(&self, token: &str) -> Client {
        Client {
            base: self.base.clone(),
            http: reqwest::Client::new(),
            csrf: Arc::new(Mutex::new(None)),
            bearer: Some(token.to_owned()),
        }
    }

    /// Remembers the CSRF token of a session-creating answer (`csrf_token` field).
    pub fn adopt_session(&self, body: &Value) {
        if let Some(t) = body["csrf_token"].as_str() {
            *self.csrf.lock().unwrap() = Some(t.to_owned());
        }
    }

    /// Forgets the CSRF token (to test that writes without it fail).
    pub fn forget_csrf(&self) {
        *self.csrf.lock().unwrap() = None;
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// A request builder with authentication and CSRF applied, for tests that need raw
    /// control (bodies, headers).
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut b = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(t) = &self.bearer {
            b = b.bearer_auth(t);
        }
        if !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS)
            && let Some(csrf) = self.csrf.lock().unwrap().clone()
        {
            b = b.header("x-csrf-token", csrf);
        }
        b
    }

    /// Sends a built request and reads the answer.
    pub async fn send(&self, b: reqwest::RequestBuilder) -> Resp {
        let r = b.send().await.unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Resp {
            status,
            headers,
            body,
        }
    }

    /// GET.
    pub async fn get(&self, path: &str) -> Resp {
        self.send(self.request(Method::GET, path)).await
    }

    /// POST with a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> Resp {
        self.send(self.request(Method::POST, path).json(body)).await
    }

    /// POST without a body.
    pub async fn post_empty(&self, path: &str) -> Resp {
        self.send(self.request(Method::POST, path)).await
    }

    /// PUT with a JSON body.
    pub async fn put(&self, path: &str, body: &Value) -> Resp {
        self.send(self.request(Method::PUT, path).json(body)).await
    }

    /// PATCH with a JSON body.
    pub async fn patch(&self, path: &str, body: &Value) -> Resp {
        self.send(self.request(Method::PATCH, path).json(body))
            .await
    }

    /// DELETE.
    pub async fn delete(&self, path: &str) -> Resp {
        self.send(self.request(Method::DELETE, path)).await
    }

    /// Signs in with email and password and adopts the session.
    pub async fn login(&self, email: &str, password: &str) -> Resp {
        let r = self
            .post(
                "/api/v1/auth/login",
                &serde_json::json!({"email": email, "password": password}),
            )
            .await;
        if r.status == 200 {
            self.adopt_session(&r.body);
        }
        r
    }

    /// The signed-in user's id.
    pub async fn user_id(&self) -> String {
        let r = self.get("/api/v1/me").await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["user"]["id"].as_str().unwrap().to_owned()
    }

    /// Creates an organization and returns its id.
    pub async fn create_org(&self, name: &str, slug: &str) -> String {
        let r = self
            .post(
                "/api/v1/orgs",
                &serde_json::json!({"name": name, "slug": slug}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.body["id"].as_str().unwrap().to_owned()
    }

    /// Creates a team and returns its id.
    pub async fn create_team(&self, org: &str, name: &str, slug: &str) -> String {
        let r = self
            .post(
                &format!("/api/v1/orgs/{org}/teams"),
                &serde_json::json!({"name": name, "slug": slug}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.body["id"].as_str().unwrap().to_owned()
    }
}
