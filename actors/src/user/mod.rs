//! One actor per active user, found or started through the sharded [`UserDirectory`].

mod actor;
mod apply;
mod channels;
mod clues;
mod daily;
mod directory;
mod flood;
pub mod missions;
mod mood;
mod referral;
mod shard;
mod shop;
mod story;
mod trivia;
mod vip;
pub mod wallet;

pub use actor::{HandleUpdate, Passivate, UserActor};
pub use apply::UpdateOutcome;
pub use directory::{UserDirectory, shard_count};

#[cfg(test)]
mod tests;

use crate::redis::Redis;
use crate::store::{Pool, StoreError};
use std::time::Duration;

/// Mailboxes of shards and user actors. A full mailbox makes `send` hold the message in its
/// future, and two such futures may enqueue out of order; with room to spare, a user's
/// updates always enter their actor's mailbox in arrival order.
const MAILBOX_CAPACITY: usize = 1 << 20;

/// What every user actor needs, shared by all of them.
pub struct UserDeps {
    pub pool: Pool,
    /// Where updates commit: many users' together (design §7), or each alone.
    pub commits: crate::store::group_commit::GroupCommit,
    pub redis: Redis,
    /// The leaderboards, told about changed scores and asked for standings.
    pub leaderboard: Option<actix::Addr<crate::leaderboard::Leaderboard>>,
    /// Checks achievements after events that may have moved a counter.
    pub achievements: Option<actix::Addr<crate::achievements::AchievementEvaluator>>,
    /// Records payments and owns subscriptions.
    pub payments: Option<actix::Addr<crate::payments::PaymentReconciler>>,
    pub settings: UserSettings,
}

#[derive(Debug, Clone)]
pub struct UserSettings {
    /// An actor with no update for this long saves what it holds and stops.
    pub idle_timeout: Duration,
    /// Updates a user may send per minute before being asked to slow down; 0 disables the limit.
    pub flood_per_minute: u32,
    /// Amounts, caps, the gift table and the levels.
    pub economy: std::sync::Arc<crate::domain::economy::Economy>,
    /// Trivia, missions, shop, achievements and plans: each read per use, as an admin may
    /// replace them while the server runs.
    pub content: crate::content::Content,
    /// The mood model (replaced when a retrained one scores at least as well).
    pub mood: crate::content::Live<crate::mood::MoodModel>,
    /// "Te puede gustar" (refitted on a schedule by the `Recommender`).
    pub recommender: crate::content::Live<crate::recommend::ItemItem>,
    /// The active story version (empty when the server has none); swapped by `StoryEngine`.
    pub story: crate::story::StoryShelf,
    /// Whether plans can also be paid by card (Stripe is configured).
    pub card_payments: bool,
    /// Whether plans can also be paid through PayPal (configured with a PayPal plan for each).
    pub paypal_payments: bool,
    /// The free and VIP channels around the game.
    pub channels: ChannelRules,
    /// The game's calendar: daily gifts, caps and streaks follow its midnight.
    pub timezone: chrono_tz::Tz,
}

/// The channels the game lives around, and what they pay.
#[derive(Debug, Clone, Default)]
pub struct ChannelRules {
    pub free_id: Option<i64>,
    pub vip_id: Option<i64>,
    /// Join requests to the free channel are approved after this wait.
    pub approve_after: Duration,
    /// Besitos per reaction emoji on a channel post (one award per player per post).
    pub reactions: std::collections::HashMap<String, i64>,
    /// At most one paid reaction per player in this long.
    pub reaction_cooldown: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the user's actor panicked while handling the update")]
    Crashed,
    #[error("the user's actor is not running")]
    Unavailable,
    /// The update failed repeatedly and was marked processed without effect.
    #[error("the update was abandoned after repeated failures")]
    Abandoned,
}
