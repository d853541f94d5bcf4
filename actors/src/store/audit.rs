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

/// One entry of the audit log, as the dashboard lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Entries newest first, filtered by exact actor, action prefix and exact target, older than
/// `before_id` when paging.
pub async fn list(
    conn: &super::Connection,
    actor: Option<&str>,
    action: Option<&str>,
    target: Option<&str>,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Entry>, StoreError> {
    let stmt = conn
        .prepare_cached(
            "SELECT id, created_at, actor, action, target, before, after FROM audit_log
             WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR action LIKE $2 || '%')
               AND ($3::text IS NULL OR target = $3) AND ($4::bigint IS NULL OR id < $4)
             ORDER BY id DESC LIMIT $5",
        )
        .await?;
    let rows = conn.query(&stmt, &[&actor, &action, &target, &before_id, &limit]).await?;
    Ok(rows
        .iter()
        .map(|r| Entry {
            id: r.get(0),
            at: r.get(1),
            actor: r.get(2),
            action: r.get(3),
            target: r.get(4),
            before: r.get(5),
            after: r.get(6),
        })
        .collect())
}

/// What walking the chain found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChainCheck {
    pub rows: i64,
    /// The first entry whose hash, link or names do not match what was written.
    pub first_broken: Option<i64>,
    /// The newest entry's hash, to note elsewhere: removing the newest entries shows only
    /// against a head noted before.
    pub head: Option<String>,
}

/// Recompute every entry's hash and link. Names may differ from their digests only where a
/// player was erased (an anonymous `user:-N` whose player row is erased).
pub async fn verify_chain(conn: &super::Connection) -> Result<ChainCheck, StoreError> {
    let row = conn
        .query_one(
            "SELECT count(*), min(id) FILTER (WHERE broken),
                    (SELECT encode(row_hash, 'hex') FROM audit_log ORDER BY id DESC LIMIT 1)
             FROM (SELECT id,
                     row_hash IS DISTINCT FROM audit_row_hash(prev_hash, id, created_at, action, actor_digest,
                                                               target_digest, before, after)
                     OR prev_hash IS DISTINCT FROM lag(row_hash) OVER (ORDER BY id)
                     OR (actor_digest <> sha256(convert_to(actor, 'UTF8')) AND NOT audit_erased_name(actor))
                     OR (target_digest <> sha256(convert_to(coalesce(target, ''), 'UTF8'))
                         AND NOT audit_erased_name(coalesce(target, ''))) AS broken
                   FROM audit_log) checked",
            &[],
        )
        .await?;
    Ok(ChainCheck { rows: row.get(0), first_broken: row.get(1), head: row.get(2) })
}
