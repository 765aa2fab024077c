//! Configuration: one validated [`Config`] built at start-up from built-in defaults < TOML
//! file < `SPECTREE_*` environment < command-line flags, then passed down. Nothing else in the
//! process reads the environment or the file.
//!
//! One table of keys (`keys.rs`) drives the unknown-key check, the environment variable
//! names, [`example`] and [`print`].

mod build;
mod error;
mod keys;
mod layers;
mod model;
mod raw;
mod render;
mod secret;
mod suggest;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::path::Path;

pub use error::{ConfigError, Origin};
pub use layers::Overrides;
pub use model::*;
pub use render::{example, print};
pub use secret::Secret;

/// Loads the configuration: built-in defaults, then the TOML `file` if given, then the
/// `SPECTREE_*` variables of `env`, then `flags`; validates it and computes the derived
/// defaults. `env` is passed in (normally every variable of the process, collected once by
/// `main`) so that nothing reads the process environment behind the caller's back.
pub fn load(
    file: Option<&Path>,
    env: &HashMap<String, String>,
    flags: &Overrides,
) -> Result<Config, ConfigError> {
    let text = file
        .map(|path| {
            std::fs::read_to_string(path).map_err(|error| ConfigError::ReadFile {
                path: path.to_owned(),
                error,
            })
        })
        .transpose()?;
    let file = file.zip(text.as_deref());
    load_from(file, env, flags)
}

/// [`load`] with the file's text already read, given with its path (for messages).
fn load_from(
    file: Option<(&Path, &str)>,
    env: &HashMap<String, String>,
    flags: &Overrides,
) -> Result<Config, ConfigError> {
    let mut layers = layers::Layers::defaults();
    if let Some((path, text)) = file {
        layers.apply_file(path, text)?;
    }
    layers.apply_env(env)?;
    layers.apply_flags(flags);
    build::build(&layers)
}
