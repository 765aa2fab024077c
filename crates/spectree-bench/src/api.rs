//! A small client of the Spec Tree API: first-run setup, a personal API token, and the few
//! calls the benchmarks make, all with `Authorization: Bearer`.

use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::{Value, json};

/// Password of the benchmark's administrator.
const PASSWORD: &str = "benchmark passphrase of the spec tree";

/// An authenticated API client.
#[derive(Clone)]
pub struct Api {
    base: String,
    token: String,
    http: reqwest::Client,
}

/// A response read to the end without keeping its body.
#[derive(Debug, Clone, Copy)]
pub struct Drained {
    /// HTTP status.
    pub status: u16,
    /// Body bytes received.
    pub bytes: usize,
}

fn http_client(cookies: bool) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .cookie_store(cookies)
        .timeout(Duration::from_secs(120))
        .build()
        .context("building the HTTP client")
}

impl Api {
    /// Creates the first administrator with the setup code, then a personal API token that
    /// every later call uses.
    pub async fn first_admin(base: &str, setup_code: &str) -> anyhow::Result<Api> {
        let browser = http_client(true)?;
        let session = send_json(browser.post(format!("{base}/api/v1/setup")).json(&json!({
            "code": setup_code,
            "email": "bench@example.com",
            "name": "Bench",
            "password": PASSWORD,
        })))
        .await
        .context("completing first-run setup")?;
        let csrf = session["csrf_token"]
            .as_str()
            .context("setup answer has no csrf_token")?;
        let token = send_json(
            browser
                .post(format!("{base}/api/v1/me/tokens"))
                .header("x-csrf-token", csrf)
                .json(&json!({ "name": "spectree-bench" })),
        )
        .await
        .context("creating an API token")?;
        let secret = token["secret"]
            .as_str()
            .context("token answer has no secret")?;
        Ok(Api {
            base: base.to_owned(),
            token: secret.to_owned(),
            http: http_client(false)?,
        })
    }

    /// The same credentials on a client of its own (its own connection pool).
    pub fn fresh(&self) -> anyhow::Result<Api> {
        Ok(Api {
            base: self.base.clone(),
            token: self.token.clone(),
            http: http_client(false)?,
        })
    }

    /// POSTs JSON; the answer must be a success.
    pub async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        send_json(
            self.http
                .post(format!("{}{path}", self.base))
                .bearer_auth(&self.token)
                .json(body),
        )
        .await
        .with_context(|| format!("POST {path}"))
    }

    /// GETs; the answer must be a success. Returns the raw body, so callers can time the
    /// request apart from parsing.
    pub async fn get_body(&self, path: &str) -> anyhow::Result<Vec<u8>> {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        let status = resp.status();
        let body = resp.bytes().await?;
        if !status.is_success() {
            bail!("GET {path}: {status}: {}", String::from_utf8_lossy(&body));
        }
        Ok(body.to_vec())
    }

    /// GETs and reads the whole body, counting its bytes without keeping them.
    pub async fn get_drained(&self, path: &str) -> anyhow::Result<Drained> {
        drain(
            self.http
                .get(format!("{}{path}", self.base))
                .bearer_auth(&self.token),
        )
        .await
        .with_context(|| format!("GET {path}"))
    }

    /// POSTs JSON and reads the whole answer, whatever its status.
    pub async fn post_drained(&self, path: &str, body: &Value) -> anyhow::Result<Drained> {
        drain(
            self.http
                .post(format!("{}{path}", self.base))
                .bearer_auth(&self.token)
                .json(body),
        )
        .await
        .with_context(|| format!("POST {path}"))
    }
}

async fn send_json(req: reqwest::RequestBuilder) -> anyhow::Result<Value> {
    let resp = req.send().await?;
    let status = resp.status();
    let body = resp.bytes().await?;
    if !status.is_success() {
        bail!("{status}: {}", String::from_utf8_lossy(&body));
    }
    Ok(serde_json::from_slice(&body)?)
}

async fn drain(req: reqwest::RequestBuilder) -> anyhow::Result<Drained> {
    let mut resp = req.send().await?;
    let status = resp.status().as_u16();
    let mut bytes = 0;
    while let Some(chunk) = resp.chunk().await? {
        bytes += chunk.len();
    }
    Ok(Drained { status, bytes })
}

/// `text` for a query string: letters and digits as they are, everything else
/// percent-encoded.
pub fn query_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_text_is_percent_encoded() {
        assert_eq!(super::query_escape("log in&x=ü"), "log%20in%26x%3D%C3%BC");
    }
}
