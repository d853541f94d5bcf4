//! `achievements`, `user_achievements` and `user_counters`.

use super::{StoreError, Transaction};
use crate::domain::achievements::Achievement;
use std::collections::HashMap;

/// Write the definitions shipped in assets (new or changed ones) at start.
pub async fn sync(client: &deadpool_postgres::Client, all: &[Achievement]) -> Result<(), StoreError> {
    let stmt = client
        .prepare_cached(
            "INSERT INTO achievements (id, category, secret, definition) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET category = EXCLUDED.category, secret = EXCLUDED.secret,
                 definition = EXCLUDED.definition, synced_at = now()
             WHERE achievements.definition IS DISTINCT FROM EXCLUDED.definition",
        )
        .await?;
    for a in all {
        client.execute(&stmt, &[&a.id, &a.category, &a.secret, &serde_json::to_value(a)?]).await?;
    }
    Ok(())
}

/// Add to a counter. With `once_per_day`, only the first call of each calendar day counts
/// (`today` in the game's timezone).
pub async fn bump(
    tx: &Transaction<'_>,
    user_id: i64,
    counter: &str,
    by: i64,
    today: chrono::NaiveDate,
    once_per_day: bool,
) -> Result<bool, StoreError> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO user_counters (user_id, counter, value, updated_on) VALUES ($1, $2, $3, $4)
             ON CONFLICT (user_id, counter) DO UPDATE SET value = user_counters.value + EXCLUDED.value,
                 updated_on = EXCLUDED.updated_on
             WHERE NOT $5 OR user_counters.updated_on < EXCLUDED.updated_on",
        )
        .await?;
    Ok(tx.execute(&stmt, &[&user_id, &counter, &by, &today, &once_per_day]).await? == 1)
}

/// Every counter of the players in `$1` as (`user_id`, `counter`, `value`), including those
/// kept elsewhere (lifetime besitos, best streak). One list for a player's evaluation and for
/// the screening of many, so the two cannot disagree on what a counter is.
macro_rules! all_counters {
    () => {
        "SELECT user_id, counter, value FROM user_counters WHERE user_id = ANY($1)
         UNION ALL SELECT user_id, 'besitos_earned', total_points FROM user_gamification WHERE user_id = ANY($1)
         UNION ALL SELECT user_id, 'longest_streak', longest_streak::BIGINT FROM user_gamification
                   WHERE user_id = ANY($1)"
    };
}

/// Every counter of a player (see `all_counters!`).
pub async fn counters(tx: &Transaction<'_>, user_id: i64) -> Result<HashMap<String, i64>, StoreError> {
    let stmt = tx.prepare_cached(all_counters!()).await?;
    Ok(tx.query(&stmt, &[&&[user_id][..]]).await?.iter().map(|r| (r.get(1), r.get(2))).collect())
}

/// What the evaluator screens many players by, read in one pass without locks: each player's
/// counters (as [`counters`]) and unlocked levels (as [`unlocked`]).
pub struct Screening {
    pub counters: HashMap<i64, HashMap<String, i64>>,
    pub unlocked: HashMap<i64, HashMap<String, Vec<u32>>>,
}

pub async fn screening(client: &deadpool_postgres::Client, users: &[i64]) -> Result<Screening, StoreError> {
    let counters = client.prepare_cached(all_counters!()).await?;
    let unlocked = client
        .prepare_cached("SELECT user_id, achievement_id, tier FROM user_achievements WHERE user_id = ANY($1)")
        .await?;
    let (counter_rows, unlocked_rows) =
        futures::future::try_join(client.query(&counters, &[&users]), client.query(&unlocked, &[&users])).await?;
    let mut out = Screening { counters: HashMap::new(), unlocked: HashMap::new() };
    for row in counter_rows {
        out.counters.entry(row.get(0)).or_default().insert(row.get(1), row.get(2));
    }
    for row in unlocked_rows {
        let levels: &mut Vec<u32> = out.unlocked.entry(row.get(0)).or_default().entry(row.get(1)).or_default();
        levels.push(row.get::<_, i32>(2) as u32);
    }
    for levels in out.unlocked.values_mut().flat_map(|by| by.values_mut()) {
        levels.sort_unstable();
    }
    Ok(out)
}

/// The levels a player has unlocked, by achievement.
pub async fn unlocked(tx: &Transaction<'_>, user_id: i64) -> Result<HashMap<String, Vec<u32>>, StoreError> {
    let stmt = tx
        .prepare_cached("SELECT achievement_id, tier FROM user_achievements WHERE user_id = $1 ORDER BY tier")
        .await?;
    let mut out: HashMap<String, Vec<u32>> = HashMap::new();
    for row in tx.query(&stmt, &[&user_id]).await? {
        out.entry(row.get(0)).or_default().push(row.get::<_, i32>(1) as u32);
    }
    Ok(out)
}

/// Record an unlock. `false` if this level was unlocked before (by a concurrent evaluation):
/// the caller then pays nothing.
pub async fn unlock(
    tx: &Transaction<'_>,
    user_id: i64,
    achievement_id: &str,
    tier: u32,
    reward: i64,
) -> Result<bool, StoreError> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO user_achievements (user_id, achievement_id, tier, reward) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
        )
        .await?;
    Ok(tx.execute(&stmt, &[&user_id, &achievement_id, &(tier as i32), &reward]).await? == 1)
}
