//! `outbox`: replies committed together with the effects they announce.

use super::{StoreError, Transaction};
use crate::domain::{Lang, Outgoing, Reply};

/// A reply to commit: where it goes and what it says.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub chat_id: i64,
    pub user_id: Option<i64>,
    pub lang: Lang,
    pub reply: Reply,
}

/// Write replies in one statement; returns them with their row ids, in order.
pub async fn insert(
    tx: &Transaction<'_>,
    pending: Vec<Pending>,
) -> Result<Vec<Outgoing>, StoreError> {
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    let mut chats = Vec::with_capacity(pending.len());
    let mut users = Vec::with_capacity(pending.len());
    let mut langs = Vec::with_capacity(pending.len());
    let mut replies = Vec::with_capacity(pending.len());
    for p in &pending {
        chats.push(p.chat_id);
        users.push(p.user_id);
        langs.push(p.lang.code());
        replies.push(serde_json::to_value(&p.reply)?);
    }
    let stmt = tx
        .prepare_cached(
            "INSERT INTO outbox (chat_id, user_id, lang, reply)
             SELECT c, u, l, r FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $4::JSONB[])
                 WITH ORDINALITY AS t(c, u, l, r, n)
             ORDER BY n
             RETURNING id",
        )
        .await?;
    let rows = tx.query(&stmt, &[&chats, &users, &langs, &replies]).await?;
    let mut ids: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
    // bigserial ids follow insertion order, which follows ORDER BY n.
    ids.sort_unstable();
    Ok(pending
        .into_iter()
        .zip(ids)
        .map(|(p, id)| Outgoing {
            id,
            chat_id: p.chat_id,
            user_id: p.user_id,
            lang: p.lang,
            reply: p.reply,
        })
        .collect())
}

/// Forget replies Telegram has accepted (or refused for good).
pub async fn delete(client: &deadpool_postgres::Client, ids: &[i64]) -> Result<(), StoreError> {
    let stmt = client
        .prepare_cached("DELETE FROM outbox WHERE id = ANY($1)")
        .await?;
    client.execute(&stmt, &[&ids]).await?;
    Ok(())
}

/// Replies left unsent by an earlier run, oldest first.
pub async fn unsent(
    client: &deadpool_postgres::Client,
    limit: i64,
) -> Result<Vec<Outgoing>, StoreError> {
    let stmt = client
        .prepare_cached("SELECT id, chat_id, user_id, lang, reply FROM outbox ORDER BY id LIMIT $1")
        .await?;
    let rows = client.query(&stmt, &[&limit]).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let lang: String = row.get(3);
        out.push(Outgoing {
            id: row.get(0),
            chat_id: row.get(1),
            user_id: row.get(2),
            lang: Lang::from_code(&lang),
            reply: serde_json::from_value(row.get(4))?,
        });
    }
    Ok(out)
}
