//! Sessions and API tokens this node read lately (docs/decisions/0035).
//!
//! Every request made with a cookie or a bearer token starts by reading its credential and
//! its owner; a client making many requests read the same row for each (on PostgreSQL a
//! round trip, and sqlx's pings around it, per request). A credential read is kept for
//! `auth.credential_cache_ttl`, measured on the injected clock, and judged again at every
//! request (revoked, expired, idle, owner disabled) exactly as a fresh read is.
//!
//! What ends a credential on this node (a sign-out, a revoke, a password reset) forgets it
//! here at once, before the use case returns. On another node a read kept there stays
//! usable for at most the TTL; `0s` turns the cache off. Only credentials that were found
//! are kept: an unknown secret is read every time, so guessing cannot fill the cache.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use spectree_domain::Timestamp;
use spectree_store::identity::api_tokens::ApiToken;
use spectree_store::identity::sessions::Session;
use spectree_store::identity::users::User;

use super::Ended;

/// Most credentials of each kind kept: past it, reads that expired are dropped, and if that
/// is not enough, all of them.
const CAPACITY: usize = 10_000;

/// What a request needs of a credential's owner (not the password hash).
#[derive(Debug, Clone)]
pub(crate) struct Owner {
    pub id: spectree_domain::ids::UserId,
    pub email: String,
    pub name: String,
    pub instance_admin: bool,
    pub disabled: bool,
}

impl From<User> for Owner {
    fn from(u: User) -> Self {
        Owner {
            id: u.id,
            email: u.email,
            name: u.name,
            instance_admin: u.instance_admin,
            disabled: u.disabled_at.is_some(),
        }
    }
}

struct Kept<T> {
    credential: T,
    owner: Owner,
    read_at: Timestamp,
}

/// One kind of credential, by the hash of its secret.
struct Kind<T> {
    map: Mutex<HashMap<String, Kept<T>>>,
}

impl<T> Default for Kind<T> {
    fn default() -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
        }
    }
}

impl<T: Clone> Kind<T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Kept<T>>> {
        // Every change leaves the map consistent, so a poisoned lock is still usable.
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, hash: &str, now: Timestamp, ttl: Duration) -> Option<(T, Owner)> {
        let map = self.lock();
        let kept = map.get(hash)?;
        (now < kept.read_at.plus(ttl)).then(|| (kept.credential.clone(), kept.owner.clone()))
    }

    /// Keeps a read if `fresh` still holds once the map is locked (see
    /// [`RecentCredentials::forget`]).
    fn put(&self, hash: String, kept: Kept<T>, ttl: Duration, fresh: impl Fn() -> bool) {
        let mut map = self.lock();
        if !fresh() {
            return;
        }
        let now = kept.read_at;
        if map.len() >= CAPACITY && !map.contains_key(&hash) {
            map.retain(|_, k| now < k.read_at.plus(ttl));
            if map.len() >= CAPACITY {
                map.clear();
            }
        }
        map.insert(hash, kept);
    }

    fn update(&self, hash: &str, change: impl FnOnce(&mut T)) {
        if let Some(kept) = self.lock().get_mut(hash) {
            change(&mut kept.credential);
        }
    }

    fn forget(&self, ends: impl Fn(&T, &Owner) -> bool) {
        self.lock().retain(|_, k| !ends(&k.credential, &k.owner));
    }

    fn len(&self) -> usize {
        self.lock().len()
    }
}

/// The credentials this node read lately.
#[derive(Default)]
pub(crate) struct RecentCredentials {
    sessions: Kind<Session>,
    tokens: Kind<ApiToken>,
    /// Bumped by every [`RecentCredentials::forget`]: a read that started before a credential
    /// ended is not kept, so a revoke that raced with a request is not undone by its read.
    ends: AtomicU64,
    hits: AtomicU64,
}

/// Where a request stands before it reads: whether a credential ended since.
#[derive(Clone, Copy)]
pub(crate) struct ReadTicket(u64);

/// The kept reads of one kind of credential.
pub(crate) struct Shelf<'a, T> {
    kind: &'a Kind<T>,
    all: &'a RecentCredentials,
}

impl<T: Clone> Shelf<'_, T> {
    /// The read of the credential with this hash, if one was kept less than `ttl` ago.
    pub fn get(&self, hash: &str, now: Timestamp, ttl: Duration) -> Option<(T, Owner)> {
        let hit = self.kind.get(hash, now, ttl);
        if hit.is_some() {
            self.all.hits.fetch_add(1, Ordering::Relaxed);
        }
        hit
    }

    /// Taken before reading a credential from the database, for [`Shelf::keep`].
    pub fn ticket(&self) -> ReadTicket {
        ReadTicket(self.all.ends.load(Ordering::SeqCst))
    }

    /// Keeps a read made at `now`, unless a credential ended since `t` was taken.
    pub fn keep(
        &self,
        t: ReadTicket,
        hash: String,
        read: (T, Owner),
        now: Timestamp,
        ttl: Duration,
    ) {
        if ttl.is_zero() {
            return;
        }
        let kept = Kept {
            credential: read.0,
            owner: read.1,
            read_at: now,
        };
        self.kind.put(hash, kept, ttl, || {
            self.all.ends.load(Ordering::SeqCst) == t.0
        });
    }

    /// Changes a kept read (an activity time written since).
    pub fn update(&self, hash: &str, change: impl FnOnce(&mut T)) {
        self.kind.update(hash, change);
    }
}

