//! Re-engagement reminders: who may get one today, marking one as sent (at most once a game
//! day), and the player's own switch.

use super::{StoreError, Transaction};
use crate::domain::habits::Habits;
use chrono::NaiveDate;

/// A player whose streak breaks unless they claim today, who wants reminders and has not had
/// one today.
#[derive(Debug, Clone, PartialEq)]
pub struct AtRisk {
    pub user_id: i64,
    pub language_code: Option<String>,
    pub timezone: Option<String>,
    pub habits: Habits,
    pub streak: i32,
}

pub async fn at_risk(
    client: &deadpool_postgres::Client,
    yesterday: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<AtRisk>, StoreError> {
    let stmt = client
        .prepare_cached(
            "SELECT u.id, u.language_code, p.timezone, p.habits, g.current_streak
               FROM user_gamification g
               JOIN users u ON u.id = g.user_id
               JOIN user_profiles p ON p.user_id = g.user_id
              WHERE g.last_daily_claim = $1 AND g.current_streak > 0
                AND u.is_active AND NOT u.is_test AND u.deleted_at IS NULL AND u.banned_at IS NULL
                AND p.reminders AND (p.reminded_on IS NULL OR p.reminded_on < $2)",
        )
        .await?;
    let rows = client.query(&stmt, &[&yesterday, &today]).await?;
    Ok(rows
        .iter()
        .map(|r| AtRisk {
            user_id: r.get(0),
            language_code: r.get(1),
            timezone: r.get(2),
            habits: serde_json::from_value(r.get(3)).unwrap_or_default(),
            streak: r.get(4),
        })
        .collect())
}

/// Mark today's reminder as sent, unless one was (or the player opted out, or claimed)
/// meanwhile; returns whether this call marked it.
pub async fn mark_reminded(
    tx: &Transaction<'_>,
    user_id: i64,
    yesterday: NaiveDate,
    today: NaiveDate,
) -> Result<bool, StoreError> {
    let stmt = tx
        .prepare_cached(
            "UPDATE user_profiles p SET reminded_on = $3
               FROM user_gamification g
              WHERE p.user_id = $1 AND g.user_id = p.user_id AND g.last_daily_claim = $2
                AND p.reminders AND (p.reminded_on IS NULL OR p.reminded_on < $3)",
        )
        .await?;
    Ok(tx.execute(&stmt, &[&user_id, &yesterday, &today]).await? == 1)
}

pub async fn set_wanted(tx: &Transaction<'_>, user_id: i64, on: bool) -> Result<(), StoreError> {
    let stmt =
        tx.prepare_cached("UPDATE user_profiles SET reminders = $2, updated_at = now() WHERE user_id = $1").await?;
    tx.execute(&stmt, &[&user_id, &on]).await?;
    Ok(())
}
