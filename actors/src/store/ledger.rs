//! `points_transactions` and the counters of `user_gamification`: the besitos ledger.
//! Every change of `available_points` is one ledger row written in the same transaction, with
//! the running balance; the wallet row is locked first, so one user's changes never interleave.

use super::{StoreError, Transaction};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

/// A player's wallet and streak counters, locked for the rest of the transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Wallet {
    pub available_points: i64,
    pub total_points: i64,
    pub current_streak: i32,
    pub longest_streak: i32,
    pub last_daily_claim: Option<NaiveDate>,
    pub vip_multiplier: f64,
    pub boost_multiplier: f64,
    pub boost_until: Option<DateTime<Utc>>,
}

impl Wallet {
    /// VIP players earn with a multiplier above 1 (set by their subscription): the one place
    /// that says who is VIP, for gated items, questions and choices.
    pub fn is_vip(&self) -> bool {
        self.vip_multiplier > 1.0
    }
}

/// The wallet's columns of `user_gamification g`, in the order `wallet_of` reads them: shared
/// with the story's read of a player's facts, which locks the wallet in the same statement.
macro_rules! wallet_columns {
    () => {
        "g.available_points, g.total_points, g.current_streak, g.longest_streak, g.last_daily_claim,
         g.vip_multiplier, g.boost_multiplier, g.boost_until"
    };
}
pub(super) use wallet_columns;

/// The wallet in the first columns of a row that selected `wallet_columns!()` first.
pub(super) fn wallet_of(r: &tokio_postgres::Row) -> Wallet {
    Wallet {
        available_points: r.get(0),
        total_points: r.get(1),
        current_streak: r.get(2),
        longest_streak: r.get(3),
        last_daily_claim: r.get(4),
        vip_multiplier: r.get(5),
        boost_multiplier: r.get(6),
        boost_until: r.get(7),
    }
}

/// Lock and read the wallet. `None` if the user has none (not registered).
pub async fn lock_wallet(tx: &Transaction<'_>, user_id: i64) -> Result<Option<Wallet>, StoreError> {
    let stmt = tx
        .prepare_cached(concat!(
            "SELECT ",
            wallet_columns!(),
            " FROM user_gamification g WHERE g.user_id = $1 FOR UPDATE"
        ))
        .await?;
    Ok(tx.query_opt(&stmt, &[&user_id]).await?.as_ref().map(wallet_of))
}

/// What the ledger already holds that a change must respect: whether its idempotency key was
/// used, and what the player earned through its action type since `since` (0 for `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prior {
    pub key_used: bool,
    pub earned_since: i64,
}

/// Both reads of `Prior` in one statement: each earning asks both, under the wallet lock.
pub async fn prior(
    tx: &Transaction<'_>,
    key: &str,
    user_id: i64,
    action_type: &str,
    since: Option<DateTime<Utc>>,
) -> Result<Prior, StoreError> {
    // A NULL `since` matches no row, so an uncapped change pays nothing for the sum.
    let stmt = tx
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM points_transactions WHERE idempotency_key = $1),
                    (SELECT COALESCE(SUM(points_change), 0)::BIGINT FROM points_transactions
                     WHERE user_id = $2 AND action_type = $3 AND created_at >= $4 AND points_change > 0)",
        )
        .await?;
    let row = tx.query_one(&stmt, &[&key, &user_id, &action_type, &since]).await?;
    Ok(Prior { key_used: row.get(0), earned_since: row.get(1) })
}

/// One ledger change, already decided by the rules.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub user_id: i64,
    pub action_type: &'a str,
    /// Positive: earned (also counts towards lifetime `total_points`). Negative: spent.
    pub points_change: i64,
    pub idempotency_key: &'a str,
    pub context: Value,
}

/// Apply a change to the (locked) wallet and append its ledger row, in one statement. Returns
/// the new (available, total). The CHECK constraints refuse a negative balance as a last line.
pub async fn apply(tx: &Transaction<'_>, change: &Change<'_>) -> Result<(i64, i64), StoreError> {
    let stmt = tx
        .prepare_cached(
            "WITH wallet AS (
                 UPDATE user_gamification
                 SET available_points = available_points + $2,
                     total_points = total_points + GREATEST($2, 0),
                     last_activity = now()
                 WHERE user_id = $1
                 RETURNING available_points, total_points)
             INSERT INTO points_transactions
                 (user_id, action_type, points_change, balance_after, context, idempotency_key)
             SELECT $1, $3, $2, available_points, $4, $5 FROM wallet
             RETURNING balance_after, (SELECT total_points FROM wallet)",
        )
        .await?;
    let row = tx
        .query_one(
            &stmt,
            &[&change.user_id, &change.points_change, &change.action_type, &change.context, &change.idempotency_key],
        )
        .await?;
    Ok((row.get(0), row.get(1)))
}

/// Store the streak after a daily claim.
pub async fn save_streak(
    tx: &Transaction<'_>,
    user_id: i64,
    current: i32,
    longest: i32,
    day: NaiveDate,
) -> Result<(), StoreError> {
    let stmt = tx
        .prepare_cached(
            "UPDATE user_gamification SET current_streak = $2, longest_streak = $3, last_daily_claim = $4
             WHERE user_id = $1",
        )
        .await?;
    tx.execute(&stmt, &[&user_id, &current, &longest, &day]).await?;
    Ok(())
}

/// Start a temporary earnings multiplier for `hours`. An active boost of the same factor is
/// extended by that long; a stronger new one replaces it; a weaker one leaves it alone and
/// `None` is returned (boosts never blend into one the player did not get). Returns the boost
/// now running: its factor and end.
pub async fn set_boost(
    tx: &Transaction<'_>,
    user_id: i64,
    factor: f64,
    hours: i32,
) -> Result<Option<(f64, DateTime<Utc>)>, StoreError> {
    let stmt = tx
        .prepare_cached(
            "UPDATE user_gamification SET
                 boost_until = CASE WHEN boost_until > now() AND boost_multiplier = $2
                                    THEN boost_until + make_interval(hours => $3)
                                    ELSE now() + make_interval(hours => $3) END,
                 boost_multiplier = $2
             WHERE user_id = $1 AND NOT (boost_until > now() AND boost_multiplier > $2)
             RETURNING boost_multiplier, boost_until",
        )
        .await?;
    Ok(tx.query_opt(&stmt, &[&user_id, &factor, &hours]).await?.map(|r| (r.get(0), r.get(1))))
}

/// A ledger row as `/besitos` shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    pub action_type: String,
    pub points_change: i64,
    pub balance_after: i64,
    pub created_at: DateTime<Utc>,
}

/// The latest `limit` ledger rows of a user, newest first.
pub async fn recent(tx: &Transaction<'_>, user_id: i64, limit: i64) -> Result<Vec<Entry>, StoreError> {
    let stmt = tx
        .prepare_cached(
            "SELECT action_type, points_change, balance_after, created_at FROM points_transactions
             WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .await?;
    Ok(tx
        .query(&stmt, &[&user_id, &limit])
        .await?
        .iter()
        .map(|r| Entry {
            action_type: r.get(0),
            points_change: r.get(1),
            balance_after: r.get(2),
            created_at: r.get(3),
        })
        .collect())
}
