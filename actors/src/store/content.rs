//! `content_versions` and `content_activations`: content documents saved from the dashboard,
//! and which version of each kind runs; and what players hold of each kind, so a version that
//! would take it away is refused.

use super::{Connection, StoreError};
use crate::content::ContentKind;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, serde::Serialize)]
pub struct ContentVersion {
    pub id: i64,
    pub kind: String,
    pub body: String,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

fn version(r: &tokio_postgres::Row) -> ContentVersion {
    ContentVersion { id: r.get(0), kind: r.get(1), body: r.get(2), uploaded_by: r.get(3), uploaded_at: r.get(4) }
}

pub async fn create(conn: &Connection, kind: ContentKind, body: &str, by: &str) -> Result<i64, StoreError> {
    let stmt = conn
        .prepare_cached("INSERT INTO content_versions (kind, body, uploaded_by) VALUES ($1, $2, $3) RETURNING id")
        .await?;
    Ok(conn.query_one(&stmt, &[&kind.as_str(), &body, &by]).await?.get(0))
}

pub async fn get(conn: &Connection, kind: ContentKind, id: i64) -> Result<Option<ContentVersion>, StoreError> {
    let stmt = conn
        .prepare_cached(
            "SELECT id, kind, body, uploaded_by, uploaded_at FROM content_versions WHERE id = $1 AND kind = $2",
        )
        .await?;
    Ok(conn.query_opt(&stmt, &[&id, &kind.as_str()]).await?.as_ref().map(version))
}

/// The newest versions of a kind, newest first.
pub async fn list(conn: &Connection, kind: ContentKind, limit: i64) -> Result<Vec<ContentVersion>, StoreError> {
    let stmt = conn
        .prepare_cached(
            "SELECT id, kind, body, uploaded_by, uploaded_at FROM content_versions WHERE kind = $1
              ORDER BY id DESC LIMIT $2",
        )
        .await?;
    Ok(conn.query(&stmt, &[&kind.as_str(), &limit]).await?.iter().map(version).collect())
}

/// Note that a version (or, with `None`, the shipped document) now runs.
pub async fn record_activation(
    conn: &Connection,
    kind: ContentKind,
    version_id: Option<i64>,
    by: &str,
) -> Result<(), StoreError> {
    let stmt = conn
        .prepare_cached("INSERT INTO content_activations (kind, version_id, activated_by) VALUES ($1, $2, $3)")
        .await?;
    conn.execute(&stmt, &[&kind.as_str(), &version_id, &by]).await?;
    Ok(())
}

/// The running version of each kind that does not run the shipped document, with its text.
pub async fn running(conn: &Connection) -> Result<Vec<(ContentKind, ContentVersion)>, StoreError> {
    let stmt = conn
        .prepare_cached(
            "SELECT v.id, v.kind, v.body, v.uploaded_by, v.uploaded_at
               FROM (SELECT DISTINCT ON (kind) kind, version_id FROM content_activations ORDER BY kind, id DESC) a
               JOIN content_versions v ON v.id = a.version_id",
        )
        .await?;
    let rows = conn.query(&stmt, &[]).await?;
    Ok(rows.iter().map(version).filter_map(|v| Some((ContentKind::parse(&v.kind)?, v))).collect())
}

/// The running version's id of one kind (`None`: the shipped document).
pub async fn running_id(conn: &Connection, kind: ContentKind) -> Result<Option<i64>, StoreError> {
    let stmt = conn
        .prepare_cached("SELECT version_id FROM content_activations WHERE kind = $1 ORDER BY id DESC LIMIT 1")
        .await?;
    Ok(conn.query_opt(&stmt, &[&kind.as_str()]).await?.and_then(|r| r.get(0)))
}

/// Counts of holders stop here: enough to say "more than 10,000", cheap on a big game.
pub const HELD_COUNT_CAP: i64 = 10_001;

/// Of `ids`, those players hold now, with how many players hold each (up to
/// `HELD_COUNT_CAP`): items in a backpack, achievements unlocked, plans paid for or on sale by
/// token or open invoice; missions under way and trivia questions waiting for an answer since
/// yesterday (these only warn: they end on their own).
pub async fn held(conn: &Connection, kind: ContentKind, ids: &[String]) -> Result<Vec<(String, i64)>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Each id is counted on its own index, stopping at the cap. (`wanted`, not `id`: tables
    // have an `id` column of their own.)
    let holders = match kind {
        ContentKind::Shop => "SELECT 1 FROM user_inventory WHERE item_id = wanted AND quantity > 0",
        ContentKind::Achievements => "SELECT 1 FROM user_achievements WHERE achievement_id = wanted",
        ContentKind::Plans => {
            "SELECT 1 FROM user_subscriptions WHERE plan = wanted AND status = 'active'
             UNION ALL SELECT 1 FROM tariffs WHERE plan = wanted
             UNION ALL SELECT 1 FROM invoices
              WHERE plan = wanted AND paid_at IS NULL AND created_at > now() - INTERVAL '3 days'"
        }
        // `period <> ''` (always true) is what lets this, and only this, use the open-missions
        // index (V20).
        ContentKind::Missions => {
            "SELECT 1 FROM user_missions WHERE mission_id = wanted AND completed_at IS NULL AND period <> ''"
        }
        ContentKind::Trivia => {
            "SELECT 1 FROM trivia_rounds
              WHERE question_id = wanted AND answered_at IS NULL AND day >= CURRENT_DATE - 1"
        }
    };
    let sql = format!(
        "SELECT wanted, held FROM (
             SELECT wanted, (SELECT count(*) FROM ({holders} LIMIT {HELD_COUNT_CAP}) h) AS held
               FROM unnest($1::text[]) AS wanted
         ) counted WHERE held > 0"
    );
    let stmt = conn.prepare_cached(&sql).await?;
    let rows = conn.query(&stmt, &[&ids]).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}
