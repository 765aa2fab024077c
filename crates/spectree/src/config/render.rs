//! Renders configuration as TOML: `config example` (every key at its default, documented)
//! and `config print` (the effective values, secrets redacted).

use std::fmt::Write as _;
use std::time::Duration;

use super::keys::{DefaultValue, KEYS, Key, Kind, Shown};
use super::model::Config;

/// A complete, commented TOML file with every key at its default: what
/// `spectree config example` prints. Keys whose default is computed or absent are shown
/// commented out, with an example value.
pub fn example() -> String {
    let mut out = String::from(
        "# Spec Tree configuration.\n\
         #\n\
         # Layers, each overriding the one before: built-in defaults < this file (--config or\n\
         # SPECTREE_CONFIG) < SPECTREE_* environment variables < command-line flags.\n\
         # Unknown keys and unknown SPECTREE_* variables are errors.\n\
         # Durations are written like \"30s\", \"15m\", \"7d\" or \"1h 30m\".\n\
         # Secrets can also be read from a file: SPECTREE_<NAME>_FILE=/run/secrets/<name>.\n",
    );
    for_each_key(&mut out, true, |out, key| {
        for line in key.doc.lines() {
            let _ = writeln!(out, "# {}", line.trim());
        }
        let env = key.env_name();
        let _ = match (key.secret, key.kind) {
            (true, _) => writeln!(out, "# Secret. Environment: {env} or {env}_FILE."),
            (false, Kind::List) => writeln!(out, "# Environment: {env} (comma-separated)."),
            (false, _) => writeln!(out, "# Environment: {env}."),
        };
        match key.default {
            DefaultValue::Fixed(value) => {
                let _ = writeln!(out, "{} = {}", key.name(), literal(key.kind, value));
            }
            DefaultValue::Derived { rule, example } => {
                let _ = writeln!(out, "# Default: {rule}.");
                let _ = writeln!(out, "# {} = {}", key.name(), literal(key.kind, example));
            }
            DefaultValue::Unset { example } => {
                let _ = writeln!(out, "# Default: unset.");
                let _ = writeln!(out, "# {} = {}", key.name(), literal(key.kind, example));
            }
        }
    });
    out
}

/// The effective configuration as TOML, secrets shown as `[redacted]`: what
/// `spectree config print` prints. Unset optional keys appear as comments.
pub fn print(config: &Config) -> String {
    let mut out = String::new();
    for_each_key(&mut out, false, |out, key| {
        let name = key.name();
        let _ = match (key.show)(config) {
            Shown::Text(text) => writeln!(out, "{name} = {}", toml::Value::String(text)),
            Shown::Number(number) => writeln!(out, "{name} = {number}"),
            Shown::Bool(value) => writeln!(out, "{name} = {value}"),
            Shown::List(items) => writeln!(out, "{name} = {}", string_array(items)),
            Shown::Unset => writeln!(out, "# {name} is not set"),
        };
    });
    out
}

/// Walks the key table, writing a `[section]` header before each section's first key and
/// calling `write` for each key. With `spaced`, keys are separated by a blank line (for
/// documented keys); otherwise only sections are.
fn for_each_key(out: &mut String, spaced: bool, mut write: impl FnMut(&mut String, &Key)) {
    let mut current: Option<&str> = None;
    for key in KEYS {
        let new_section = key.section() != current;
        if !out.is_empty() && (spaced || new_section) {
            out.push('\n');
        }
        if new_section {
            current = key.section();
            if let Some(section) = current {
                let _ = writeln!(out, "[{section}]");
                if spaced {
                    out.push('\n');
                }
            }
        }
        write(out, key);
    }
}

/// A value from the key table (written as in the environment) as a TOML literal.
fn literal(kind: Kind, value: &str) -> String {
    match kind {
        Kind::U32 | Kind::Usize | Kind::Bool => value.to_owned(),
        Kind::List => string_array(
            value
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
        Kind::String | Kind::Duration | Kind::Enum(_) => {
            toml::Value::String(value.to_owned()).to_string()
        }
    }
}

fn string_array(items: Vec<String>) -> String {
    toml::Value::Array(items.into_iter().map(toml::Value::String).collect()).to_string()
}

/// A duration in the largest whole units, e.g. `7d`, `1h 30m`, `1s 500ms`: the form
/// humantime parses back.
pub(super) fn format_duration(duration: Duration) -> String {
    const UNITS: [(u64, &str); 4] = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let mut parts = Vec::new();
    let mut seconds = duration.as_secs();
    for (size, unit) in UNITS {
        if seconds >= size {
            parts.push(format!("{}{unit}", seconds / size));
            seconds %= size;
        }
    }
    let nanos = duration.subsec_nanos();
    for (size, unit) in [(1_000_000, "ms"), (1_000, "us"), (1, "ns")] {
        let count = nanos / size % 1_000;
        if count > 0 {
            parts.push(format!("{count}{unit}"));
        }
    }
    if parts.is_empty() {
        return "0s".to_owned();
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_format_in_the_largest_whole_units() {
        assert_eq!(format_duration(Duration::from_secs(7 * 86_400)), "7d");
        assert_eq!(format_duration(Duration::from_secs(5_400)), "1h 30m");
        assert_eq!(format_duration(Duration::from_millis(1_500)), "1s 500ms");
        assert_eq!(format_duration(Duration::ZERO), "0s");
        for text in ["7d", "1h 30m", "1s 500ms", "48h", "14d"] {
            let parsed = humantime::parse_duration(text).unwrap();
            assert_eq!(
                humantime::parse_duration(&format_duration(parsed)).unwrap(),
                parsed
            );
        }
    }
}
