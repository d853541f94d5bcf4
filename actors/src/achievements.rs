//! `AchievementEvaluator`: checks a player's counters against the achievement definitions
//! after game events, and unlocks each level exactly once (the primary key of
//! `user_achievements` decides, even when evaluations race), paying its reward through the
//! ledger and committing the unlock message with it.
//!
//! Most events unlock nothing, so the evaluator screens first: the players asked about within
//! `SCREEN_EVERY` are read together, in three statements and without locks, and only those with a
//! level reached or a mission due are evaluated under the wallet lock. Before it screened, each
//! event cost a transaction of seven statements that fought the player's next update for the
//! wallet lock: a third of all statements under load (docs/performance.md).

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
use futures::StreamExt;
use std::collections::HashSet;
use std::sync::Arc;

/// Where committed replies go to be sent (the Telegram outbox, in the server).
pub type ReplySink = Arc<dyn Fn(Vec<Outgoing>) + Send + Sync>;

/// Rewards can unlock further achievements (besitos earned); a few rounds, in one transaction,
/// settle them.
const MAX_ROUNDS: usize = 4;

/// Players asked about within this long are screened together.
const SCREEN_EVERY: std::time::Duration = std::time::Duration::from_millis(20);

/// Evaluations running at once (each holds a connection).
const EVALUATE_AT_ONCE: usize = 4;

