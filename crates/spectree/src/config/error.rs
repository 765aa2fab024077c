//! Why a configuration could not be loaded, and where the offending value came from.

use std::fmt;
use std::path::PathBuf;

/// Where a configuration value came from, so an error can point at the place to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The built-in default.
    Default,
    /// The TOML file at this path.
    File(PathBuf),
    /// This environment variable (for secrets, possibly the `*_FILE` variant).
    Env(String),
    /// This command-line flag, e.g. `--listen`.
    Flag(&'static str),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Default => f.write_str("built-in default"),
            Self::File(path) => write!(f, "{}", path.display()),
            Self::Env(name) => f.write_str(name),
            Self::Flag(flag) => f.write_str(flag),
        }
    }
}

/// A configuration that cannot be used. Every message names the offending key (or variable)
/// and, for values, where the value came from; messages never include a secret's value.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("cannot read config file {}: {error}", .path.display())]
    ReadFile {
        /// The file named by `--config` or `SPECTREE_CONFIG`.
        path: PathBuf,
        /// What the operating system said.
        error: std::io::Error,
    },
    /// The config file is not valid TOML.
    #[error("{} is not valid TOML: {message}", .path.display())]
    ParseFile {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// The config file has a key Spec Tree does not know (usually a typo).
    #[error("unknown key \"{key}\" in {}{}", .path.display(), did_you_mean(.suggestion.as_deref()))]
    UnknownKey {
        /// The dotted key, e.g. `auth.sesion_idle_timeout`.
        key: String,
        /// The file.
        path: PathBuf,
        /// The closest known key, if one is close.
        suggestion: Option<String>,
    },
    /// A `SPECTREE_*` environment variable that names no setting (usually a typo).
    #[error("unknown environment variable {name}{}", did_you_mean(.suggestion.as_deref()))]
    UnknownEnv {
        /// The variable's name.
        name: String,
        /// The closest known variable, if one is close.
        suggestion: Option<String>,
    },
    /// A secret was given both directly and through its `*_FILE` variable.
    #[error("{key}: both {name} and {name}_FILE are set; set only one")]
    SecretTwice {
        /// The key, e.g. `database_url`.
        key: &'static str,
        /// The plain variable, e.g. `SPECTREE_DATABASE_URL`.
        name: String,
    },
    /// The file named by a `*_FILE` variable could not be read.
    #[error("{key}: cannot read {} (from {name}): {error}", .path.display())]
    ReadSecretFile {
        /// The key, e.g. `database_url`.
        key: &'static str,
        /// The `*_FILE` variable.
        name: String,
        /// The file it names.
        path: PathBuf,
        /// What the operating system said.
        error: std::io::Error,
    },
    /// A value of the wrong type or out of range.
    #[error("{key}: {message} (from {origin})")]
    Invalid {
        /// The dotted key, e.g. `auth.session_idle_timeout`.
        key: &'static str,
        /// What is wrong, e.g. `invalid duration "abc"`.
        message: String,
        /// Where the value came from.
        origin: Origin,
    },
    /// A key without a default was never given a value. Only a mistake in the key table can
    /// cause this: every required key has a default.
    #[error("{key}: no value given and no default")]
    Missing {
        /// The dotted key.
        key: &'static str,
    },
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion
        .map(|s| format!(" (did you mean {s}?)"))
        .unwrap_or_default()
}
