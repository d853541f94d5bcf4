//! `channel_join_requests` and `channel_reactions`.

use super::{StoreError, Transaction};
use chrono::{DateTime, Utc};

/// Keep a join request for approval at `approve_at`; `false` if it was already kept.
pub async fn request_join(
    tx: &Transaction<'_>,
    user_id: i64,
    chat_id: i64,
    approve_at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO channel_join_requests (user_id, chat_id, approve_at) VALUES ($1, $2, $3)
             ON CONFLICT (user_id, chat_id) DO UPDATE SET approve_at = EXCLUDED.approve_at, approved_at = NULL,
                 requested_at = now()
             WHERE channel_join_requests.approved_at IS NOT NULL",
        )
        .await?;
    Ok(tx.execute(&stmt, &[&user_id, &chat_id, &approve_at]).await? == 1)
}

/// Record a reaction to a post; `false` if this player reacted to it before (paid once).
pub async fn first_reaction(
    tx: &Transaction<'_>,
    user_id: i64,
    chat_id: i64,
    message_id: i64,
) -> Result<bool, StoreError> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO channel_reactions (user_id, chat_id, message_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .await?;
    Ok(tx.execute(&stmt, &[&user_id, &chat_id, &message_id]).await? == 1)
}

/// When this player was last paid for a reaction.
pub async fn last_paid(tx: &Transaction<'_>, user_id: i64) -> Result<Option<DateTime<Utc>>, StoreError> {
    let stmt =
        tx.prepare_cached("SELECT max(reacted_at) FROM channel_reactions WHERE user_id = $1 AND paid > 0").await?;
    Ok(tx.query_one(&stmt, &[&user_id]).await?.get(0))
}

pub async fn mark_paid(
    tx: &Transaction<'_>,
    user_id: i64,
    chat_id: i64,
    message_id: i64,
    paid: i64,
) -> Result<(), StoreError> {
    let stmt = tx
        .prepare_cached(
            "UPDATE channel_reactions SET paid = $4 WHERE user_id = $1 AND chat_id = $2 AND message_id = $3",
        )
        .await?;
    tx.execute(&stmt, &[&user_id, &chat_id, &message_id, &paid]).await?;
    Ok(())
}

/// Join requests whose wait is over, locked and marked approved in `tx`: their approval is
/// committed to the outbox in the same transaction, so each is sent once, after any restart.
pub async fn take_due(tx: &Transaction<'_>, now: DateTime<Utc>, limit: i64) -> Result<Vec<(i64, i64)>, StoreError> {
    let stmt = tx
        .prepare_cached(
            "UPDATE channel_join_requests SET approved_at = now()
             WHERE (user_id, chat_id) IN (
                 SELECT user_id, chat_id FROM channel_join_requests
                 WHERE approved_at IS NULL AND approve_at <= $1
                 ORDER BY approve_at LIMIT $2 FOR UPDATE SKIP LOCKED)
             RETURNING user_id, chat_id",
        )
        .await?;
    Ok(tx.query(&stmt, &[&now, &limit]).await?.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Approve every pending request now (an admin's shortcut): the approver picks them up.
pub async fn approve_all_now(client: &deadpool_postgres::Client) -> Result<u64, StoreError> {
    Ok(client.execute("UPDATE channel_join_requests SET approve_at = now() WHERE approved_at IS NULL", &[]).await?)
}

/// Join requests still waiting: (user, name, asked, to be approved at).
pub async fn pending(
    client: &deadpool_postgres::Client,
) -> Result<Vec<(i64, String, DateTime<Utc>, DateTime<Utc>)>, StoreError> {
    let stmt = client
        .prepare_cached(
            "SELECT r.user_id, u.first_name, r.requested_at, r.approve_at
             FROM channel_join_requests r JOIN users u ON u.id = r.user_id
             WHERE r.approved_at IS NULL ORDER BY r.approve_at LIMIT 500",
        )
        .await?;
    Ok(client.query(&stmt, &[]).await?.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect())
}

/// Someone joined a channel (again).
pub async fn member_joined(tx: &Transaction<'_>, chat_id: i64, user_id: i64) -> Result<(), StoreError> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO channel_members (chat_id, user_id) VALUES ($1, $2)
             ON CONFLICT (chat_id, user_id) DO UPDATE SET joined_at = now(), left_at = NULL",
        )
        .await?;
    tx.execute(&stmt, &[&chat_id, &user_id]).await?;
    Ok(())
}

/// The bot took someone out of a channel.
pub async fn member_removed(client: &deadpool_postgres::Client, chat_id: i64, user_id: i64) -> Result<(), StoreError> {
    let stmt = client
        .prepare_cached(
            "UPDATE channel_members SET left_at = now() WHERE chat_id = $1 AND user_id = $2 AND left_at IS NULL",
        )
        .await?;
    client.execute(&stmt, &[&chat_id, &user_id]).await?;
    Ok(())
}

/// The channel's members set against active subscriptions: (user, name, in the channel since,
/// subscribed). Members without a subscription, and subscribers who never joined, both show.
pub async fn members_against_subscriptions(
    client: &deadpool_postgres::Client,
    chat_id: i64,
) -> Result<Vec<(i64, String, Option<DateTime<Utc>>, bool)>, StoreError> {
    let stmt = client
        .prepare_cached(
            "WITH members AS (SELECT user_id, joined_at FROM channel_members WHERE chat_id = $1 AND left_at IS NULL),
                  subscribed AS (SELECT user_id FROM user_subscriptions WHERE status = 'active' AND expires_at > now())
             SELECT coalesce(m.user_id, s.user_id), coalesce(u.first_name, ''), m.joined_at, s.user_id IS NOT NULL
             FROM members m FULL JOIN subscribed s ON s.user_id = m.user_id
             LEFT JOIN users u ON u.id = coalesce(m.user_id, s.user_id)
             ORDER BY (m.user_id IS NULL) <> (s.user_id IS NULL) DESC, 1 LIMIT 500",
        )
        .await?;
    Ok(client.query(&stmt, &[&chat_id]).await?.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect())
}
