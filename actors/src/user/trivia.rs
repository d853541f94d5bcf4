//! `/trivia`: one question a day (one more for VIPs), answered with a button; the server's
//! clock decides the fast bonus and the expiry, and each round pays at most once.

use super::UserDeps;
use super::wallet::{self, Credited, Earning};
use crate::domain::trivia::{self, Verdict};
use crate::domain::{Reply, level};
use crate::store::{self, StoreError, Transaction};
use chrono::{Days, TimeZone, Utc};

pub(super) async fn ask(tx: &Transaction<'_>, deps: &UserDeps, user_id: i64) -> Result<Reply, StoreError> {
    let settings = &deps.settings;
    let bank = settings.content.trivia.get();
    let rules = &settings.economy.trivia;
    let Some(wallet) = store::ledger::lock_wallet(tx, user_id).await? else { return Ok(Reply::PleaseStart) };
    let now = Utc::now();
    let today = now.with_timezone(&settings.timezone).date_naive();
    let rounds = store::trivia::rounds_on(tx, user_id, today).await?;
    let window = chrono::Duration::minutes(rules.answer_window_minutes);
    // An open question is asked again as it was: its clock keeps running.
    if let Some(open) = rounds.iter().find(|r| !r.answered && now - r.asked_at <= window)
        && let Some(q) = bank.get(&open.question_id)
    {
        return Ok(question_reply(deps, open.id, q, open.asked_at));
    }
    let vip = wallet.is_vip();
    if rounds.len() as u32 >= trivia::daily_allowance(rules, vip) {
        let midnight = (today + Days::new(1)).and_hms_opt(0, 0, 0).unwrap_or_default();
        let next_at =
            settings.timezone.from_local_datetime(&midnight).earliest().map_or(now, |t| t.with_timezone(&Utc));
        return Ok(Reply::TriviaDone { next_at });
    }
    let level = level::standing(&settings.economy.levels, wallet.total_points).number;
    let asked = store::trivia::asked_counts(tx, user_id).await?;
    let today_ids = rounds.iter().map(|r| r.question_id.clone()).collect();
    let roll = rand::random::<u64>();
    let Some(question) = trivia::pick(&bank, level, vip, &asked, &today_ids, roll) else {
        return Ok(Reply::TriviaDone { next_at: now });
    };
    let round = store::trivia::start(tx, user_id, &question.id, today).await?;
    Ok(question_reply(deps, round.id, question, round.asked_at))
}

fn question_reply(deps: &UserDeps, round_id: i64, q: &trivia::Question, asked_at: chrono::DateTime<Utc>) -> Reply {
    let rules = &deps.settings.economy.trivia;
    Reply::TriviaQuestion {
        round_id,
        difficulty: q.difficulty,
        text: q.text.clone(),
        options: q.options.clone(),
        reward: rules.rewards.get(&q.difficulty).copied().unwrap_or(0),
        fast_seconds: rules.fast_seconds,
        expires_at: asked_at + chrono::Duration::minutes(rules.answer_window_minutes),
    }
}

pub(super) async fn answer(
    tx: &Transaction<'_>,
    deps: &UserDeps,
    user_id: i64,
    round_id: i64,
    chosen: usize,
) -> Result<Reply, StoreError> {
    let settings = &deps.settings;
    let Some(round) = store::trivia::lock(tx, round_id, user_id).await? else { return Ok(Reply::TriviaNotAsked) };
    if round.answered {
        return Ok(Reply::TriviaAlreadyAnswered);
    }
    let bank = settings.content.trivia.get();
    let Some(question) = bank.get(&round.question_id) else { return Ok(Reply::TriviaNotAsked) };
    if chosen >= question.options.len() {
        return Ok(Reply::TriviaNotAsked);
    }
    let verdict = trivia::judge(question, chosen, round.asked_at, Utc::now(), &settings.economy.trivia);
    let (correct, reply) = match verdict {
        Verdict::Expired => (false, Reply::TriviaExpired),
        Verdict::Wrong { correct } => {
            (false, Reply::TriviaWrong { correct_option: question.options.get(correct).cloned().unwrap_or_default() })
        }
        Verdict::Correct { base, fast } => {
            let key = format!("trivia:{round_id}");
            let earning = Earning {
                user_id,
                action_type: "trivia",
                base,
                multiplied: true,
                key: &key,
                context: serde_json::json!({ "question": question.id, "fast": fast }),
            };
            let paid = match wallet::credit(tx, &settings.economy, settings.timezone, earning).await? {
                Credited::Paid { amount, .. } => Some(amount),
                _ => None,
            };
            let today = Utc::now().with_timezone(&settings.timezone).date_naive();
            store::achievements::bump(tx, user_id, "trivia_correct", 1, today, false).await?;
            (true, Reply::TriviaRight { paid, fast })
        }
    };
    let reward = match &reply {
        Reply::TriviaRight { paid, .. } => paid.unwrap_or(0),
        _ => 0,
    };
    store::trivia::answer(tx, round_id, chosen as i32, correct, reward).await?;
    Ok(reply)
}
