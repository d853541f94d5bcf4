//! Approving join requests to the free channel once their wait is over. The requests are rows
//! in `channel_join_requests`, so a restart loses none: whatever came due while the server was
//! down is approved at the next start. Approvals go out through the outbox like every other
//! call, within Telegram's limits: a due request is marked and its approval committed to the
//! outbox in one transaction.

use super::outbox::Outbox;
use diana_actors::domain::{Lang, Reply};
use diana_actors::metrics::count_error;
use diana_actors::store::{self, Pool, outbox::Pending};
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(2);

pub fn spawn_approver(outbox: Outbox, pool: Pool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            match approve_due(&pool).await {
                Ok(outgoing) => outbox.send(outgoing),
                Err(error) => {
                    count_error("join_approvals");
                    tracing::warn!(%error, "could not approve join requests; retrying");
                }
            }
        }
    });
}

async fn approve_due(pool: &Pool) -> Result<Vec<diana_actors::domain::Outgoing>, store::StoreError> {
    let mut conn = pool.get().await?;
    let tx = diana_actors::store::begin(&mut conn).await?;
    let due = store::channels::take_due(&tx, chrono::Utc::now(), 100).await?;
    let pending = due
        .into_iter()
        .map(|(user_id, channel_id)| Pending {
            chat_id: user_id,
            user_id: Some(user_id),
            lang: Lang::Es,
            reply: Reply::ApproveJoin { channel_id },
        })
        .collect();
    let outgoing = store::outbox::insert(&tx, pending).await?;
    tx.commit().await?;
    Ok(outgoing)
}
