//! The activity feed's use cases: [`record`] (called inside the transaction of every change),
//! the project, team and person feeds, live subscriptions, and the [`dispatch`]er that hands
//! each committed activity, exactly once, to the background consumers (live delivery first;
//! notifications and webhooks add theirs, see docs/decisions/0012-activity-feed.md).

pub mod dispatch;
pub(crate) mod emit;
mod error;
mod feeds;
mod live;

use spectree_store::activity::{self as store, NewActivity};
use spectree_store::{AnyConnection, StoreResult};

pub use dispatch::{ActivityConsumer, ConsumeError, Dispatched};
pub use error::ActivityError;
pub use feeds::{FeedFilter, PersonRef};
pub use live::{ActivityScope, ActivitySubscription, LiveDelivery, LiveNext};
pub use spectree_store::activity::Activity;

/// Records an activity inside the caller's transaction (with its outbox row, so the
/// dispatcher delivers it once the transaction commits); returns its id.
pub async fn record(c: &mut AnyConnection, a: &NewActivity) -> StoreResult<i64> {
    store::insert(c, a).await
}
