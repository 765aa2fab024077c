//! Outgoing webhooks: which URLs a hook may target (server-side request forgery rules), the
//! event kinds it picks, how a delivery is signed, and when a failed delivery is tried again.
//! Pure rules; sending lives in the use cases.

mod retry;
mod signature;
mod target;

pub use retry::{RetryPolicy, backoff};
pub use signature::{SIGNATURE_PREFIX, signed_payload};
pub use target::{TargetError, check_url, is_forbidden_ip};

/// Longest webhook URL, in bytes.
pub const MAX_URL_BYTES: usize = 2048;
/// Most event kinds one hook may pick.
pub const MAX_EVENT_KINDS: usize = 64;
/// The event every hook receives when an admin asks for a test delivery.
pub const PING_EVENT: &str = "ping";

/// Why a hook's event kinds were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventKindsError {
    /// No kind picked.
    #[error("pick at least one event kind")]
    Empty,
    /// Too many.
    #[error("a webhook picks at most {MAX_EVENT_KINDS} event kinds")]
    TooMany,
    /// A kind that does not exist.
    #[error("unknown event kind {0:?}")]
    Unknown(String),
    /// The same kind twice.
    #[error("event kind {0:?} is listed twice")]
    Repeated(String),
}

/// Checks the event kinds a hook picks against the kinds that exist.
pub fn validate_event_kinds(kinds: &[String], known: &[&str]) -> Result<(), EventKindsError> {
    if kinds.is_empty() {
        return Err(EventKindsError::Empty);
    }
    if kinds.len() > MAX_EVENT_KINDS {
        return Err(EventKindsError::TooMany);
    }
    for (i, k) in kinds.iter().enumerate() {
        if !known.contains(&k.as_str()) {
            return Err(EventKindsError::Unknown(k.clone()));
        }
        if kinds[..i].contains(k) {
            return Err(EventKindsError::Repeated(k.clone()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_kinds_must_exist_once_each() {
        let known = ["item_created", "commented"];
        let ok = vec!["commented".to_owned()];
        assert_eq!(validate_event_kinds(&ok, &known), Ok(()));
        assert_eq!(
            validate_event_kinds(&[], &known),
            Err(EventKindsError::Empty)
        );
        assert!(matches!(
            validate_event_kinds(&["nope".to_owned()], &known),
            Err(EventKindsError::Unknown(_))
        ));
        assert!(matches!(
            validate_event_kinds(&["commented".to_owned(), "commented".to_owned()], &known),
            Err(EventKindsError::Repeated(_))
        ));
    }
}
