//! Mission upkeep: give a player today's missions before their first action of the day, and
//! pay missions whose progress reached the target (each once).

use super::wallet::{self, Credited, Earning};
use crate::domain::economy::Economy;
use crate::domain::missions::{self, Kind, Missions};
use crate::domain::{MissionProgress, Reply, level};
use crate::store::ledger::Wallet;
use crate::store::{self, StoreError, Transaction};
use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use std::collections::HashMap;

/// Assign today's daily missions, and any one-time or repeatable mission not started yet,
/// counting from the counters as they are now.
pub async fn ensure_assigned(
    tx: &Transaction<'_>,
    all: &Missions,
    economy: &Economy,
    user_id: i64,
    today: NaiveDate,
) -> Result<(), StoreError> {
    let counters = store::achievements::counters(tx, user_id).await?;
    let total = counters.get("besitos_earned").copied().unwrap_or(0);
    let level = level::standing(&economy.levels, total).number;
    let day = today.to_string();
    let value = |counter: &str| counters.get(counter).copied().unwrap_or(0);
    let mut wanted: Vec<(String, String, i64)> =
        missions::daily_pick(all, level, user_id, i64::from(today.num_days_from_ce()))
            .into_iter()
            .map(|m| (m.id.clone(), day.clone(), value(&m.counter)))
            .collect();
    let have = store::missions::current(tx, user_id, &day).await?;
    // Today's daily missions are picked once, whatever happens to the level later in the day.
    if have.iter().any(|a| a.period == day) {
        wanted.clear();
    }
    for m in all.all.iter().filter(|m| m.kind != Kind::Daily && m.min_level <= level) {
        if !have.iter().any(|a| a.mission_id == m.id) {
            let (period, baseline) = match m.kind {
                // One-time missions count the player's whole history.
                Kind::Once => ("once".to_owned(), 0),
                _ => ("round:1".to_owned(), value(&m.counter)),
            };
            wanted.push((m.id.clone(), period, baseline));
        }
    }
    store::missions::assign(tx, user_id, &wanted).await
}

/// Pay every mission that reached its target, into `wallet`, locked by the caller. Returns the
/// unlock replies to send.
pub async fn pay_completed(
    tx: &Transaction<'_>,
    all: &Missions,
    economy: &Economy,
    tz: Tz,
    user_id: i64,
    wallet: &mut Wallet,
    counters: &HashMap<String, i64>,
) -> Result<Vec<Reply>, StoreError> {
    let periods = missions::payable_periods(chrono::Utc::now().with_timezone(&tz).date_naive());
    let mut replies = Vec::new();
    let mut unpaid = store::missions::unpaid_of(tx, &[user_id], &periods).await?;
    // Today's first, then yesterday's left unpaid: near the day's cap, today's are the ones paid.
    unpaid.sort_by_key(|(_, a)| a.period == periods[1]);
    for (_, assigned) in unpaid {
        let Some(m) = all.get(&assigned.mission_id) else { continue };
        let now = counters.get(&m.counter).copied().unwrap_or(0);
        if !missions::is_complete(m, now, assigned.baseline) {
            continue;
        }
        if !store::missions::complete(tx, user_id, &m.id, &assigned.period, m.reward).await? {
            continue;
        }
        let key = format!("mission:{user_id}:{}:{}", m.id, assigned.period);
        let earning = Earning {
            user_id,
            action_type: "mission",
            base: m.reward,
            multiplied: false,
            key: &key,
            context: serde_json::json!({ "mission": m.id, "period": assigned.period }),
        };
        let paid = match wallet::credit_locked(tx, economy, tz, wallet, earning).await? {
            Credited::Paid { amount, .. } => amount,
            _ => 0,
        };
        if m.kind == Kind::Repeatable {
            let round: u32 = assigned.period.trim_start_matches("round:").parse().unwrap_or(1);
            store::missions::assign(tx, user_id, &[(m.id.clone(), format!("round:{}", round + 1), now)]).await?;
        }
        replies.push(Reply::MissionCompleted { mission_id: m.id.clone(), reward: paid });
    }
    Ok(replies)
}

/// `/misiones`: the active missions with their progress.
pub async fn view(tx: &Transaction<'_>, all: &Missions, user_id: i64, today: NaiveDate) -> Result<Reply, StoreError> {
    let counters = store::achievements::counters(tx, user_id).await?;
    let mut entries: Vec<MissionProgress> = store::missions::current(tx, user_id, &today.to_string())
        .await?
        .into_iter()
        .filter_map(|a| {
            let m = all.get(&a.mission_id)?;
            let now = counters.get(&m.counter).copied().unwrap_or(0);
            Some(MissionProgress {
                mission_id: m.id.clone(),
                daily: m.kind == Kind::Daily,
                progress: if a.completed { m.target } else { missions::progress(m, now, a.baseline) },
                target: m.target,
                reward: m.reward,
                completed: a.completed,
            })
        })
        .collect();
    entries.sort_by_key(|e| (!e.daily, e.completed, e.mission_id.clone()));
    Ok(Reply::Missions { entries })
}
