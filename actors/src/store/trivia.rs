//! `trivia_rounds`: questions asked and how they were answered.

use super::{StoreError, Transaction};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Round {
    pub id: i64,
    pub question_id: String,
    pub asked_at: DateTime<Utc>,
    pub answered: bool,
}

fn round(row: &tokio_postgres::Row) -> Round {
    Round {
        id: row.get(0),
        question_id: row.get(1),
        asked_at: row.get(2),
        answered: row.get::<_, Option<DateTime<Utc>>>(3).is_some(),
    }
}

/// How many times this player was asked each question.
pub async fn asked_counts(tx: &Transaction<'_>, user_id: i64) -> Result<HashMap<String, u32>, StoreError> {
    let stmt = tx
        .prepare_cached("SELECT question_id, count(*) FROM trivia_rounds WHERE user_id = $1 GROUP BY question_id")
        .await?;
    Ok(tx.query(&stmt, &[&user_id]).await?.iter().map(|r| (r.get(0), r.get::<_, i64>(1) as u32)).collect())
}

pub async fn rounds_on(tx: &Transaction<'_>, user_id: i64, day: NaiveDate) -> Result<Vec<Round>, StoreError> {
    let stmt = tx
        .prepare_cached(
            "SELECT id, question_id, asked_at, answered_at FROM trivia_rounds WHERE user_id = $1 AND day = $2 ORDER BY id",
        )
        .await?;
    Ok(tx.query(&stmt, &[&user_id, &day]).await?.iter().map(round).collect())
}

pub async fn start(tx: &Transaction<'_>, user_id: i64, question_id: &str, day: NaiveDate) -> Result<Round, StoreError> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO trivia_rounds (user_id, question_id, day) VALUES ($1, $2, $3)
             RETURNING id, question_id, asked_at, answered_at",
        )
        .await?;
    Ok(round(&tx.query_one(&stmt, &[&user_id, &question_id, &day]).await?))
}

/// The round, locked, if it was asked to this player.
pub async fn lock(tx: &Transaction<'_>, round_id: i64, user_id: i64) -> Result<Option<Round>, StoreError> {
    let stmt = tx
        .prepare_cached(
            "SELECT id, question_id, asked_at, answered_at FROM trivia_rounds WHERE id = $1 AND user_id = $2 FOR UPDATE",
        )
        .await?;
    Ok(tx.query_opt(&stmt, &[&round_id, &user_id]).await?.as_ref().map(round))
}

pub async fn answer(
    tx: &Transaction<'_>,
    round_id: i64,
    chosen: i32,
    correct: bool,
    reward: i64,
) -> Result<(), StoreError> {
    let stmt = tx
        .prepare_cached(
            "UPDATE trivia_rounds SET answered_at = now(), chosen = $2, correct = $3, reward = $4 WHERE id = $1",
        )
        .await?;
    tx.execute(&stmt, &[&round_id, &chosen, &correct, &reward]).await?;
    Ok(())
}
