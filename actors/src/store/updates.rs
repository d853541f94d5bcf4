//! `processed_updates`: the exactly-once record of Telegram updates.

use super::{StoreError, Transaction};

/// Claim an update inside the transaction that applies its effects. `false` means it was
/// processed before: the caller must apply nothing and roll back.
pub async fn claim(
    tx: &Transaction<'_>,
    update_id: i64,
    user_id: Option<i64>,
    outcome: &str,
) -> Result<bool, StoreError> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO processed_updates (update_id, user_id, outcome) VALUES ($1, $2, $3)
             ON CONFLICT (update_id) DO NOTHING",
        )
        .await?;
    Ok(tx.execute(&stmt, &[&update_id, &user_id, &outcome]).await? == 1)
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
