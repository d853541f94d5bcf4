//! `/regalo`: today's gift, the streak, its milestones, and freezes, in the update's transaction.

use super::UserDeps;
use super::wallet::{self, Credited, Earning};
use crate::domain::economy::GiftReward;
use crate::domain::gift;
use crate::domain::story_world::ClueOrigin;
use crate::domain::streak::{self, DailyClaim, Streak};
use crate::domain::{DailyGift, Reply};
use crate::store::{self, StoreError, Transaction};
use chrono::Utc;
use serde_json::json;

/// The shop item that bridges one missed day.
pub const STREAK_FREEZE: &str = "streak_freeze";

pub(super) async fn claim(tx: &Transaction<'_>, deps: &UserDeps, user_id: i64) -> Result<Reply, StoreError> {
    let economy = &deps.settings.economy;
    let tz = deps.settings.timezone;
    let Some(mut wallet) = store::ledger::lock_wallet(tx, user_id).await? else {
        return Ok(Reply::PleaseStart);
    };
    let state = Streak {
        current: wallet.current_streak,
        longest: wallet.longest_streak,
        last_claim: wallet.last_daily_claim,
        freezes: store::inventory::quantity(tx, user_id, STREAK_FREEZE).await?,
    };
    let now = Utc::now();
    let granted = match streak::claim_daily(&state, now.with_timezone(&tz), economy.streak.grace_hours) {
        DailyClaim::AlreadyClaimed { next_at } => {
            return Ok(Reply::DailyAlreadyClaimed { next_at: next_at.with_timezone(&Utc), streak: state.current });
        }
        DailyClaim::Granted(g) => g,
    };
    store::ledger::save_streak(tx, user_id, granted.streak, granted.longest, granted.day).await?;
    store::achievements::bump(tx, user_id, "daily_claims", 1, granted.day, false).await?;
    if granted.freezes_used > 0 {
        store::inventory::consume(tx, user_id, STREAK_FREEZE, granted.freezes_used).await?;
    }
    let drawn = gift::draw(&economy.gift, user_id, granted.day, economy.gift.seed, granted.streak);
    let day_key = format!("{user_id}:{}", granted.day);
    let mut paid = None;
    let mut capped = false;
    let mut clues = Vec::new();
    match &drawn.reward {
        GiftReward::Besitos { amount } => {
            let key = format!("daily:{day_key}");
            let earning = Earning {
                user_id,
                action_type: "daily_gift",
                base: *amount,
                multiplied: true,
                key: &key,
                context: json!({ "day": granted.day, "rarity": drawn.rarity }),
            };
            match wallet::credit_locked(tx, economy, tz, &mut wallet, earning).await? {
                Credited::Paid { amount, .. } => paid = Some(amount),
                Credited::Capped => capped = true,
                Credited::AlreadyPaid | Credited::NoWallet => {}
            }
        }
        GiftReward::Boost { factor, hours } => {
            // A weaker boost while a stronger one runs adds nothing; the stronger one stays.
            // A milestone paid below earns with the boost now running.
            if let Some((factor, until)) = store::ledger::set_boost(tx, user_id, *factor, *hours as i32).await? {
                (wallet.boost_multiplier, wallet.boost_until) = (factor, Some(until));
            }
        }
        GiftReward::Item { item } => store::inventory::add(tx, user_id, item, 1).await?,
        GiftReward::Clue { item } => {
            // A story clue the player lacks; when they hold them all, the keepsake item instead.
            clues = super::clues::give_next(tx, deps, user_id, ClueOrigin::Regalo).await?;
            if clues.is_empty() {
                store::inventory::add(tx, user_id, item, 1).await?;
            }
        }
    }
    let mut milestone = None;
    if let Some(bonus) = economy.streak.milestone_bonus(granted.streak) {
        let key = format!("streak:{day_key}");
        let earning = Earning {
            user_id,
            action_type: "streak_milestone",
            base: bonus,
            multiplied: true,
            key: &key,
            context: json!({ "streak": granted.streak }),
        };
        if let Credited::Paid { amount, .. } = wallet::credit_locked(tx, economy, tz, &mut wallet, earning).await? {
            milestone = Some((granted.streak, amount));
        }
    }
    // VIP perk: a bonus with the gift, paid once per day like the gift itself.
    let mut vip_bonus = None;
    let plan = store::payments::active_subscription(tx, user_id).await?.map(|(plan, _, _)| plan);
    let plans = deps.settings.content.plans.get();
    if let Some(plan) = plan.as_deref().and_then(|p| plans.get(p)).filter(|p| p.daily_bonus > 0) {
        let key = format!("vip_daily:{day_key}");
        let earning = Earning {
            user_id,
            action_type: "vip_daily_bonus",
            base: plan.daily_bonus,
            multiplied: false,
            key: &key,
            context: json!({ "plan": plan.id }),
        };
        if let Credited::Paid { amount, .. } = wallet::credit_locked(tx, economy, tz, &mut wallet, earning).await? {
            vip_bonus = Some(amount);
        }
    }
    Ok(Reply::DailyGift(DailyGift {
        gift: drawn,
        paid,
        capped,
        streak: granted.streak,
        milestone,
        freezes_used: granted.freezes_used,
        late_claim_forgiven: granted.late_claim_forgiven,
        streak_lost: granted.streak_lost,
        clues,
        vip_bonus,
    }))
}
