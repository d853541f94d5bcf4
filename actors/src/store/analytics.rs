//! The dashboard's overview: reads over `user_active_days`, `users`, `points_transactions`,
//! `user_story_chapters`, `user_subscriptions` and `payments`. Test players (load-test ids from
//! `LOADTEST_FIRST_ID`, playground ids from `PLAYGROUND_FIRST_ID`) are left out of every figure.

use super::{Connection, StoreError};
use chrono::NaiveDate;
use serde::Serialize;

/// Playground players get ids from here up: a hundred times above today's Telegram user ids,
/// and below 2^40, the most teloxide accepts as a user's chat id (it panics above).
pub const PLAYGROUND_FIRST_ID: i64 = 1_000_000_000_000;

/// Load-test players (`diana loadtest`) get ids from here up to the playground's: real
/// Telegram chats, as far as the server can tell, but test players all the same (`is_test`),
/// left out of analytics and mood training.
pub const LOADTEST_FIRST_ID: i64 = 900_000_000_000;

/// Days covered by the series.
pub const DAYS: i32 = 30;

/// A signup day's players and the % of them back on day 1, 7 and 30 (where that day has come).
pub type Cohort = (NaiveDate, i64, Option<f64>, Option<f64>, Option<f64>);

#[derive(Debug, Clone, Default, Serialize)]
pub struct Overview {
    pub dau: i64,
    pub wau: i64,
    pub mau: i64,
    pub players: i64,
    /// Per day, oldest first: (day, daily actives, new players).
    pub daily: Vec<(NaiveDate, i64, i64)>,
    /// Per signup day: (day, players, % back on day 1, 7 and 30, where that day has come).
    pub retention: Vec<Cohort>,
    /// Per day: (day, besitos issued, besitos spent).
    pub besitos: Vec<(NaiveDate, i64, i64)>,
    /// Per chapter: (chapter, players who started it, players who finished it).
    pub funnel: Vec<(i32, i64, i64)>,
    /// Per day: (day, active subscribers, revenue in euro cents, revenue in stars).
    pub revenue: Vec<(NaiveDate, i64, i64, i64)>,
    /// Active subscribers now, by plan.
    pub subscribers: Vec<(String, i64)>,
}

/// The overview on the game's calendar (`timezone`, an IANA name): "today" and each day's
/// bounds are the game's, as the days players were active are recorded.
pub async fn overview(conn: &Connection, timezone: &str) -> Result<Overview, StoreError> {
    conn.execute("SELECT set_config('TimeZone', $1, false)", &[&timezone]).await?;
    let figures = overview_in_session_zone(conn).await;
    // The connection goes back to the pool as it came.
    conn.batch_execute("RESET TIME ZONE").await?;
    figures
}

