//! Builds the web app (`web/` → `web/dist`) that this crate embeds, when `dist` is missing or
//! older than the app's sources: `npm ci` when `node_modules` does not match the lock file,
//! then `npm run build`. Cargo reruns this script only when those sources change, so a build
//! with nothing changed costs nothing. `SPECTREE_SKIP_WEB_BUILD=1` skips it (the server then
//! answers 404 at `/` unless `web/dist` was built some other way).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// Inputs of the web build, relative to `web/`. Each must exist: Cargo reruns the script on
/// every build for a path that does not.
const SOURCES: [&str; 6] = [
    "src",
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "tsconfig.json",
];

/// Written after a successful `npm ci`: a copy of the lock file it installed.
const STAMP: &str = "node_modules/.spectree-installed-lock.json";

fn main() {
    // Read when the script runs (not baked in when it is compiled), so a script binary
    // reused from a shared target directory still builds this checkout's app.
    let Some(manifest_dir) = std::env::var_os("CARGO_MANIFEST_DIR") else {
        println!("cargo::error=CARGO_MANIFEST_DIR is not set");
        return;
    };
    let web = Path::new(&manifest_dir).join("../../web");
    for source in SOURCES {
        println!("cargo::rerun-if-changed={}", web.join(source).display());
    }
    println!("cargo::rerun-if-env-changed=SPECTREE_SKIP_WEB_BUILD");
    if let Err(e) = build(&web) {
        println!(
            "cargo::error=building the web app in {} failed: {e}",
            web.display()
        );
        return;
    }
    // A build made outside Cargo (`npm run build`) is embedded too.
    let shell = web.join("dist/index.html");
    if shell.exists() {
        println!("cargo::rerun-if-changed={}", shell.display());
    }
}

fn build(web: &Path) -> Result<(), String> {
    let dist = web.join("dist");
    if std::env::var_os("SPECTREE_SKIP_WEB_BUILD").is_some() {
        return std::fs::create_dir_all(&dist).map_err(|e| e.to_string());
    }
    let built = modified(&dist.join("index.html"));
    let newest = SOURCES.iter().filter_map(|s| newest_in(&web.join(s))).max();
    if let (Some(built), Some(newest)) = (built, newest)
        && built >= newest
    {
        return Ok(());
    }
    let lock = std::fs::read(web.join("package-lock.json")).map_err(|e| e.to_string())?;
    if std::fs::read(web.join(STAMP)).ok().as_deref() != Some(lock.as_slice()) {
        npm(web, &["ci", "--no-audit", "--no-fund"])?;
        std::fs::write(web.join(STAMP), &lock).map_err(|e| e.to_string())?;
    }
    npm(web, &["run", "build"])
}

fn npm(web: &Path, args: &[&str]) -> Result<(), String> {
    let out = Command::new("npm")
        .args(args)
        .current_dir(web)
        .output()
        .map_err(|e| format!("cannot start npm ({e}); install Node.js 20+ with npm"))?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "`npm {}` failed ({}): {} {}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
    .replace('\n', " "))
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The newest modification time of a file or of anything under a folder.
fn newest_in(path: &Path) -> Option<SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    let mut newest = meta.modified().ok();
    let mut stack: Vec<PathBuf> = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Some(m) = modified(&p) {
                newest = newest.max(Some(m));
            }
        }
    }
    newest
}
