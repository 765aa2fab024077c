//! Per-person, per-kind channel preferences and their defaults.
//!
//! Email now and the digest are two ways of mailing the same change, so a kind may use one
//! of them, not both; the in-app inbox is independent of either.

use super::NotificationKind;

/// The channels one kind of notification goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelSet {
    /// A row in the in-app inbox.
    pub in_app: bool,
    /// An email at once.
    pub email: bool,
    /// A line in the next digest email.
    pub digest: bool,
}

/// One kind's new channels, as a person asks for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreferenceChange {
    /// The kind's name.
    pub kind: String,
    /// Its channels.
    pub channels: ChannelSet,
}

/// Why preferences were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PreferenceError {
    /// The kind is not one of [`NotificationKind::ALL`].
    #[error("unknown notification kind {0:?}")]
    UnknownKind(String),
    /// Both email now and the digest were asked for one kind.
    #[error("{0}: choose email or digest, not both")]
    EmailAndDigest(String),
    /// The same kind appears twice.
    #[error("{0} is given twice")]
    Duplicate(String),
    /// Nothing to change.
    #[error("give at least one preference")]
    Empty,
}

/// What a person gets for a kind until they choose: everything reaches the inbox; being
/// mentioned or assigned is mailed at once; comments, status changes and trashing go into
/// the digest; the rest (edits, moves, creations, versions, restores) stay in the inbox.
pub fn defaults(kind: NotificationKind) -> ChannelSet {
    use NotificationKind as K;
    match kind {
        K::Mentioned | K::Assigned => ChannelSet {
            in_app: true,
            email: true,
            digest: false,
        },
        K::Commented | K::StatusChanged | K::ItemTrashed => ChannelSet {
            in_app: true,
            email: false,
            digest: true,
        },
        K::ItemCreated
        | K::MentionNotDelivered
        | K::ItemEdited
        | K::ItemMoved
        | K::VersionSaved
        | K::VersionRestored
        | K::ItemRestored => ChannelSet {
            in_app: true,
            email: false,
            digest: false,
        },
    }
}

/// The channels in force: the stored choice, or the default.
pub fn effective(kind: NotificationKind, stored: Option<ChannelSet>) -> ChannelSet {
    stored.unwrap_or_else(|| defaults(kind))
}

/// Checks a set of changes and types their kinds.
pub fn validate_changes(
    changes: &[PreferenceChange],
) -> Result<Vec<(NotificationKind, ChannelSet)>, PreferenceError> {
    if changes.is_empty() {
        return Err(PreferenceError::Empty);
    }
    let mut out: Vec<(NotificationKind, ChannelSet)> = Vec::with_capacity(changes.len());
    for c in changes {
        let kind: NotificationKind = c.kind.parse()?;
        if out.iter().any(|(k, _)| *k == kind) {
            return Err(PreferenceError::Duplicate(kind.as_str().to_owned()));
        }
        if c.channels.email && c.channels.digest {
            return Err(PreferenceError::EmailAndDigest(kind.as_str().to_owned()));
        }
        out.push((kind, c.channels));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(kind: &str, email: bool, digest: bool) -> PreferenceChange {
        PreferenceChange {
            kind: kind.into(),
            channels: ChannelSet {
                in_app: true,
                email,
                digest,
            },
        }
    }

    #[test]
    fn no_default_mails_a_kind_twice() {
        for k in NotificationKind::ALL {
            let d = defaults(*k);
            assert!(!(d.email && d.digest), "{k}");
            assert!(d.in_app, "{k}");
        }
    }

    #[test]
    fn changes_are_validated_with_their_reason() {
        assert_eq!(validate_changes(&[]), Err(PreferenceError::Empty));
        assert_eq!(
            validate_changes(&[change("bogus", false, false)]),
            Err(PreferenceError::UnknownKind("bogus".into()))
        );
        assert_eq!(
            validate_changes(&[change("commented", true, true)]),
            Err(PreferenceError::EmailAndDigest("commented".into()))
        );
        assert_eq!(
            validate_changes(&[
                change("commented", true, false),
                change("commented", false, false)
            ]),
            Err(PreferenceError::Duplicate("commented".into()))
        );
        let ok = validate_changes(&[change("mentioned", false, true)]).unwrap();
        assert_eq!(ok[0].0, NotificationKind::Mentioned);
        assert!(ok[0].1.digest);
    }

    #[test]
    fn a_stored_choice_wins_over_the_default() {
        let off = ChannelSet {
            in_app: false,
            email: false,
            digest: false,
        };
        assert_eq!(effective(NotificationKind::Mentioned, Some(off)), off);
        assert_eq!(
            effective(NotificationKind::Mentioned, None),
            defaults(NotificationKind::Mentioned)
        );
    }
}
