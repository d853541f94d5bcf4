//! `processed_updates`: the exactly-once record of Telegram updates.

use super::{StoreError, Transaction};

/// What claiming an update found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Claim {
    /// `false`: processed before; the caller must apply nothing.
    pub fresh: bool,
    /// The ban state of `ban_of` (see `users::ban_state`): `None` if not banned, or if no
    /// `ban_of` was given.
    pub banned: Option<bool>,
}

/// Claim an update inside the transaction that applies its effects, and read the ban state of
/// `ban_of` in the same statement: every update of a registered player needs both, and one
/// round trip fewer per update is worth the join of two concerns.
pub async fn claim(
    tx: &Transaction<'_>,
    update_id: i64,
    user_id: Option<i64>,
    outcome: &str,
    ban_of: Option<i64>,
) -> Result<Claim, StoreError> {
    let stmt = tx
        .prepare_cached(
            "WITH claimed AS (
                 INSERT INTO processed_updates (update_id, user_id, outcome) VALUES ($1, $2, $3)
                 ON CONFLICT (update_id) DO NOTHING RETURNING 1)
             SELECT EXISTS (SELECT 1 FROM claimed),
                    (SELECT ban_notified FROM users WHERE id = $4 AND banned_at IS NOT NULL)",
        )
        .await?;
    let row = tx.query_one(&stmt, &[&update_id, &user_id, &outcome, &ban_of]).await?;
    Ok(Claim { fresh: row.get(0), banned: row.get(1) })
}

/// Mark an update processed without effects, after it failed repeatedly. Without this a
/// poisonous update would be redelivered forever and hold back every update behind it.
pub async fn record_failure(client: &deadpool_postgres::Client, update_id: i64) -> Result<(), StoreError> {
    let stmt = client
        .prepare_cached(
            "INSERT INTO processed_updates (update_id, outcome) VALUES ($1, 'failed')
             ON CONFLICT (update_id) DO NOTHING",
        )
        .await?;
    client.execute(&stmt, &[&update_id]).await?;
    Ok(())
}

/// Whether this update was processed already.
pub async fn is_processed(client: &deadpool_postgres::Client, update_id: i64) -> Result<bool, StoreError> {
    let stmt = client.prepare_cached("SELECT 1 FROM processed_updates WHERE update_id = $1").await?;
    Ok(client.query_opt(&stmt, &[&update_id]).await?.is_some())
}

/// Forget updates processed more than `days` ago. Telegram keeps an undelivered update for at
/// most 24 hours, so older records guard nothing; and after a week without updates Telegram
/// may start `update_id`s afresh, where an old record would wrongly swallow a new update.
pub async fn prune(client: &deadpool_postgres::Client, days: i32) -> Result<u64, StoreError> {
    let stmt = client
        .prepare_cached("DELETE FROM processed_updates WHERE processed_at < now() - make_interval(days => $1)")
        .await?;
    Ok(client.execute(&stmt, &[&days]).await?)
}

/// A fresh id for an update the playground makes (above Telegram's ids, never reused).
pub async fn next_playground_update_id(client: &deadpool_postgres::Client) -> Result<i64, StoreError> {
    let stmt = client.prepare_cached("SELECT nextval('playground_update_seq')").await?;
    Ok(client.query_one(&stmt, &[]).await?.get(0))
}