impl RecentCredentials {
    /// The sessions read lately.
    pub fn sessions(&self) -> Shelf<'_, Session> {
        Shelf {
            kind: &self.sessions,
            all: self,
        }
    }

    /// The API tokens read lately.
    pub fn tokens(&self) -> Shelf<'_, ApiToken> {
        Shelf {
            kind: &self.tokens,
            all: self,
        }
    }

    /// Forgets what `e` ended (called once it is committed).
    pub fn forget(&self, e: Ended) {
        // Bumped before the maps are locked: a read that started before is not kept (its
        // keep checks the count under the map's lock, so it either sees the bump or is
        // kept before the removal below takes the lock), and one that starts after sees the
        // end in the database.
        self.ends.fetch_add(1, Ordering::SeqCst);
        match e {
            Ended::Session(id) => self.sessions.forget(|s, _| s.id == id),
            Ended::SessionsOf(user) => self.sessions.forget(|_, o| o.id == user),
            Ended::Token(id) => self.tokens.forget(|t, _| t.id == id),
        }
    }

    /// Requests authenticated from a kept read so far, and credentials kept now.
    pub fn stats(&self) -> (u64, usize) {
        (
            self.hits.load(Ordering::Relaxed),
            self.sessions.len() + self.tokens.len(),
        )
    }
}

#[cfg(test)]
mod tests {
    use spectree_domain::ids::{TokenId, UserId};

    use super::*;

    const TTL: Duration = Duration::from_secs(1);

    fn token(user: UserId) -> (ApiToken, Owner) {
        let t = ApiToken {
            id: TokenId::new(),
            user_id: user,
            name: "ci".into(),
            prefix: "stp_abcd".into(),
            created_at: Timestamp(0),
            last_used_at: None,
            expires_at: None,
            revoked_at: None,
        };
        let o = Owner {
            id: user,
            email: "ada@example.com".into(),
            name: "Ada".into(),
            instance_admin: false,
            disabled: false,
        };
        (t, o)
    }

    fn keep(
        r: &RecentCredentials,
        hash: &str,
        read: (ApiToken, Owner),
        at: Timestamp,
        ttl: Duration,
    ) {
        r.tokens()
            .keep(r.tokens().ticket(), hash.into(), read, at, ttl);
    }

    #[test]
    fn a_read_is_answered_until_it_is_a_ttl_old() {
        let r = RecentCredentials::default();
        let read = token(UserId::new());
        keep(&r, "h", read.clone(), Timestamp(1_000), TTL);
        assert_eq!(
            r.tokens().get("h", Timestamp(1_999), TTL).unwrap().0,
            read.0
        );
        assert!(r.tokens().get("h", Timestamp(2_000), TTL).is_none());
        assert!(r.tokens().get("other", Timestamp(1_000), TTL).is_none());
        assert_eq!(r.stats(), (1, 1));
    }

    #[test]
    fn nothing_is_kept_with_a_zero_ttl() {
        let r = RecentCredentials::default();
        keep(&r, "h", token(UserId::new()), Timestamp(0), Duration::ZERO);
        assert_eq!(r.stats(), (0, 0));
    }

    #[test]
    fn a_read_that_started_before_a_credential_ended_is_not_kept() {
        let r = RecentCredentials::default();
        let read = token(UserId::new());
        let ticket = r.tokens().ticket();
        // Another request revokes some token while this one reads.
        r.forget(Ended::Token(TokenId::new()));
        r.tokens()
            .keep(ticket, "h".into(), read.clone(), Timestamp(0), TTL);
        assert!(r.tokens().get("h", Timestamp(0), TTL).is_none());
        keep(&r, "h", read, Timestamp(0), TTL);
        assert!(r.tokens().get("h", Timestamp(0), TTL).is_some());
    }

    #[test]
    fn an_end_forgets_just_what_it_ended() {
        let r = RecentCredentials::default();
        let ada = token(UserId::new());
        let bob = token(UserId::new());
        keep(&r, "ada", ada.clone(), Timestamp(0), TTL);
        keep(&r, "bob", bob, Timestamp(0), TTL);
        r.forget(Ended::SessionsOf(ada.1.id));
        assert_eq!(r.stats().1, 2, "a password reset ends sessions, not tokens");
        r.forget(Ended::Token(ada.0.id));
        assert!(r.tokens().get("ada", Timestamp(0), TTL).is_none());
        assert!(r.tokens().get("bob", Timestamp(0), TTL).is_some());
    }

    #[test]
    fn a_touch_is_kept_and_a_full_cache_drops_expired_reads_first() {
        let r = RecentCredentials::default();
        keep(&r, "h", token(UserId::new()), Timestamp(0), TTL);
        r.tokens()
            .update("h", |t| t.last_used_at = Some(Timestamp(500)));
        let kept = r.tokens().get("h", Timestamp(600), TTL).unwrap();
        assert_eq!(kept.0.last_used_at, Some(Timestamp(500)));
        for i in 0..CAPACITY {
            let at = Timestamp(if i < 10 { 0 } else { 5_000 });
            keep(&r, &format!("t{i}"), token(UserId::new()), at, TTL);
        }
        // The 10 early reads (and "h") expired and made room for the last ones.
        assert_eq!(r.stats().1, CAPACITY - 10);
        assert!(
            r.tokens()
                .get(&format!("t{}", CAPACITY - 1), Timestamp(5_000), TTL)
                .is_some()
        );
    }
}
