//! The channels around the game: a join request to the free channel is kept for approval after
//! a wait (the server approves it, durably) with a welcome in private right away; a reaction to
//! a channel post pays besitos once per post, with a cooldown and a daily cap.

use super::UserDeps;
use super::wallet::{self, Earning};
use crate::domain::Reply;
use crate::store::{self, StoreError, Transaction};
use chrono::Utc;

pub(super) async fn join_request(
    tx: &Transaction<'_>,
    deps: &UserDeps,
    user_id: i64,
    channel_id: i64,
) -> Result<Option<Reply>, StoreError> {
    let rules = &deps.settings.channels;
    if rules.free_id != Some(channel_id) {
        // The VIP channel is joined by invite link; other chats are none of ours.
        return Ok(None);
    }
    let wait = chrono::Duration::from_std(rules.approve_after).unwrap_or_default();
    if !store::channels::request_join(tx, user_id, channel_id, Utc::now() + wait).await? {
        return Ok(None);
    }
    let minutes = u32::try_from(rules.approve_after.as_secs().div_ceil(60)).unwrap_or(u32::MAX);
    Ok(Some(Reply::ChannelWelcome { minutes }))
}

/// Someone joined a channel: in the VIP channel, only with an active subscription.
pub(super) async fn joined(
    tx: &Transaction<'_>,
    deps: &UserDeps,
    user_id: i64,
    channel_id: i64,
) -> Result<Option<Reply>, StoreError> {
    if deps.settings.channels.vip_id != Some(channel_id) {
        return Ok(None);
    }
    store::channels::member_joined(tx, channel_id, user_id).await?;
    let active = store::payments::active_subscription(tx, user_id).await?.is_some();
    Ok((!active).then_some(Reply::VipRemove))
}

pub(super) async fn reacted(
    tx: &Transaction<'_>,
    deps: &UserDeps,
    user_id: i64,
    channel_id: i64,
    message_id: i64,
    emoji: Option<&str>,
) -> Result<(), StoreError> {
    let rules = &deps.settings.channels;
    let ours = [rules.free_id, rules.vip_id].contains(&Some(channel_id));
    let Some(amount) = emoji.and_then(|e| rules.reactions.get(e)).copied().filter(|a| *a > 0 && ours) else {
        return Ok(());
    };
    if !store::channels::first_reaction(tx, user_id, channel_id, message_id).await? {
        return Ok(());
    }
    let cooldown = chrono::Duration::from_std(rules.reaction_cooldown).unwrap_or_default();
    if store::channels::last_paid(tx, user_id).await?.is_some_and(|at| Utc::now() - at < cooldown) {
        return Ok(());
    }
    let key = format!("reaction:{user_id}:{channel_id}:{message_id}");
    let earning = Earning {
        user_id,
        action_type: "channel_reaction",
        base: amount,
        multiplied: true,
        key: &key,
        context: serde_json::json!({ "channel": channel_id, "post": message_id }),
    };
    // Over the day's cap, the reaction is kept (it never pays later) and nothing is paid.
    if let wallet::Credited::Paid { amount, .. } =
        wallet::credit(tx, &deps.settings.economy, deps.settings.timezone, earning).await?
    {
        store::channels::mark_paid(tx, user_id, channel_id, message_id, amount).await?;
    }
    Ok(())
}
