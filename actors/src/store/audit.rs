//! `audit_log`: who changed what, append-only.

use super::{StoreError, Transaction};
use serde_json::Value;

/// Append one entry inside the transaction that made the change.
pub async fn append(
    tx: &Transaction<'_>,
    actor: &str,
    action: &str,
    target: &str,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Result<(), StoreError> {
    let stmt = tx
        .prepare_cached("INSERT INTO audit_log (actor, action, target, before, after) VALUES ($1, $2, $3, $4, $5)")
        .await?;
    tx.execute(&stmt, &[&actor, &action, &target, &before, &after]).await?;
    Ok(())
}
