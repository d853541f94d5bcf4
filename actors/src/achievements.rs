//! `AchievementEvaluator`: checks a player's counters against the achievement definitions
//! after game events, and unlocks each level exactly once (the primary key of
//! `user_achievements` decides, even when evaluations race), paying its reward through the
//! ledger and committing the unlock message with it.

use crate::content::Live;
use crate::domain::achievements::{Achievements, newly_reached};
use crate::domain::economy::Economy;
use crate::domain::{Lang, Outgoing, Reply};
use crate::leaderboard::{Leaderboard, PlayerScored};
use crate::metrics::count_error;
use crate::store::{self, Pool, StoreError, outbox::Pending};
use crate::user::wallet::{self, Credited, Earning};
use actix::prelude::*;
use chrono_tz::Tz;
use std::sync::Arc;

/// Where committed replies go to be sent (the Telegram outbox, in the server).
pub type ReplySink = Arc<dyn Fn(Vec<Outgoing>) + Send + Sync>;

/// Rewards can unlock further achievements (besitos earned); a few rounds settle them.
const MAX_ROUNDS: usize = 4;

#[derive(Clone)]
pub struct AchievementEvaluator {
    pool: Pool,
    definitions: Live<Achievements>,
    economy: Arc<Economy>,
    tz: Tz,
    sink: Option<ReplySink>,
    leaderboard: Option<Addr<Leaderboard>>,
    /// Missions are paid in the same pass as achievements, from the same counters.
    missions: Option<Live<crate::domain::missions::Missions>>,
}

impl AchievementEvaluator {
    pub fn new(
        pool: Pool,
        definitions: Live<Achievements>,
        economy: Arc<Economy>,
        tz: Tz,
        sink: Option<ReplySink>,
        leaderboard: Option<Addr<Leaderboard>>,
    ) -> AchievementEvaluator {
        AchievementEvaluator { pool, definitions, economy, tz, sink, leaderboard, missions: None }
    }

    /// Also pay completed missions when evaluating.
    pub fn with_missions(mut self, missions: Live<crate::domain::missions::Missions>) -> AchievementEvaluator {
        self.missions = Some(missions);
        self
    }

    /// Evaluate one player now; returns the (achievement, level) pairs this call unlocked.
    pub async fn evaluate(&self, user_id: i64) -> Result<Vec<(String, u32)>, StoreError> {
        let mut unlocked_now = Vec::new();
        for _ in 0..MAX_ROUNDS {
            let round = self.evaluate_once(user_id).await?;
            if round.is_empty() {
                break;
            }
            unlocked_now.extend(round);
        }
        if !unlocked_now.is_empty()
            && let Some(leaderboard) = &self.leaderboard
        {
            leaderboard.do_send(PlayerScored { user_id });
        }
        Ok(unlocked_now)
    }

    async fn evaluate_once(&self, user_id: i64) -> Result<Vec<(String, u32)>, StoreError> {
        let mut conn = self.pool.get().await?;
        let tx = conn.transaction().await?;
        // The wallet lock first, as every writer takes it: evaluations of one player run one
        // at a time, and they never lock in an order opposite to another's.
        if store::ledger::lock_wallet(&tx, user_id).await?.is_none() {
            return Ok(Vec::new());
        }
        let counters = store::achievements::counters(&tx, user_id).await?;
        let unlocked = store::achievements::unlocked(&tx, user_id).await?;
        let mut pending = Vec::new();
        let mut unlocked_now = Vec::new();
        let lang = Lang::from_language_code(store::users::language_of(&tx, user_id).await?.as_deref());
        for def in &self.definitions.get().all {
            let value = counters.get(&def.counter).copied().unwrap_or(0);
            let have = unlocked.get(&def.id).map_or(&[][..], Vec::as_slice);
            for tier in newly_reached(def, value, have) {
                let reward = def.rewards.get(tier as usize - 1).copied().unwrap_or(0);
                if !store::achievements::unlock(&tx, user_id, &def.id, tier, reward).await? {
                    continue;
                }
                let key = format!("achievement:{user_id}:{}:{tier}", def.id);
                let earning = Earning {
                    user_id,
                    action_type: "achievement",
                    base: reward,
                    multiplied: false,
                    key: &key,
                    context: serde_json::json!({ "achievement": def.id, "tier": tier }),
                };
                let paid = match wallet::credit(&tx, &self.economy, self.tz, earning).await? {
                    Credited::Paid { amount, .. } => amount,
                    _ => 0,
                };
                pending.push(Pending {
                    chat_id: user_id,
                    user_id: Some(user_id),
                    lang,
                    reply: Reply::AchievementUnlocked { achievement_id: def.id.clone(), tier, reward: paid },
                });
                unlocked_now.push((def.id.clone(), tier));
            }
        }
        if let Some(missions) = self.missions.as_ref().map(Live::get) {
            let today = chrono::Utc::now().with_timezone(&self.tz).date_naive();
            let done =
                crate::user::missions::pay_completed(&tx, &missions, &self.economy, self.tz, user_id, &counters, today)
                    .await?;
            for reply in done {
                if let Reply::MissionCompleted { mission_id, .. } = &reply {
                    unlocked_now.push((format!("mission:{mission_id}"), 1));
                }
                pending.push(Pending { chat_id: user_id, user_id: Some(user_id), lang, reply });
            }
        }
        let outgoing = store::outbox::insert(&tx, pending).await?;
        tx.commit().await?;
        if let Some(sink) = &self.sink {
            sink(outgoing);
        }
        Ok(unlocked_now)
    }
}

impl Actor for AchievementEvaluator {
    type Context = Context<Self>;
}

/// Check this player's achievements (sent after an event committed).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Evaluate {
    pub user_id: i64,
}

impl Handler<Evaluate> for AchievementEvaluator {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, msg: Evaluate, _ctx: &mut Self::Context) -> Self::Result {
        let evaluator = self.clone();
        Box::pin(async move {
            // A conflict with a concurrent writer (a deadlock victim, say) is worth a retry.
            for attempt in 1..=3 {
                match evaluator.evaluate(msg.user_id).await {
                    Ok(_) => return,
                    Err(error) if attempt < 3 => {
                        tracing::debug!(user_id = msg.user_id, %error, "achievement evaluation retried");
                    }
                    Err(error) => {
                        count_error("achievement_evaluation");
                        tracing::warn!(user_id = msg.user_id, %error, "achievement evaluation failed");
                    }
                }
            }
        })
    }
}

#[cfg(test)]
#[path = "achievements_tests.rs"]
mod tests;
