//! Any OpenAI-compatible chat completions endpoint, streamed: `POST {base_url}/chat/completions`
//! with `stream: true`; the answer is Server-Sent Events whose `data:` chunks carry
//! `choices[0].delta.content` (read by `spectree_domain::ai::SseReader`). The API key is a
//! secret: it goes only into the `Authorization` header and never into a message.

use std::time::Duration;

use serde_json::json;
use spectree_domain::ai::{SseEvent, SseReader};
use tokio::sync::mpsc;

use super::provider::{AiProvider, ProviderError, ProviderFuture, ProviderRequest, instruction};

/// Where and how to reach the endpoint.
#[derive(Clone)]
pub struct OpenAiSettings {
    /// Base URL up to and including the version, e.g. `https://api.example.com/v1`.
    pub base_url: String,
    /// Model name.
    pub model: String,
    /// Bearer token, if the endpoint needs one.
    pub api_key: Option<String>,
    /// Connect timeout, and the longest silence between two pieces of the answer.
    pub timeout: Duration,
}

impl std::fmt::Debug for OpenAiSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiSettings")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The OpenAI-compatible provider.
pub struct OpenAiProvider {
    settings: OpenAiSettings,
    http: Result<reqwest::Client, String>,
}

impl OpenAiProvider {
    /// A provider for `settings`. A client that cannot be built (no TLS backend) makes
    /// every job fail with the reason.
    pub fn new(settings: OpenAiSettings) -> Self {
        crate::install_tls_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(settings.timeout)
            .read_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {e}"));
        Self { settings, http }
    }
}

impl AiProvider for OpenAiProvider {
    fn name(&self) -> &'static str {
        "openai"
    }

    fn generate<'a>(
        &'a self,
        request: &'a ProviderRequest,
        tokens: mpsc::Sender<String>,
    ) -> ProviderFuture<'a> {
        Box::pin(async move {
            let http = self.http.as_ref().map_err(|e| ProviderError(e.clone()))?;
            let url = format!(
                "{}/chat/completions",
                self.settings.base_url.trim_end_matches('/')
            );
            let body = json!({
                "model": self.settings.model,
                "stream": true,
                "max_tokens": request.max_tokens,
                "messages": [
                    {"role": "system", "content": "You help write software specifications. \
                        Follow the format asked for exactly."},
                    {"role": "user", "content": instruction(&request.context)},
                ],
            });
            let mut req = http.post(&url).json(&body);
            if let Some(key) = &self.settings.api_key {
                req = req.bearer_auth(key);
            }
            let mut resp = req.send().await.map_err(|e| {
                ProviderError(format!("the AI provider is not reachable: {}", plain(&e)))
            })?;
            let status = resp.status();
            if !status.is_success() {
                let text = resp.text().await.unwrap_or_default();
                let detail = provider_message(&text).unwrap_or_default();
                return Err(ProviderError(format!(
                    "the AI provider answered {status}{}",
                    if detail.is_empty() {
                        String::new()
                    } else {
                        format!(": {detail}")
                    }
                )));
            }
            let mut reader = SseReader::default();
            let mut sent = 0u32;
            loop {
                let chunk = resp.chunk().await.map_err(|e| {
                    ProviderError(format!("the AI provider's answer broke off: {}", plain(&e)))
                })?;
                let Some(chunk) = chunk else {
                    return Ok(());
                };
                for ev in reader.feed(&chunk) {
                    match ev {
                        SseEvent::Token(t) => {
                            if sent >= request.max_tokens {
                                return Ok(());
                            }
                            sent += 1;
                            if tokens.send(t).await.is_err() {
                                return Ok(());
                            }
                        }
                        SseEvent::Done => return Ok(()),
                        SseEvent::Error(m) => {
                            return Err(ProviderError(format!("the AI provider reported: {m}")));
                        }
                    }
                }
            }
        })
    }
}

/// What went wrong, without the error's text (it names the URL, which may carry
/// credentials in its user part).
fn plain(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    }
}

/// The `error.message` of an OpenAI-style error body, cut to a readable length.
fn provider_message(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    let m = v.get("error")?.get("message")?.as_str()?;
    Some(m.chars().take(300).collect())
}
