//! `user_inventory`: items and clues a player holds.

use super::{StoreError, Transaction};
use std::collections::HashMap;

pub async fn quantity(tx: &Transaction<'_>, user_id: i64, item_id: &str) -> Result<i32, StoreError> {
    let stmt = tx.prepare_cached("SELECT quantity FROM user_inventory WHERE user_id = $1 AND item_id = $2").await?;
    Ok(tx.query_opt(&stmt, &[&user_id, &item_id]).await?.map_or(0, |r| r.get(0)))
}

pub async fn add(tx: &Transaction<'_>, user_id: i64, item_id: &str, count: i32) -> Result<(), StoreError> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO user_inventory (user_id, item_id, quantity) VALUES ($1, $2, $3)
             ON CONFLICT (user_id, item_id)
             DO UPDATE SET quantity = user_inventory.quantity + EXCLUDED.quantity, updated_at = now()",
        )
        .await?;
    tx.execute(&stmt, &[&user_id, &item_id, &count]).await?;
    Ok(())
}

/// Use `count` of an item. Returns false (and changes nothing) if the player has fewer.
pub async fn consume(tx: &Transaction<'_>, user_id: i64, item_id: &str, count: i32) -> Result<bool, StoreError> {
    let stmt = tx
        .prepare_cached(
            "UPDATE user_inventory SET quantity = quantity - $3, updated_at = now()
             WHERE user_id = $1 AND item_id = $2 AND quantity >= $3",
        )
        .await?;
    Ok(tx.execute(&stmt, &[&user_id, &item_id, &count]).await? == 1)
}

/// How many of each item a player holds (items they never had are absent): one statement for
/// a whole shop page.
pub async fn quantities(tx: &Transaction<'_>, user_id: i64) -> Result<HashMap<String, i32>, StoreError> {
    let stmt = tx.prepare_cached("SELECT item_id, quantity FROM user_inventory WHERE user_id = $1").await?;
    Ok(tx.query(&stmt, &[&user_id]).await?.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Everything a player holds, by item id.
pub async fn all(tx: &Transaction<'_>, user_id: i64) -> Result<Vec<(String, i32)>, StoreError> {
    let stmt = tx
        .prepare_cached(
            "SELECT item_id, quantity FROM user_inventory WHERE user_id = $1 AND quantity > 0 ORDER BY item_id",
        )
        .await?;
    Ok(tx.query(&stmt, &[&user_id]).await?.iter().map(|r| (r.get(0), r.get(1))).collect())
}
