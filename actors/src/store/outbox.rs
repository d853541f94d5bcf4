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
pub async fn insert(tx: &Transaction<'_>, pending: Vec<Pending>) -> Result<Vec<Outgoing>, StoreError> {
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
        .map(|(p, id)| Outgoing { id, chat_id: p.chat_id, user_id: p.user_id, lang: p.lang, reply: p.reply })
        .collect())
}

/// Forget replies Telegram has accepted (or refused for good).
pub async fn delete(client: &deadpool_postgres::Client, ids: &[i64]) -> Result<(), StoreError> {
    let stmt = client.prepare_cached("DELETE FROM outbox WHERE id = ANY($1)").await?;
    client.execute(&stmt, &[&ids]).await?;
    Ok(())
}

/// One page of unsent rows, oldest first.
#[derive(Debug, Default)]
pub struct UnsentPage {
    pub rows: Vec<Outgoing>,
    /// Rows whose reply no longer decodes (written by another version); the caller drops them.
    pub undecodable: Vec<i64>,
    /// The last id of the page, to continue after; `None` when the page is empty.
    pub last_id: Option<i64>,
}

/// Unsent rows with ids after `after_id`, at most `limit`, optionally only those older than
/// `older_than`.
pub async fn unsent(
    client: &deadpool_postgres::Client,
    after_id: i64,
    older_than: Option<std::time::Duration>,
    limit: i64,
) -> Result<UnsentPage, StoreError> {
    let stmt = client
        .prepare_cached(
            "SELECT id, chat_id, user_id, lang, reply FROM outbox
             WHERE id > $1 AND created_at <= now() - make_interval(secs => $2)
             ORDER BY id LIMIT $3",
        )
        .await?;
    let age = older_than.map_or(0.0, |d| d.as_secs_f64());
    let rows = client.query(&stmt, &[&after_id, &age, &limit]).await?;
    let mut page = UnsentPage { last_id: rows.last().map(|r| r.get(0)), ..UnsentPage::default() };
    for row in rows {
        let id: i64 = row.get(0);
        let lang: String = row.get(3);
        match serde_json::from_value::<Reply>(row.get(4)) {
            Ok(reply) => page.rows.push(Outgoing {
                id,
                chat_id: row.get(1),
                user_id: row.get(2),
                lang: Lang::from_code(&lang),
                reply,
            }),
            Err(_) => page.undecodable.push(id),
        }
    }
    Ok(page)
}

/// Take back a broadcast's messages not yet sent (it was cancelled). Returns how many.
pub async fn retract_broadcast(client: &deadpool_postgres::Client, broadcast: i64) -> Result<u64, StoreError> {
    let stmt = client
        .prepare_cached(
            "DELETE FROM outbox WHERE reply->>'type' = 'message_from_team' AND (reply->>'broadcast')::bigint = $1",
        )
        .await?;
    Ok(client.execute(&stmt, &[&broadcast]).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_cancelled_broadcast_takes_back_only_its_own_unsent_messages() {
        let (db, pool) = crate::store::test_db::TestDb::create().await;
        let mut conn = pool.get().await.unwrap();
        let tx = crate::store::begin(&mut conn).await.unwrap();
        let message = |broadcast| Pending {
            chat_id: 7,
            user_id: Some(7),
            lang: Lang::Es,
            reply: Reply::MessageFromTeam { text: "hola".into(), broadcast },
        };
        insert(&tx, vec![message(Some(1)), message(Some(1)), message(Some(2)), message(None)]).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(retract_broadcast(&conn, 1).await.unwrap(), 2);
        assert_eq!(retract_broadcast(&conn, 1).await.unwrap(), 0, "once");
        let left: i64 = conn.query_one("SELECT count(*) FROM outbox", &[]).await.unwrap().get(0);
        assert_eq!(left, 2, "another broadcast's and a personal message stay");
        drop(conn);
        db.drop_now().await;
    }
}
