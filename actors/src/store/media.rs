//! `media_files`: the Telegram `file_id` of each story picture, so it is uploaded once and then
//! sent by id. Keyed by the file's digest too, so an edited picture is uploaded again.

use super::{Pool, StoreError};

pub async fn file_id(pool: &Pool, asset: &str, digest: &str) -> Result<Option<String>, StoreError> {
    let client = pool.get().await?;
    let stmt = client.prepare_cached("SELECT file_id FROM media_files WHERE asset = $1 AND digest = $2").await?;
    Ok(client.query_opt(&stmt, &[&asset, &digest]).await?.map(|r| r.get(0)))
}

pub async fn remember(pool: &Pool, asset: &str, digest: &str, file_id: &str) -> Result<(), StoreError> {
    let client = pool.get().await?;
    let stmt = client
        .prepare_cached(
            "INSERT INTO media_files (asset, digest, file_id) VALUES ($1, $2, $3)
             ON CONFLICT (asset, digest) DO UPDATE SET file_id = EXCLUDED.file_id, created_at = now()",
        )
        .await?;
    client.execute(&stmt, &[&asset, &digest, &file_id]).await?;
    Ok(())
}

pub async fn forget(pool: &Pool, asset: &str, digest: &str) -> Result<(), StoreError> {
    let client = pool.get().await?;
    let stmt = client.prepare_cached("DELETE FROM media_files WHERE asset = $1 AND digest = $2").await?;
    client.execute(&stmt, &[&asset, &digest]).await?;
    Ok(())
}
