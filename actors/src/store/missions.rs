//! `user_missions`: which missions a player has, from what counter value, and when paid.

use super::{StoreError, Transaction};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assigned {
    pub mission_id: String,
    pub period: String,
    pub baseline: i64,
    pub completed: bool,
}

/// Give missions to a player; ones they already have for that period are left alone.
pub async fn assign(tx: &Transaction<'_>, user_id: i64, missions: &[(String, String, i64)]) -> Result<(), StoreError> {
    if missions.is_empty() {
        return Ok(());
    }
    let (ids, rest): (Vec<String>, Vec<(String, i64)>) =
        missions.iter().map(|(m, p, b)| (m.clone(), (p.clone(), *b))).unzip();
    let (periods, baselines): (Vec<String>, Vec<i64>) = rest.into_iter().unzip();
    let stmt = tx
        .prepare_cached(
            "INSERT INTO user_missions (user_id, mission_id, period, baseline)
             SELECT $1, m, p, b FROM UNNEST($2::TEXT[], $3::TEXT[], $4::BIGINT[]) AS t(m, p, b)
             ON CONFLICT DO NOTHING",
        )
        .await?;
    tx.execute(&stmt, &[&user_id, &ids, &periods, &baselines]).await?;
    Ok(())
}

/// The player's missions for `today` (a date string), their one-time missions, and the latest
/// round of each repeatable one.
pub async fn current(tx: &Transaction<'_>, user_id: i64, today: &str) -> Result<Vec<Assigned>, StoreError> {
    let stmt = tx
        .prepare_cached(
            "SELECT DISTINCT ON (mission_id) mission_id, period, baseline, completed_at IS NOT NULL
             FROM user_missions
             WHERE user_id = $1 AND (period = $2 OR period = 'once' OR period LIKE 'round:%')
             ORDER BY mission_id, created_at DESC",
        )
        .await?;
    Ok(tx
        .query(&stmt, &[&user_id, &today])
        .await?
        .iter()
        .map(|r| Assigned { mission_id: r.get(0), period: r.get(1), baseline: r.get(2), completed: r.get(3) })
        .collect())
}

/// The missions of players that are not paid yet and could be due: `periods` (today's and
/// yesterday's), one-time ones, and repeatable rounds (only the latest round is ever unpaid).
/// By player and mission. Read for the evaluator's screening, without locks, and by
/// `pay_completed`, which decides under the wallet lock.
pub async fn unpaid_of(
    tx: &Transaction<'_>,
    users: &[i64],
    periods: &[String],
) -> Result<Vec<(i64, Assigned)>, StoreError> {
    let stmt = tx
        .prepare_cached(
            "SELECT user_id, mission_id, period, baseline FROM user_missions
             WHERE user_id = ANY($1) AND completed_at IS NULL
               AND (period = ANY($2) OR period = 'once' OR period LIKE 'round:%')
             ORDER BY user_id, mission_id, period",
        )
        .await?;
    Ok(tx
        .query(&stmt, &[&users, &periods])
        .await?
        .iter()
        .map(|r| (r.get(0), Assigned { mission_id: r.get(1), period: r.get(2), baseline: r.get(3), completed: false }))
        .collect())
}

/// Mark a mission done. `false` if it was done already (a concurrent evaluation paid it).
pub async fn complete(
    tx: &Transaction<'_>,
    user_id: i64,
    mission_id: &str,
    period: &str,
    reward: i64,
) -> Result<bool, StoreError> {
    let stmt = tx
        .prepare_cached(
            "UPDATE user_missions SET completed_at = now(), reward = $4
             WHERE user_id = $1 AND mission_id = $2 AND period = $3 AND completed_at IS NULL",
        )
        .await?;
    Ok(tx.execute(&stmt, &[&user_id, &mission_id, &period, &reward]).await? == 1)
}
