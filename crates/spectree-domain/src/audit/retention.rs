//! An organization's retention policy (F4.2.11): how long automatic versions and audit
//! records are kept, and the legal hold that suspends all deletion.

use serde::Serialize;

/// Audit records are kept this many days unless the organization chooses otherwise.
pub const DEFAULT_AUDIT_DAYS: u32 = 365;
/// The longest period a policy may name (100 years), so day counts never overflow times.
pub const MAX_DAYS: u32 = 36_500;
const DAY_MS: i64 = 24 * 3600 * 1000;

/// Why a policy was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetentionError {
    /// A period outside 1 to [`MAX_DAYS`] days.
    #[error("{field} must be between 1 and {MAX_DAYS} days")]
    OutOfRange {
        /// Which period.
        field: &'static str,
    },
}

/// What an organization keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RetentionPolicy {
    /// Automatic versions older than this many days are pruned; `None` keeps them. Named
    /// versions and snapshots are kept until deleted.
    pub version_days: Option<u32>,
    /// Audit records older than this many days are removed (behind a checkpoint).
    pub audit_days: u32,
    /// While set, nothing is deleted.
    pub legal_hold: bool,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self {
            version_days: None,
            audit_days: DEFAULT_AUDIT_DAYS,
            legal_hold: false,
        }
    }
}

impl RetentionPolicy {
    /// A checked policy.
    pub fn new(
        version_days: Option<u32>,
        audit_days: u32,
        legal_hold: bool,
    ) -> Result<Self, RetentionError> {
        let ok = |d: u32| (1..=MAX_DAYS).contains(&d);
        if version_days.is_some_and(|d| !ok(d)) {
            return Err(RetentionError::OutOfRange {
                field: "version_days",
            });
        }
        if !ok(audit_days) {
            return Err(RetentionError::OutOfRange {
                field: "audit_days",
            });
        }
        Ok(Self {
            version_days,
            audit_days,
            legal_hold,
        })
    }

    /// Audit records written before this time (ms) may be removed at `now`; `None` under a
    /// legal hold.
    pub fn audit_cutoff(&self, now: crate::Timestamp) -> Option<crate::Timestamp> {
        (!self.legal_hold).then(|| crate::Timestamp(now.0 - i64::from(self.audit_days) * DAY_MS))
    }

    /// Automatic versions written before this time may be pruned at `now`; `None` when they
    /// are kept or under a legal hold.
    pub fn version_cutoff(&self, now: crate::Timestamp) -> Option<crate::Timestamp> {
        match (self.legal_hold, self.version_days) {
            (false, Some(d)) => Some(crate::Timestamp(now.0 - i64::from(d) * DAY_MS)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;

    #[test]
    fn periods_outside_one_day_to_a_century_are_refused() {
        assert!(RetentionPolicy::new(None, 365, false).is_ok());
        assert!(RetentionPolicy::new(Some(1), MAX_DAYS, true).is_ok());
        assert_eq!(
            RetentionPolicy::new(Some(0), 365, false),
            Err(RetentionError::OutOfRange {
                field: "version_days"
            })
        );
        assert_eq!(
            RetentionPolicy::new(None, MAX_DAYS + 1, false),
            Err(RetentionError::OutOfRange {
                field: "audit_days"
            })
        );
    }

    #[test]
    fn a_legal_hold_suspends_every_cutoff() {
        let now = Timestamp(400 * DAY_MS);
        let p = RetentionPolicy::new(Some(30), 365, false).unwrap();
        assert_eq!(p.audit_cutoff(now), Some(Timestamp(35 * DAY_MS)));
        assert_eq!(p.version_cutoff(now), Some(Timestamp(370 * DAY_MS)));
        let held = RetentionPolicy {
            legal_hold: true,
            ..p
        };
        assert_eq!(held.audit_cutoff(now), None);
        assert_eq!(held.version_cutoff(now), None);
        assert_eq!(RetentionPolicy::default().version_cutoff(now), None);
    }
}
