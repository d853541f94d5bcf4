//! `mood_readings`: moods read in players' messages, and the players' own answers.

use super::{StoreError, Transaction};
use crate::mood::Behaviour;
use chrono::{DateTime, Utc};

pub struct NewReading<'a> {
    pub user_id: i64,
    pub text: &'a str,
    pub behaviour: &'a Behaviour,
    pub mood: &'a str,
    pub confidence: f64,
    pub asked: bool,
}

pub async fn insert(tx: &Transaction<'_>, r: &NewReading<'_>) -> Result<i64, StoreError> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO mood_readings (user_id, text, behaviour, mood, confidence, asked)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .await?;
    let behaviour = serde_json::to_value(r.behaviour)?;
    let row = tx.query_one(&stmt, &[&r.user_id, &r.text, &behaviour, &r.mood, &r.confidence, &r.asked]).await?;
    Ok(row.get(0))
}

/// Whether Diana already asked the player about their mood since `day_start` (once a day).
pub async fn asked_since(tx: &Transaction<'_>, user_id: i64, day_start: DateTime<Utc>) -> Result<bool, StoreError> {
    let stmt = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM mood_readings WHERE user_id = $1 AND asked AND created_at >= $2)")
        .await?;
    Ok(tx.query_one(&stmt, &[&user_id, &day_start]).await?.get(0))
}

/// Keep the player's answer about one of their readings Diana asked about; `false` if it is
/// not theirs, was not asked about, or was answered already.
pub async fn label(tx: &Transaction<'_>, user_id: i64, reading_id: i64, mood: &str) -> Result<bool, StoreError> {
    let stmt = tx
        .prepare_cached(
            "UPDATE mood_readings SET label = $3, labelled_at = now()
              WHERE id = $1 AND user_id = $2 AND asked AND label IS NULL",
        )
        .await?;
    Ok(tx.execute(&stmt, &[&reading_id, &user_id, &mood]).await? == 1)
}

/// Every answer players gave, with the message and the behaviour seen then, oldest first.
pub async fn labels(
    client: &impl deadpool_postgres::GenericClient,
) -> Result<Vec<(String, String, Behaviour)>, StoreError> {
    let stmt = client
        // Load testers' simulated players press buttons at random, and a banned player's
        // answers are not trusted: neither teaches the model.
        .prepare_cached(
            "SELECT r.label, r.text, r.behaviour FROM mood_readings r JOIN users u ON u.id = r.user_id
              WHERE r.label IS NOT NULL AND NOT u.is_test AND u.banned_at IS NULL
              ORDER BY r.id",
        )
        .await?;
    let rows = client.query(&stmt, &[]).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1), serde_json::from_value(r.get(2)).unwrap_or_default())).collect())
}

/// Record a retrained model and whether it replaced the running one.
pub async fn record_model(
    client: &impl deadpool_postgres::GenericClient,
    labels_used: i32,
    eval_macro_f1: f64,
    running_macro_f1: f64,
    accepted: bool,
    model: &serde_json::Value,
) -> Result<i64, StoreError> {
    let stmt = client
        .prepare_cached(
            "INSERT INTO mood_models (labels_used, eval_macro_f1, running_macro_f1, accepted, model)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .await?;
    let row = client.query_one(&stmt, &[&labels_used, &eval_macro_f1, &running_macro_f1, &accepted, model]).await?;
    Ok(row.get(0))
}

/// The newest model that was kept, to run instead of the shipped one.
pub async fn latest_accepted(
    client: &impl deadpool_postgres::GenericClient,
) -> Result<Option<(i64, serde_json::Value)>, StoreError> {
    let stmt =
        client.prepare_cached("SELECT id, model FROM mood_models WHERE accepted ORDER BY id DESC LIMIT 1").await?;
    Ok(client.query_opt(&stmt, &[]).await?.map(|r| (r.get(0), r.get(1))))
}

/// What a player wrote to Diana and how she read it, for their data export.
pub async fn export(tx: &Transaction<'_>, user_id: i64) -> Result<serde_json::Value, StoreError> {
    let stmt = tx
        .prepare_cached(
            "SELECT COALESCE(json_agg(json_build_object('text', text, 'mood', mood, 'confidence', confidence,
                     'your_answer', label, 'at', created_at) ORDER BY id), '[]'::json)
               FROM mood_readings WHERE user_id = $1",
        )
        .await?;
    Ok(tx.query_one(&stmt, &[&user_id]).await?.get(0))
}

/// Forget what a player wrote (their erasure): messages are personal, so nothing is kept, not
/// even as training data.
pub async fn erase(tx: &Transaction<'_>, user_id: i64) -> Result<u64, StoreError> {
    let stmt = tx.prepare_cached("DELETE FROM mood_readings WHERE user_id = $1").await?;
    Ok(tx.execute(&stmt, &[&user_id]).await?)
}
