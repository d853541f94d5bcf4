//! `story_versions` and `story_activations`: stories uploaded from the dashboard, their check
//! reports, and which one runs.

use super::{Connection, StoreError};
use chrono::{DateTime, Utc};
use serde_json::Value;

#[derive(Debug, Clone, serde::Serialize)]
pub struct StoryVersion {
    pub id: i64,
    pub dir: String,
    pub files: Vec<String>,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
    pub checked: bool,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub stats: Option<Value>,
}

fn strings(value: Value) -> Vec<String> {
    serde_json::from_value(value).unwrap_or_default()
}

const COLUMNS: &str = "id, dir, files, uploaded_by, uploaded_at, checked, errors, warnings, stats";

fn version(r: &tokio_postgres::Row) -> StoryVersion {
    StoryVersion {
        id: r.get(0),
        dir: r.get(1),
        files: r.get(2),
        uploaded_by: r.get(3),
        uploaded_at: r.get(4),
        checked: r.get(5),
        errors: strings(r.get(6)),
        warnings: strings(r.get(7)),
        stats: r.get(8),
    }
}

/// A new version's row; its folder is named after the id it gets.
pub async fn create(conn: &Connection, files: &[String], uploaded_by: &str) -> Result<i64, StoreError> {
    let stmt = conn
        .prepare_cached("INSERT INTO story_versions (dir, files, uploaded_by) VALUES ('', $1, $2) RETURNING id")
        .await?;
    Ok(conn.query_one(&stmt, &[&files, &uploaded_by]).await?.get(0))
}

pub async fn set_report(
    conn: &Connection,
    id: i64,
    dir: &str,
    errors: &[String],
    warnings: &[String],
    stats: &Value,
) -> Result<(), StoreError> {
    let stmt = conn
        .prepare_cached(
            "UPDATE story_versions SET dir = $2, checked = TRUE, errors = $3, warnings = $4, stats = $5 WHERE id = $1",
        )
        .await?;
    let (errors, warnings) = (serde_json::to_value(errors)?, serde_json::to_value(warnings)?);
    conn.execute(&stmt, &[&id, &dir, &errors, &warnings, &stats]).await?;
    Ok(())
}

pub async fn get(conn: &Connection, id: i64) -> Result<Option<StoryVersion>, StoreError> {
    let stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM story_versions WHERE id = $1")).await?;
    Ok(conn.query_opt(&stmt, &[&id]).await?.as_ref().map(version))
}

pub async fn list(conn: &Connection, limit: i64) -> Result<Vec<StoryVersion>, StoreError> {
    let stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM story_versions ORDER BY id DESC LIMIT $1")).await?;
    Ok(conn.query(&stmt, &[&limit]).await?.iter().map(version).collect())
}

pub async fn record_activation(
    conn: &Connection,
    version_id: Option<i64>,
    compiled: &str,
    activated_by: &str,
) -> Result<(), StoreError> {
    let stmt = conn
        .prepare_cached("INSERT INTO story_activations (version_id, compiled, activated_by) VALUES ($1, $2, $3)")
        .await?;
    conn.execute(&stmt, &[&version_id, &compiled, &activated_by]).await?;
    Ok(())
}

/// The folder of the uploaded version activated last, if the last activation was an upload.
pub async fn active_dir(conn: &Connection) -> Result<Option<String>, StoreError> {
    let stmt = conn
        .prepare_cached(
            "SELECT v.dir FROM story_activations a LEFT JOIN story_versions v ON v.id = a.version_id
             ORDER BY a.id DESC LIMIT 1",
        )
        .await?;
    Ok(conn.query_opt(&stmt, &[]).await?.and_then(|r| r.get(0)))
}
