//! Long polling. The offset that confirms updates to Telegram moves past an update only after
//! its effects are committed, so a crash at any point means redelivery, never loss.

use super::ALLOWED_UPDATES;
use super::api::{CallFailure, TelegramApi};
use super::router::{Received, UpdateRouter};
use std::collections::BTreeMap;
use std::time::Duration;
use teloxide::payloads::GetUpdatesSetters;
use teloxide::prelude::Requester;
use teloxide::types::Update;
use tokio::sync::watch;

pub async fn run(api: TelegramApi, router: UpdateRouter, poll_timeout_secs: u32, mut stop: watch::Receiver<bool>) {
    let mut offset: i32 = 0;
    let mut backoff = Duration::from_millis(250);
    // getUpdates is refused while a webhook is set (after a switch from webhook mode, say).
    let mut webhook_cleared = false;
    loop {
        if *stop.borrow() {
            break;
        }
        if !webhook_cleared {
            let cleared = api.call("deleteWebhook", api.bot.delete_webhook()).await;
            webhook_cleared = cleared.is_ok();
            if let Err(failure) = cleared {
                tracing::warn!(?failure, "deleteWebhook failed; retrying");
                backoff = (backoff * 2).min(Duration::from_secs(10));
                tokio::select! { _ = stop.changed() => break, _ = tokio::time::sleep(backoff) => {} }
                continue;
            }
        }
        let request =
            api.bot.get_updates().offset(offset).timeout(poll_timeout_secs).allowed_updates(ALLOWED_UPDATES.to_vec());
        let polled = tokio::select! {
            _ = stop.changed() => break,
            polled = api.call("getUpdates", request) => polled,
        };
        let updates = match polled {
            Ok(updates) => updates,
            Err(failure) => {
                let wait = match failure {
                    CallFailure::RetryAfter(wait) => wait,
                    CallFailure::Rejected(reason) if reason.contains("webhook") => {
                        webhook_cleared = false;
                        Duration::ZERO
                    }
                    other => {
                        tracing::warn!(failure = ?other, "getUpdates failed; retrying");
                        backoff = (backoff * 2).min(Duration::from_secs(10));
                        backoff
                    }
                };
                tokio::select! { _ = stop.changed() => break, _ = tokio::time::sleep(wait) => {} }
                continue;
            }
        };
        backoff = Duration::from_millis(250);
        if updates.is_empty() {
            continue;
        }
        match process_batch(&router, updates).await {
            Ok(next) => offset = next,
            Err(next) => {
                // Confirm what precedes the first failure; the rest comes again (and the
                // updates in it that did commit are recognised as duplicates).
                offset = next;
                tokio::select! { _ = stop.changed() => break, _ = tokio::time::sleep(Duration::from_secs(1)) => {} }
            }
        }
    }
    if offset > 0 {
        // Tell Telegram about the last updates we committed, so a restart does not see them again.
        let confirm = api.bot.get_updates().offset(offset).timeout(0).limit(1);
        let _ = tokio::time::timeout(Duration::from_secs(2), api.call("getUpdates", confirm)).await;
    }
    tracing::info!("long polling stopped");
}

/// Process one batch: each user's updates in order, different users concurrently. Returns the
/// next offset: past the batch, or (as `Err`) at the first update that failed.
async fn process_batch(router: &UpdateRouter, updates: Vec<Update>) -> Result<i32, i32> {
    let last = updates.iter().map(|u| u.id.0).max().unwrap_or(0);
    let mut by_user: BTreeMap<Option<i64>, Vec<Received>> = BTreeMap::new();
    for update in &updates {
        let received = router.receive(update);
        by_user.entry(received.user_id()).or_default().push(received);
    }
    let lanes = by_user.into_values().map(|lane| async move {
        for received in lane {
            let id = received.update_id();
            if router.apply(received).await.is_err() {
                return Some(id);
            }
        }
        None
    });
    let failed = futures::future::join_all(lanes).await.into_iter().flatten().min();
    match failed {
        None => Ok(last as i32 + 1),
        Some(first_failed) => Err(first_failed as i32),
    }
}
