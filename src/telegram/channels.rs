//! Approving join requests to the free channel once their wait is over. The requests are rows
//! in `channel_join_requests`, so a restart loses none: whatever came due while the server was
//! down is approved at the next start.

use super::api::{CallFailure, TelegramApi};
use diana_actors::metrics::count_error;
use diana_actors::store::{self, Pool};
use std::time::Duration;
use teloxide::prelude::Requester;
use teloxide::types::{ChatId, UserId};

const EVERY: Duration = Duration::from_secs(2);

pub fn spawn_approver(api: TelegramApi, pool: Pool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            if let Err(error) = approve_due(&api, &pool).await {
                count_error("join_approvals");
                tracing::warn!(%error, "could not approve join requests; retrying");
            }
        }
    });
}

async fn approve_due(api: &TelegramApi, pool: &Pool) -> Result<(), store::StoreError> {
    let client = pool.get().await?;
    for (user_id, chat_id) in store::channels::due_requests(&client, chrono::Utc::now(), 100).await? {
        let Ok(user) = u64::try_from(user_id) else { continue };
        let request = api.bot.approve_chat_join_request(ChatId(chat_id), UserId(user));
        match api.call("approveChatJoinRequest", request).await {
            Ok(_) => store::channels::approved(&client, user_id, chat_id).await?,
            // Gone (withdrawn, already a member, the bot lost its rights): nothing to retry.
            Err(CallFailure::Rejected(reason) | CallFailure::Transient(reason))
                if reason.contains("HIDE_REQUESTER_MISSING") || reason.contains("USER_ALREADY_PARTICIPANT") =>
            {
                store::channels::approved(&client, user_id, chat_id).await?;
            }
            Err(CallFailure::Rejected(reason)) => {
                count_error("join_approval_refused");
                tracing::warn!(user_id, chat_id, %reason, "Telegram refused a join approval; giving it up");
                store::channels::approved(&client, user_id, chat_id).await?;
            }
            Err(other) => {
                tracing::info!(user_id, ?other, "join approval postponed");
                return Ok(());
            }
        }
    }
    Ok(())
}
