//! Collects raw values from each layer, in order: built-in defaults < TOML file < `SPECTREE_*`
//! environment < command-line flags. A later layer replaces an earlier one key by key.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::error::{ConfigError, Origin};
use super::keys::{self, DefaultValue, KEYS};
use super::raw::Raw;
use super::suggest::closest;

/// Variables under the `SPECTREE_` prefix that are not settings: the log filter (read by
/// `main`), the config file path (read by `main`) and test-harness variables.
const NOT_SETTINGS: &[&str] = &["SPECTREE_LOG", "SPECTREE_CONFIG"];
const TEST_PREFIX: &str = "SPECTREE_TEST_";

/// Command-line flags that override every other layer. `None` leaves a key to the layers
/// below.
#[derive(Clone, Default)]
pub struct Overrides {
    /// `--listen`.
    pub listen: Option<String>,
    /// `--data-dir`.
    pub data_dir: Option<String>,
    /// `--database-url` (a secret; prefer `SPECTREE_DATABASE_URL_FILE`, as command lines are
    /// visible to other local users).
    pub database_url: Option<String>,
    /// `--redis-url` (a secret, like `database_url`).
    pub redis_url: Option<String>,
    /// `--public-url`.
    pub public_url: Option<String>,
}

impl std::fmt::Debug for Overrides {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |value: &Option<String>| value.as_ref().map(|_| "[redacted]");
        f.debug_struct("Overrides")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &redacted(&self.database_url))
            .field("redis_url", &redacted(&self.redis_url))
            .field("public_url", &self.public_url)
            .finish()
    }
}

/// The winning raw value of each key that some layer set, with where it came from.
#[derive(Debug, Default)]
pub(super) struct Layers {
    values: BTreeMap<&'static str, (Raw, Origin)>,
}

impl Layers {
    /// The built-in defaults (derived defaults are computed later, from the final values).
    pub fn defaults() -> Self {
        let mut layers = Self::default();
        for key in KEYS {
            if let DefaultValue::Fixed(value) = key.default {
                layers.set(key.path, Raw::Text(value.to_owned()), Origin::Default);
            }
        }
        layers
    }

    /// The raw value of `path` and its origin, if any layer set it.
    pub fn get(&self, path: &'static str) -> Option<&(Raw, Origin)> {
        self.values.get(path)
    }

    fn set(&mut self, path: &'static str, raw: Raw, origin: Origin) {
        self.values.insert(path, (raw, origin));
    }

    /// Applies a TOML file's text. Every key must be known.
    pub fn apply_file(&mut self, path: &Path, text: &str) -> Result<(), ConfigError> {
        let table: toml::Table =
            text.parse()
                .map_err(|error: toml::de::Error| ConfigError::ParseFile {
                    path: path.to_owned(),
                    message: error.to_string().trim_end().to_owned(),
                })?;
        let origin = Origin::File(path.to_owned());
        for (name, value) in table {
            match value {
                toml::Value::Table(section) if keys::sections().any(|s| s == name) => {
                    for (inner, value) in section {
                        self.apply_file_key(&format!("{name}.{inner}"), value, path, &origin)?;
                    }
                }
                value => self.apply_file_key(&name, value, path, &origin)?,
            }
        }
        Ok(())
    }

    fn apply_file_key(
        &mut self,
        dotted: &str,
        value: toml::Value,
        path: &Path,
        origin: &Origin,
    ) -> Result<(), ConfigError> {
        if let Some(section) = keys::sections().find(|section| *section == dotted) {
            return Err(ConfigError::Invalid {
                key: section,
                message: format!("expected a [{section}] table, found {}", value.type_str()),
                origin: origin.clone(),
            });
        }
        let Some(key) = keys::find(dotted) else {
            return Err(ConfigError::UnknownKey {
                key: dotted.to_owned(),
                path: path.to_owned(),
                suggestion: closest(dotted, KEYS.iter().map(|key| key.path)),
            });
        };
        self.set(key.path, Raw::Toml(value), origin.clone());
        Ok(())
    }

    /// Applies the `SPECTREE_*` variables of `env`. A variable that names no key is an
    /// error, so a typo cannot be silently ignored.
    pub fn apply_env(&mut self, env: &HashMap<String, String>) -> Result<(), ConfigError> {
        let mut names: Vec<&String> = env
            .keys()
            .filter(|name| name.starts_with("SPECTREE_"))
            .filter(|name| !NOT_SETTINGS.contains(&name.as_str()))
            .filter(|name| !name.starts_with(TEST_PREFIX))
            .collect();
        // Sorted so that, with several mistakes, the same one is reported every time.
        names.sort();
        for name in names {
            if !known_env_names().any(|known| known == *name) {
                return Err(ConfigError::UnknownEnv {
                    name: name.clone(),
                    suggestion: closest(name, known_env_names()),
                });
            }
        }
        for key in KEYS {
            let name = key.env_name();
            let file_name = format!("{name}_FILE");
            let plain = env.get(&name);
            let from_file = env.get(&file_name).filter(|_| key.secret);
            match (plain, from_file) {
                (Some(_), Some(_)) => {
                    return Err(ConfigError::SecretTwice {
                        key: key.path,
                        name,
                    });
                }
                (Some(value), None) => {
                    self.set(key.path, Raw::Text(value.clone()), Origin::Env(name));
                }
                (None, Some(file)) => {
                    let value = read_secret_file(key.path, &file_name, Path::new(file))?;
                    self.set(key.path, Raw::Text(value), Origin::Env(file_name));
                }
                (None, None) => {}
            }
        }
        Ok(())
    }

    /// Applies the command-line flags.
    pub fn apply_flags(&mut self, flags: &Overrides) {
        let pairs = [
            ("listen", "--listen", &flags.listen),
            ("data_dir", "--data-dir", &flags.data_dir),
            ("database_url", "--database-url", &flags.database_url),
            ("redis_url", "--redis-url", &flags.redis_url),
            ("public_url", "--public-url", &flags.public_url),
        ];
        for (path, flag, value) in pairs {
            if let Some(value) = value {
                self.set(path, Raw::Text(value.clone()), Origin::Flag(flag));
            }
        }
    }
}

/// Every variable name that sets a key, `*_FILE` variants included.
fn known_env_names() -> impl Iterator<Item = String> {
    KEYS.iter().flat_map(|key| {
        let name = key.env_name();
        let file = key.secret.then(|| format!("{name}_FILE"));
        std::iter::once(name).chain(file)
    })
}

/// Reads a secret from the file a `*_FILE` variable names, without its trailing newline.
fn read_secret_file(key: &'static str, name: &str, path: &Path) -> Result<String, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|error| ConfigError::ReadSecretFile {
        key,
        name: name.to_owned(),
        path: PathBuf::from(path),
        error,
    })?;
    Ok(text.trim_end_matches(['\n', '\r']).to_owned())
}
