//! `broadcasts`: messages to a segment of players, and who is in a segment.

use super::{Connection, StoreError, Transaction};
use crate::store::analytics::LOADTEST_FIRST_ID;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, serde::Serialize)]
pub struct Broadcast {
    pub id: i64,
    pub segment: String,
    pub inactive_days: Option<i32>,
    pub text: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub total: i32,
    pub queued: i32,
    pub last_user_id: i64,
    pub status: String,
}

/// Who a segment reaches: players who can hear us (not blocked, banned, erased or test).
const MEMBERS: &str = "FROM users u
     WHERE u.id > 0 AND u.id < $1 AND u.is_active AND u.banned_at IS NULL AND u.deleted_at IS NULL
       AND CASE $2::text
             WHEN 'vip' THEN EXISTS (SELECT 1 FROM user_subscriptions s
                                     WHERE s.user_id = u.id AND s.status = 'active' AND s.expires_at > now())
             WHEN 'inactive' THEN u.last_seen_at < now() - make_interval(days => $3::int)
             WHEN 'all' THEN TRUE
             ELSE EXISTS (SELECT 1 FROM user_profiles p
                          WHERE p.user_id = u.id AND 'archetype:' || p.archetype = $2::text) END";

pub async fn segment_size(conn: &Connection, segment: &str, inactive_days: Option<i32>) -> Result<i64, StoreError> {
    let days = inactive_days.unwrap_or(0);
    let row = conn.query_one(&format!("SELECT count(*) {MEMBERS}"), &[&LOADTEST_FIRST_ID, &segment, &days]).await?;
    Ok(row.get(0))
}

/// The next members after `after_id`, by id: (user, language).
pub async fn members_after(
    conn: &Connection,
    segment: &str,
    inactive_days: Option<i32>,
    after_id: i64,
    limit: i64,
) -> Result<Vec<(i64, Option<String>)>, StoreError> {
    let days = inactive_days.unwrap_or(0);
    let rows = conn
        .query(
            &format!("SELECT u.id, u.language_code {MEMBERS} AND u.id > $4 ORDER BY u.id LIMIT $5"),
            &[&LOADTEST_FIRST_ID, &segment, &days, &after_id, &limit],
        )
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

pub async fn create(
    tx: &Transaction<'_>,
    segment: &str,
    inactive_days: Option<i32>,
    text: &str,
    created_by: &str,
    total: i32,
) -> Result<i64, StoreError> {
    let row = tx
        .query_one(
            "INSERT INTO broadcasts (segment, inactive_days, text, created_by, total) VALUES ($1, $2, $3, $4, $5)
             RETURNING id",
            &[&segment, &inactive_days, &text, &created_by, &total],
        )
        .await?;
    Ok(row.get(0))
}

const COLUMNS: &str = "id, segment, inactive_days, text, created_by, created_at, total, queued, last_user_id, status";

fn broadcast(r: &tokio_postgres::Row) -> Broadcast {
    Broadcast {
        id: r.get(0),
        segment: r.get(1),
        inactive_days: r.get(2),
        text: r.get(3),
        created_by: r.get(4),
        created_at: r.get(5),
        total: r.get(6),
        queued: r.get(7),
        last_user_id: r.get(8),
        status: r.get(9),
    }
}

pub async fn get(conn: &Connection, id: i64) -> Result<Option<Broadcast>, StoreError> {
    Ok(conn
        .query_opt(&format!("SELECT {COLUMNS} FROM broadcasts WHERE id = $1"), &[&id])
        .await?
        .as_ref()
        .map(broadcast))
}

pub async fn list(conn: &Connection, limit: i64) -> Result<Vec<Broadcast>, StoreError> {
    let rows = conn.query(&format!("SELECT {COLUMNS} FROM broadcasts ORDER BY id DESC LIMIT $1"), &[&limit]).await?;
    Ok(rows.iter().map(broadcast).collect())
}

pub async fn running(conn: &Connection) -> Result<Vec<i64>, StoreError> {
    let rows = conn.query("SELECT id FROM broadcasts WHERE status = 'running' ORDER BY id", &[]).await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// A batch from `from_user_id` to `last_user_id` was queued. `false` if the broadcast is no
/// longer running (cancelled meanwhile) or another runner queued from that place first: the
/// batch's transaction must not commit.
pub async fn advance(
    tx: &Transaction<'_>,
    id: i64,
    from_user_id: i64,
    last_user_id: i64,
    queued: i32,
) -> Result<bool, StoreError> {
    let n = tx
        .execute(
            "UPDATE broadcasts SET last_user_id = $3, queued = queued + $4
             WHERE id = $1 AND status = 'running' AND last_user_id = $2",
            &[&id, &from_user_id, &last_user_id, &queued],
        )
        .await?;
    Ok(n == 1)
}

/// End a running broadcast (`done` or `cancelled`); `false` if it was not running.
pub async fn finish(conn: &Connection, id: i64, status: &str) -> Result<bool, StoreError> {
    let n = conn
        .execute(
            "UPDATE broadcasts SET status = $2, finished_at = now() WHERE id = $1 AND status = 'running'",
            &[&id, &status],
        )
        .await?;
    Ok(n == 1)
}