/// Players per screening statement.
const SCREEN_CHUNK: usize = 1000;

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
    /// Players asked about and not screened yet.
    waiting: HashSet<i64>,
    /// A screening is scheduled or running.
    screening: bool,
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
        AchievementEvaluator {
            pool,
            definitions,
            economy,
            tz,
            sink,
            leaderboard,
            missions: None,
            waiting: HashSet::new(),
            screening: false,
        }
    }

    /// Also pay completed missions when evaluating.
    pub fn with_missions(mut self, missions: Live<crate::domain::missions::Missions>) -> AchievementEvaluator {
        self.missions = Some(missions);
        self
    }

    /// Evaluate one player now; returns the (achievement, level) pairs this call unlocked.
    pub async fn evaluate(&self, user_id: i64) -> Result<Vec<(String, u32)>, StoreError> {
        let unlocked_now = self.unlock_and_pay(user_id).await?;
        if !unlocked_now.is_empty()
            && let Some(leaderboard) = &self.leaderboard
        {
            leaderboard.do_send(PlayerScored { user_id });
        }
        Ok(unlocked_now)
    }

    /// Everything due for the player, in one transaction under their wallet lock.
    async fn unlock_and_pay(&self, user_id: i64) -> Result<Vec<(String, u32)>, StoreError> {
        let mut conn = self.pool.get().await?;
        let tx = crate::store::begin(&mut conn).await?;
        // The wallet lock first, as every writer takes it: evaluations of one player run one
        // at a time, and they never lock in an order opposite to another's.
        let Some(mut wallet) = store::ledger::lock_wallet(&tx, user_id).await? else {
            return Ok(Vec::new());
        };
        let mut unlocked = store::achievements::unlocked(&tx, user_id).await?;
        let mut pending = Vec::new();
        let mut unlocked_now = Vec::new();
        let lang = Lang::from_language_code(store::users::language_of(&tx, user_id).await?.as_deref());
        // Rewards can reach further levels (besitos earned): each round reads the counters the
        // last one moved, in the same transaction, until a round unlocks nothing.
        for _ in 0..MAX_ROUNDS {
            let counters = store::achievements::counters(&tx, user_id).await?;
            let before = unlocked_now.len();
            for def in &self.definitions.get().all {
                let value = counters.get(&def.counter).copied().unwrap_or(0);
                let reached = newly_reached(def, value, unlocked.get(&def.id).map_or(&[][..], Vec::as_slice));
                for tier in reached {
                    unlocked.entry(def.id.clone()).or_default().push(tier);
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
                    let paid = match wallet::credit_locked(&tx, &self.economy, self.tz, &mut wallet, earning).await? {
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
                let (economy, tz) = (&self.economy, self.tz);
                let done =
                    crate::user::missions::pay_completed(&tx, &missions, economy, tz, user_id, &mut wallet, &counters)
                        .await?;
                for reply in done {
                    if let Reply::MissionCompleted { mission_id, .. } = &reply {
                        unlocked_now.push((format!("mission:{mission_id}"), 1));
                    }
                    pending.push(Pending { chat_id: user_id, user_id: Some(user_id), lang, reply });
                }
            }
            if unlocked_now.len() == before {
                break;
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
    type Result = ();

    fn handle(&mut self, msg: Evaluate, ctx: &mut Self::Context) {
        self.waiting.insert(msg.user_id);
        if !self.screening {
            self.screening = true;
            ctx.notify_later(Screen, SCREEN_EVERY);
        }
    }
}

/// Screen everyone waiting, and evaluate those with something due.
#[derive(Message)]
#[rtype(result = "()")]
struct Screen;

impl Handler<Screen> for AchievementEvaluator {
    type Result = ResponseActFuture<Self, ()>;

    fn handle(&mut self, _msg: Screen, _ctx: &mut Self::Context) -> Self::Result {
        let users: Vec<i64> = std::mem::take(&mut self.waiting).into_iter().collect();
        let evaluator = self.clone();
        let work = async move {
            for chunk in users.chunks(SCREEN_CHUNK) {
                let due = match evaluator.screen(chunk).await {
                    Ok(due) => due,
                    Err(error) => {
                        // Without the screening, evaluate each one: nothing is skipped.
                        count_error("achievement_screening");
                        tracing::warn!(%error, players = chunk.len(), "achievement screening failed");
                        chunk.to_vec()
                    }
                };
                let evaluations = futures::stream::iter(due);
                evaluations
                    .for_each_concurrent(EVALUATE_AT_ONCE, |user_id| evaluator.evaluate_with_retries(user_id))
                    .await;
            }
        };
        Box::pin(work.into_actor(self).map(|(), act, ctx| {
            act.screening = !act.waiting.is_empty();
            if act.screening {
                ctx.notify_later(Screen, SCREEN_EVERY);
            }
        }))
    }
}

impl AchievementEvaluator {
    /// Those of `users` with a level reached and not unlocked, or a mission finished and not
    /// paid. Read without locks: a player it names is evaluated (and checked again) under the
    /// wallet lock, and one it misses has nothing due in committed state.
    async fn screen(&self, users: &[i64]) -> Result<Vec<i64>, StoreError> {
        let conn = self.pool.get().await?;
        let read = store::achievements::screening(&conn, users).await?;
        let definitions = self.definitions.get();
        let no_counters = Default::default();
        let no_levels = Default::default();
        let mut due: HashSet<i64> = users
            .iter()
            .copied()
            .filter(|user_id| {
                let counters = read.counters.get(user_id).unwrap_or(&no_counters);
                let unlocked = read.unlocked.get(user_id).unwrap_or(&no_levels);
                definitions.all.iter().any(|def| {
                    let value = counters.get(&def.counter).copied().unwrap_or(0);
                    !newly_reached(def, value, unlocked.get(&def.id).map_or(&[][..], Vec::as_slice)).is_empty()
                })
            })
            .collect();
        if let Some(missions) = self.missions.as_ref().map(Live::get) {
            let periods =
                crate::domain::missions::payable_periods(chrono::Utc::now().with_timezone(&self.tz).date_naive());
            let unpaid = store::missions::unpaid_of(&store::Transaction::Client(&conn), users, &periods).await?;
            for (user_id, assigned) in unpaid {
                let Some(mission) = missions.get(&assigned.mission_id) else { continue };
                let now = read.counters.get(&user_id).and_then(|c| c.get(&mission.counter)).copied().unwrap_or(0);
                if crate::domain::missions::is_complete(mission, now, assigned.baseline) {
                    due.insert(user_id);
                }
            }
        }
        Ok(users.iter().copied().filter(|u| due.contains(u)).collect())
    }

    async fn evaluate_with_retries(&self, user_id: i64) {
        // A conflict with a concurrent writer (a deadlock victim, say) is worth a retry.
        for attempt in 1..=3 {
            match self.evaluate(user_id).await {
                Ok(_) => return,
                Err(error) if attempt < 3 => {
                    tracing::debug!(user_id, %error, "achievement evaluation retried");
                }
                Err(error) => {
                    count_error("achievement_evaluation");
                    tracing::warn!(user_id, %error, "achievement evaluation failed");
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "achievements_tests.rs"]
mod tests;
