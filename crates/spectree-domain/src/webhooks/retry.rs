//! When a failed delivery is tried again: exponential backoff from a base delay, capped, with
//! jitter so that many deliveries failing together do not return together.

use std::time::Duration;

/// How failed deliveries are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all (the first included) before a delivery is given up.
    pub max_attempts: u32,
    /// Delay after the first failed attempt.
    pub base: Duration,
    /// Longest delay.
    pub max: Duration,
}

/// The delay before attempt `failed + 1`, after `failed` failed attempts (at least 1):
/// `min(max, base × 2^(failed−1))`, of which the upper half is scaled by `jitter` (0 to 1),
/// so the delay lies between half and all of the exponential one.
pub fn backoff(policy: &RetryPolicy, failed: u32, jitter: f64) -> Duration {
    let exp = failed.saturating_sub(1).min(30);
    let full = policy.base.saturating_mul(1u32 << exp).min(policy.max);
    let half = full / 2;
    half + half.mul_f64(jitter.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap_and_jitter_stays_in_the_upper_half() {
        let p = RetryPolicy {
            max_attempts: 5,
            base: Duration::from_secs(10),
            max: Duration::from_secs(60),
        };
        assert_eq!(backoff(&p, 1, 1.0), Duration::from_secs(10));
        assert_eq!(backoff(&p, 2, 1.0), Duration::from_secs(20));
        assert_eq!(backoff(&p, 3, 1.0), Duration::from_secs(40));
        assert_eq!(backoff(&p, 4, 1.0), Duration::from_secs(60));
        assert_eq!(backoff(&p, 40, 1.0), Duration::from_secs(60));
        assert_eq!(backoff(&p, 1, 0.0), Duration::from_secs(5));
        let d = backoff(&p, 2, 0.5);
        assert!(d >= Duration::from_secs(10) && d <= Duration::from_secs(20));
    }
}
