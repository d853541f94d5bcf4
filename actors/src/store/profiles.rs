//! `user_profiles`: presentation choices such as the title shown.

use super::{StoreError, Transaction};

pub async fn set_title(tx: &Transaction<'_>, user_id: i64, item_id: &str) -> Result<(), StoreError> {
    let stmt =
        tx.prepare_cached("UPDATE user_profiles SET title_item = $2, updated_at = now() WHERE user_id = $1").await?;
    tx.execute(&stmt, &[&user_id, &item_id]).await?;
    Ok(())
}

pub async fn title(tx: &Transaction<'_>, user_id: i64) -> Result<Option<String>, StoreError> {
    let stmt = tx.prepare_cached("SELECT title_item FROM user_profiles WHERE user_id = $1").await?;
    Ok(tx.query_opt(&stmt, &[&user_id]).await?.and_then(|r| r.get(0)))
}
