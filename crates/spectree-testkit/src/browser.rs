//! The browser test harness: runs the web app's end-to-end scenarios (`web/e2e/*.mjs`,
//! playwright-core) in Debian's Chromium against a [`crate::TestServer`].
//!
//! Chromium is installed on first use by `web/e2e/ensure-chromium.sh` (apt) when
//! `/usr/bin/chromium` is missing. The npm packages (playwright-core among them) come from
//! `web/package-lock.json`, installed by the `spectree-http` build script that builds the app.
//! Missing pieces are errors, not skips: the browser tests need a real browser.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::Value;
use tokio::process::Command;
use tokio::sync::OnceCell;

/// The web app's folder.
pub const WEB_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../web");

/// How long one scenario may run before it counts as hung.
const SCENARIO_DEADLINE: Duration = Duration::from_secs(300);

static READY: OnceCell<()> = OnceCell::const_new();

/// Makes sure Chromium, the npm packages and the built app are there (once per process).
pub async fn ensure_ready() -> anyhow::Result<()> {
    READY
        .get_or_try_init(|| async {
            let web = Path::new(WEB_DIR);
            let out = Command::new("bash")
                .arg(web.join("e2e/ensure-chromium.sh"))
                .stdin(Stdio::null())
                .output()
                .await
                .context("running web/e2e/ensure-chromium.sh")?;
            if !out.status.success() {
                bail!(
                    "Chromium is needed for the browser tests and could not be installed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            for needed in ["node_modules/playwright-core/package.json", "dist/index.html"] {
                if !web.join(needed).exists() {
                    bail!(
                        "web/{needed} is missing: the spectree-http build script builds the web app \
                         (was SPECTREE_SKIP_WEB_BUILD set?)"
                    );
                }
            }
            Ok(())
        })
        .await
        .copied()
}

/// Runs one scenario (`setup`, `collab`) against `base` with `fixture`, saving screenshots in
/// `screenshots` when given, and returns what it measured (the `E2E_RESULT` JSON).
pub async fn run_scenario(
    scenario: &str,
    base: &str,
    fixture: &Value,
    screenshots: Option<&Path>,
) -> anyhow::Result<Value> {
    ensure_ready().await?;
    let mut cmd = Command::new("node");
    cmd.arg("e2e/run.mjs")
        .arg(scenario)
        .current_dir(WEB_DIR)
        .env("E2E_BASE", base)
        .env("E2E_FIXTURE", fixture.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(dir) = screenshots {
        std::fs::create_dir_all(dir)?;
        cmd.env("E2E_SCREENSHOTS", dir);
    }
    let child = cmd.spawn().context("starting `node e2e/run.mjs`")?;
    let out = tokio::time::timeout(SCENARIO_DEADLINE, child.wait_with_output())
        .await
        .with_context(|| format!("scenario {scenario} did not finish in time"))??;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        bail!(
            "scenario {scenario} failed ({}):\n{stdout}\n{stderr}",
            out.status
        );
    }
    let result = stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("E2E_RESULT "))
        .with_context(|| format!("scenario {scenario} printed no result:\n{stdout}\n{stderr}"))?;
    Ok(serde_json::from_str(result)?)
}

/// Where to save screenshots: `SPECTREE_E2E_SCREENSHOTS`, when set (used to refresh the ones
/// in `docs/screenshots`).
pub fn screenshot_dir() -> Option<PathBuf> {
    std::env::var_os("SPECTREE_E2E_SCREENSHOTS").map(PathBuf::from)
}
