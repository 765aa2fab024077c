//! A value as one layer gave it (text from the environment or a flag, or a typed TOML value),
//! and its conversion to the type a key needs. Errors are bare messages; the caller adds the
//! key and the origin. Only [`Raw::string`] is used for secrets, and it never echoes the value.

use std::str::FromStr;
use std::time::Duration;

/// A value before conversion.
#[derive(Debug, Clone)]
pub(super) enum Raw {
    /// Text from the environment, a flag or the defaults table.
    Text(String),
    /// A value from the TOML file.
    Toml(toml::Value),
}

impl Raw {
    /// A string. The message does not echo the value, as it may be a secret.
    pub fn string(&self) -> Result<String, String> {
        match self {
            Self::Text(text) | Self::Toml(toml::Value::String(text)) => Ok(text.clone()),
            Self::Toml(other) => Err(format!("expected a string, found {}", other.type_str())),
        }
    }

    /// A humantime duration greater than zero.
    pub fn duration(&self) -> Result<Duration, String> {
        let duration = self.duration_or_zero()?;
        if duration.is_zero() {
            return Err("duration must be greater than zero".to_owned());
        }
        Ok(duration)
    }

    /// A humantime duration, zero allowed (`"0s"`: the feature it times is off).
    pub fn duration_or_zero(&self) -> Result<Duration, String> {
        let text = self.string().map_err(|_| {
            "expected a duration string such as \"15m\" or \"7d\", found a number or other value"
                .to_owned()
        })?;
        let duration = humantime::parse_duration(text.trim()).map_err(|_| {
            format!("invalid duration {text:?} (examples: \"30s\", \"15m\", \"7d\", \"1h 30m\")")
        })?;
        Ok(duration)
    }

    /// A non-negative integer of type `T`.
    pub fn integer<T>(&self) -> Result<T, String>
    where
        T: FromStr + TryFrom<i64>,
    {
        match self {
            Self::Text(text) => text
                .trim()
                .parse()
                .map_err(|_| format!("invalid number {text:?}")),
            Self::Toml(toml::Value::Integer(number)) => {
                T::try_from(*number).map_err(|_| format!("{number} is out of range"))
            }
            Self::Toml(other) => Err(format!("expected an integer, found {}", other.type_str())),
        }
    }

    /// `true` or `false` (the environment also accepts `1`/`0`, `yes`/`no`, `on`/`off`).
    pub fn boolean(&self) -> Result<bool, String> {
        match self {
            Self::Text(text) => match text.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                _ => Err(format!("invalid boolean {text:?}; expected true or false")),
            },
            Self::Toml(toml::Value::Boolean(value)) => Ok(*value),
            Self::Toml(other) => Err(format!(
                "expected true or false, found {}",
                other.type_str()
            )),
        }
    }

    /// A list of strings: a TOML array, or comma-separated text (blank items dropped).
    pub fn list(&self) -> Result<Vec<String>, String> {
        match self {
            Self::Text(text) => Ok(text
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect()),
            Self::Toml(toml::Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    toml::Value::String(text) => Ok(text.clone()),
                    other => Err(format!(
                        "expected an array of strings, found an array holding {}",
                        other.type_str()
                    )),
                })
                .collect(),
            Self::Toml(other) => Err(format!(
                "expected an array of strings, found {}",
                other.type_str()
            )),
        }
    }

    /// One of `allowed`.
    pub fn choice(&self, allowed: &[&'static str]) -> Result<&'static str, String> {
        let text = self.string()?;
        let wanted = text.trim();
        allowed
            .iter()
            .find(|choice| **choice == wanted)
            .copied()
            .ok_or_else(|| {
                format!(
                    "invalid value {text:?}; expected one of: {}",
                    allowed.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Raw {
        Raw::Text(s.to_owned())
    }

    #[test]
    fn durations_parse_humantime_and_refuse_zero_and_numbers() {
        assert_eq!(text("1h 30m").duration(), Ok(Duration::from_secs(5400)));
        assert_eq!(text("7d").duration(), Ok(Duration::from_secs(7 * 86_400)));
        assert!(text("0s").duration().is_err());
        assert!(text("abc").duration().is_err());
        assert!(Raw::Toml(toml::Value::Integer(5)).duration().is_err());
    }

    #[test]
    fn integers_refuse_negative_and_non_numeric_values() {
        assert_eq!(text(" 12 ").integer::<u32>(), Ok(12));
        assert!(text("-1").integer::<u32>().is_err());
        assert!(
            Raw::Toml(toml::Value::Integer(-1))
                .integer::<u32>()
                .is_err()
        );
        assert!(
            Raw::Toml(toml::Value::String("1".into()))
                .integer::<u32>()
                .is_err()
        );
    }

    #[test]
    fn lists_split_on_commas_and_drop_blanks() {
        assert_eq!(
            text(" a.io, ,b.io,").list(),
            Ok(vec!["a.io".to_owned(), "b.io".to_owned()])
        );
        assert_eq!(text("").list(), Ok(vec![]));
    }

    #[test]
    fn booleans_accept_the_usual_spellings() {
        assert_eq!(text("TRUE").boolean(), Ok(true));
        assert_eq!(text("0").boolean(), Ok(false));
        assert!(text("maybe").boolean().is_err());
    }
}
