//! `/historia`: one step of the story per update, its effects committed with the save-state.
//! Each choice button carries the turn it belongs to; an older turn's button changes nothing.

use super::UserDeps;
use super::wallet::{self, Earning};
use crate::domain::Reply;
use crate::domain::story_tags::StoryTag;
use crate::metrics::count_error;
use crate::store::{self, StoreError, Transaction};
use crate::story::play;
use chrono::Utc;

pub(super) async fn play(
    tx: &Transaction<'_>,
    deps: &UserDeps,
    user_id: i64,
    choice: Option<(i64, usize)>,
) -> Result<Reply, StoreError> {
    let Some(story) = &deps.settings.story else { return Ok(Reply::StoryUnavailable) };
    let saved = store::story::lock_state(tx, user_id).await?;
    let turn = saved.as_ref().map_or(0, |(_, t)| *t);
    if let Some((pressed_turn, _)) = choice
        && pressed_turn != turn
    {
        return Ok(Reply::StaleScene);
    }
    if let Some((_, index)) = choice {
        let state = saved.as_ref().map(|(s, _)| s.as_str());
        let Ok(tags) = play::choice_tags(&story.json, &story.source_hash, state, index) else {
            return Ok(Reply::StaleScene);
        };
        if tags.contains(&StoryTag::VipOnly) {
            let vip = store::ledger::lock_wallet(tx, user_id).await?.is_some_and(|w| w.is_vip());
            if !vip {
                return Ok(Reply::StoryNeedsVip);
            }
        }
        if let Some(cost) = tags.iter().find_map(|t| match t {
            StoryTag::Cost(c) => Some(*c),
            _ => None,
        }) {
            let key = format!("story_cost:{user_id}:{turn}");
            let context = serde_json::json!({ "turn": turn });
            match wallet::debit(tx, user_id, "story_cost", cost, &key, context).await? {
                wallet::Debited::Spent { .. } | wallet::Debited::AlreadyDone => {}
                wallet::Debited::Insufficient { missing, .. } => return Ok(Reply::StoryNeedsBesitos { missing }),
                wallet::Debited::NoWallet => return Ok(Reply::PleaseStart),
            }
        }
    }
    let scene =
        match play::step(&story.json, &story.source_hash, saved.as_ref().map(|(s, _)| s.as_str()), choice.map(|c| c.1))
        {
            Ok(scene) => scene,
            Err(error) => {
                count_error("story_step");
                tracing::error!(user_id, %error, "story step failed");
                return Ok(Reply::StaleScene);
            }
        };
    let chapter = scene.tags.iter().find_map(|t| match t {
        StoryTag::Chapter(n) => i32::try_from(*n).ok(),
        _ => None,
    });
    let today = Utc::now().with_timezone(&deps.settings.timezone).date_naive();
    if let Some(text) = &scene.chosen {
        store::story::record_decision(tx, user_id, chapter, turn, text).await?;
        store::achievements::bump(tx, user_id, "story_decisions", 1, today, false).await?;
    }
    for (i, tag) in scene.tags.iter().enumerate() {
        match tag {
            StoryTag::Points(amount) if *amount > 0 => {
                let key = format!("story:{user_id}:{turn}:{i}");
                let earning = Earning {
                    user_id,
                    action_type: "story",
                    base: *amount,
                    multiplied: true,
                    key: &key,
                    context: serde_json::json!({ "turn": turn }),
                };
                wallet::credit(tx, &deps.settings.economy, deps.settings.timezone, earning).await?;
            }
            StoryTag::Relationship { character, delta } => {
                store::story::change_relationship(tx, user_id, character, *delta).await?;
            }
            StoryTag::Ending(_) => {
                store::achievements::bump(tx, user_id, "story_endings", 1, today, false).await?;
            }
            _ => {}
        }
    }
    let next_turn = turn + 1;
    store::story::save_state(tx, user_id, &scene.state, next_turn, chapter).await?;
    Ok(Reply::StoryScene { lines: scene.lines, choices: scene.choices, turn: next_turn, ended: scene.ended })
}
