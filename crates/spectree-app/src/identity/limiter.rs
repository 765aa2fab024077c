//! Log-in rate limiting: failed attempts are counted per account and per client address in a
//! sliding window measured on the injected clock. Kept in memory: each node limits what it
//! sees, which bounds guessing to (nodes × limit) per window.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use spectree_domain::Timestamp;

/// Most keys tracked before expired ones are swept.
const SWEEP_AT: usize = 10_000;

/// Counts failed log-ins.
#[derive(Debug)]
pub struct LoginLimiter {
    max: u32,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Timestamp>>>,
}

impl LoginLimiter {
    /// At most `max` failures per key within `window`.
    pub fn new(max: u32, window: Duration) -> Self {
        Self {
            max: max.max(1),
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(retry_after)` when any of the keys has used up its failures.
    pub fn check(&self, keys: &[String], now: Timestamp) -> Result<(), Duration> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = None;
        for key in keys {
            if let Some(q) = map.get_mut(key) {
                prune(q, now, self.window);
                if q.len() >= self.max as usize
                    && let Some(oldest) = q.front()
                {
                    let until = oldest.plus(self.window).0 - now.0;
                    let d = Duration::from_millis(u64::try_from(until.max(1000)).unwrap_or(1000));
                    wait = Some(wait.map_or(d, |w: Duration| w.max(d)));
                }
            }
        }
        wait.map_or(Ok(()), Err)
    }

    /// Records a failure against every key.
    pub fn fail(&self, keys: &[String], now: Timestamp) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= SWEEP_AT {
            map.retain(|_, q| {
                prune(q, now, self.window);
                !q.is_empty()
            });
        }
        for key in keys {
            let q = map.entry(key.clone()).or_default();
            prune(q, now, self.window);
            q.push_back(now);
        }
    }

    /// Forgets the failures of a key (after a successful log-in to that account).
    pub fn clear(&self, key: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(key);
    }
}

fn prune(q: &mut VecDeque<Timestamp>, now: Timestamp, window: Duration) {
    let horizon = now.minus(window);
    while q.front().is_some_and(|t| *t <= horizon) {
        q.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_lock_out_until_the_window_passes() {
        let l = LoginLimiter::new(3, Duration::from_secs(60));
        let keys = vec!["email:a@b.co".to_string()];
        let t0 = Timestamp(1_000_000);
        for i in 0..3 {
            assert!(l.check(&keys, Timestamp(t0.0 + i)).is_ok());
            l.fail(&keys, Timestamp(t0.0 + i));
        }
        let wait = l.check(&keys, Timestamp(t0.0 + 10)).unwrap_err();
        assert!(wait <= Duration::from_secs(60) && wait >= Duration::from_secs(59));
        assert!(l.check(&keys, t0.plus(Duration::from_secs(61))).is_ok());
        l.fail(&keys, t0);
        l.clear("email:a@b.co");
        assert!(l.check(&keys, t0).is_ok());
    }
}