async fn overview_in_session_zone(conn: &Connection) -> Result<Overview, StoreError> {
    let real = LOADTEST_FIRST_ID;
    let mut o = Overview::default();
    let row = conn
        .query_one(
            "SELECT count(DISTINCT user_id) FILTER (WHERE day = current_date),
                    count(DISTINCT user_id) FILTER (WHERE day > current_date - 7),
                    count(DISTINCT user_id),
                    (SELECT count(*) FROM users WHERE id > 0 AND id < $1 AND deleted_at IS NULL)
             FROM user_active_days WHERE day > current_date - 30 AND user_id < $1",
            &[&real],
        )
        .await?;
    (o.dau, o.wau, o.mau, o.players) = (row.get(0), row.get(1), row.get(2), row.get(3));
    let rows = conn
        .query(
            "SELECT d::date,
                    (SELECT count(*) FROM user_active_days a WHERE a.day = d::date AND a.user_id < $1),
                    (SELECT count(*) FROM users u WHERE u.created_at >= d AND u.created_at < d + INTERVAL '1 day'
                       AND u.id > 0 AND u.id < $1)
             FROM generate_series(current_date - ($2::int - 1), current_date, INTERVAL '1 day') d ORDER BY 1",
            &[&real, &DAYS],
        )
        .await?;
    o.daily = rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
    let rows = conn
        .query(
            "SELECT c.day, count(*),
                    CASE WHEN c.day + 1 <= current_date THEN 100.0 * count(*) FILTER (WHERE EXISTS (
                        SELECT 1 FROM user_active_days a WHERE a.day = c.day + 1 AND a.user_id = c.id))::float8 / count(*) END,
                    CASE WHEN c.day + 7 <= current_date THEN 100.0 * count(*) FILTER (WHERE EXISTS (
                        SELECT 1 FROM user_active_days a WHERE a.day = c.day + 7 AND a.user_id = c.id))::float8 / count(*) END,
                    CASE WHEN c.day + 30 <= current_date THEN 100.0 * count(*) FILTER (WHERE EXISTS (
                        SELECT 1 FROM user_active_days a WHERE a.day = c.day + 30 AND a.user_id = c.id))::float8 / count(*) END
             FROM (SELECT id, created_at::date AS day FROM users
                   WHERE created_at >= current_date - 44 AND id > 0 AND id < $1) c
             GROUP BY c.day ORDER BY c.day",
            &[&real],
        )
        .await?;
    o.retention = rows
        .iter()
        .map(|r| {
            let pct = |i: usize| r.get::<_, Option<f64>>(i);
            (r.get(0), r.get(1), pct(2), pct(3), pct(4))
        })
        .collect();
    let rows = conn
        .query(
            "SELECT d::date, coalesce(sum(p.points_change) FILTER (WHERE p.points_change > 0), 0)::bigint,
                    coalesce(-sum(p.points_change) FILTER (WHERE p.points_change < 0), 0)::bigint
             FROM generate_series(current_date - ($2::int - 1), current_date, INTERVAL '1 day') d
             LEFT JOIN points_transactions p
               ON p.created_at >= d AND p.created_at < d + INTERVAL '1 day' AND p.user_id < $1
             GROUP BY 1 ORDER BY 1",
            &[&real, &DAYS],
        )
        .await?;
    o.besitos = rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
    let rows = conn
        .query(
            "SELECT chapter, count(*), count(finished_at) FROM user_story_chapters WHERE user_id < $1
             GROUP BY chapter ORDER BY chapter",
            &[&real],
        )
        .await?;
    o.funnel = rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
    let rows = conn
        .query(
            "SELECT d::date,
                    (SELECT count(*) FROM user_subscriptions s
                      WHERE s.started_at < d + INTERVAL '1 day' AND s.expires_at > d AND s.status <> 'refunded'
                        AND s.user_id < $1),
                    coalesce((SELECT sum(amount) FROM payments p WHERE p.status = 'paid' AND p.currency = 'EUR'
                        AND p.created_at >= d AND p.created_at < d + INTERVAL '1 day' AND p.user_id < $1), 0)::bigint,
                    coalesce((SELECT sum(amount) FROM payments p WHERE p.status = 'paid' AND p.currency = 'XTR'
                        AND p.created_at >= d AND p.created_at < d + INTERVAL '1 day' AND p.user_id < $1), 0)::bigint
             FROM generate_series(current_date - ($2::int - 1), current_date, INTERVAL '1 day') d ORDER BY 1",
            &[&real, &DAYS],
        )
        .await?;
    o.revenue = rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect();
    let rows = conn
        .query(
            "SELECT plan, count(*) FROM user_subscriptions
             WHERE status = 'active' AND expires_at > now() AND user_id < $1 GROUP BY plan ORDER BY plan",
            &[&real],
        )
        .await?;
    o.subscribers = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    Ok(o)
}

/// Note a day a player was active (once a day per player; repeats change nothing).
pub async fn mark_active(tx: &super::Transaction<'_>, user_id: i64, day: NaiveDate) -> Result<(), StoreError> {
    let stmt =
        tx.prepare_cached("INSERT INTO user_active_days (day, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING").await?;
    tx.execute(&stmt, &[&day, &user_id]).await?;
    Ok(())
}
