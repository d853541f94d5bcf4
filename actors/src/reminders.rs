//! `Reminders`: on a timer, with an injectable clock, tells players whose streak breaks today
//! to come back, at the hour they usually play (learned from their sessions, in their time
//! zone), never in quiet hours, at most once a game day, and only if they want reminders
//! (`/privacidad`). The message goes through the outbox, so Telegram's limits hold.

use crate::achievements::ReplySink;
use crate::clock::Clock;
use crate::domain::habits::{QuietHours, ReminderMoment, reminder_due};
use crate::domain::{Lang, Reply};
use crate::metrics::count_error;
use crate::store::outbox::{self, Pending};
use crate::store::{Pool, StoreError, reminders};
use actix::prelude::*;
use chrono::{DateTime, Days, Timelike, Utc};
use chrono_tz::Tz;

/// When and how reminders go out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReminderRules {
    pub quiet: QuietHours,
    /// The hour for players whose habits are not known yet.
    pub fallback_hour: u32,
    /// The game's calendar (streak days follow its midnight), and the zone of players who
    /// never said theirs.
    pub game_tz: Tz,
}

#[derive(Clone)]
pub struct Reminders {
    pool: Pool,
    sink: Option<ReplySink>,
    clock: Clock,
    rules: ReminderRules,
    every: Option<std::time::Duration>,
}

impl Reminders {
    pub fn new(pool: Pool, sink: Option<ReplySink>, clock: Clock, rules: ReminderRules) -> Reminders {
        Reminders { pool, sink, clock, rules, every: None }
    }

    pub fn sweeping_every(mut self, every: std::time::Duration) -> Reminders {
        self.every = Some(every);
        self
    }

    /// Send the reminders due at `now`; returns how many went out.
    pub async fn sweep(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let today = now.with_timezone(&self.rules.game_tz).date_naive();
        let Some(yesterday) = today.checked_sub_days(Days::new(1)) else { return Ok(0) };
        // Where a clock change skips midnight, the game day ends at the first hour that exists.
        let day_ends = crate::domain::streak::next_midnight(now.with_timezone(&self.rules.game_tz));
        let hours_left = (day_ends.with_timezone(&Utc) - now).num_seconds() as f64 / 3600.0;
        let candidates = reminders::at_risk(&self.pool.get().await?, yesterday, today).await?;
        let mut sent = 0;
        for player in candidates {
            let tz: Tz = player.timezone.as_deref().and_then(|t| t.parse().ok()).unwrap_or(self.rules.game_tz);
            let local = now.with_timezone(&tz);
            let moment = ReminderMoment { local_hour: local.hour(), same_day: local.date_naive() == today, hours_left };
            if !reminder_due(&player.habits, moment, self.rules.quiet, self.rules.fallback_hour) {
                continue;
            }
            let mut conn = self.pool.get().await?;
            let tx = crate::store::begin(&mut conn).await?;
            // Checked again as it is marked: a claim, an opt-out or another sweep meanwhile wins.
            if !reminders::mark_reminded(&tx, player.user_id, yesterday, today).await? {
                continue;
            }
            let pending = Pending {
                chat_id: player.user_id,
                user_id: Some(player.user_id),
                lang: Lang::from_language_code(player.language_code.as_deref()),
                reply: Reply::StreakReminder { streak: player.streak, hours_left: hours_left.ceil().max(1.0) as u32 },
            };
            let outgoing = outbox::insert(&tx, vec![pending]).await?;
            tx.commit().await?;
            if let Some(sink) = &self.sink {
                sink(outgoing);
            }
            sent += 1;
        }
        if sent > 0 {
            tracing::info!(sent, "streak reminders sent");
        }
        Ok(sent)
    }
}

impl Actor for Reminders {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        if let Some(every) = self.every {
            ctx.run_interval(every, |this, ctx| {
                let me = this.clone();
                let sweep = async move {
                    if let Err(error) = me.sweep((me.clock)()).await {
                        count_error("reminder_sweep");
                        tracing::error!(%error, "the reminder sweep failed; the next one retries");
                    }
                };
                ctx.spawn(sweep.into_actor(this));
            });
        }
    }
}

/// Sweep now (`now` overrides the clock, for tests and tools).
#[derive(Message)]
#[rtype(result = "Result<usize, StoreError>")]
pub struct RemindNow {
    pub now: Option<DateTime<Utc>>,
}

impl Handler<RemindNow> for Reminders {
    type Result = ResponseFuture<Result<usize, StoreError>>;

    fn handle(&mut self, msg: RemindNow, _: &mut Context<Self>) -> Self::Result {
        let me = self.clone();
        Box::pin(async move { me.sweep(msg.now.unwrap_or_else(|| (me.clock)())).await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Outgoing;
    use crate::domain::habits::Habits;
    use chrono::{NaiveDate, TimeZone};
    use std::sync::{Arc, Mutex};

    fn madrid(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        chrono_tz::Europe::Madrid.with_ymd_and_hms(2027, 3, day, hour, minute, 0).unwrap().with_timezone(&Utc)
    }

    fn habit_at(hour: usize) -> serde_json::Value {
        let mut h = Habits::default();
        h.hours[hour] = 5.0;
        serde_json::to_value(h).unwrap()
    }

    #[actix::test]
    async fn reminders_come_at_each_players_hour_never_in_quiet_hours_once_a_day_and_only_if_wanted() {
        let (db, pool) = crate::store::test_db::TestDb::create().await;
        let conn = pool.get().await.unwrap();
        let day = NaiveDate::from_ymd_opt(2027, 3, 10).unwrap();
        let yesterday = day.pred_opt().unwrap();
        // (id, name, time zone, habits, last claim, wants reminders)
        type Player<'a> = (i64, &'a str, Option<&'a str>, Option<usize>, NaiveDate, bool);
        let players: [Player<'_>; 6] = [
            (1, "Ana", None, Some(20), yesterday, true),
            (2, "Bea", None, Some(20), yesterday, false),
            (3, "Cris", None, None, yesterday, true),
            (4, "Dani", None, Some(20), day, true),
            (5, "Eli", Some("America/Mexico_City"), Some(13), yesterday, true),
            (6, "Hana", Some("Asia/Tokyo"), Some(20), yesterday, true),
        ];
        for (id, name, tz, habits, claim, wanted) in players {
            let habits = habits.map_or_else(|| serde_json::json!({}), habit_at);
            conn.execute("INSERT INTO users (id, first_name, language_code) VALUES ($1, $2, 'es')", &[&id, &name])
                .await
                .unwrap();
            conn.execute(
                "INSERT INTO user_gamification (user_id, current_streak, longest_streak, last_daily_claim)
                 VALUES ($1, 5, 5, $2)",
                &[&id, &claim],
            )
            .await
            .unwrap();
            conn.execute(
                "INSERT INTO user_profiles (user_id, timezone, habits, reminders) VALUES ($1, $2, $3, $4)",
                &[&id, &tz, &habits, &wanted],
            )
            .await
            .unwrap();
        }
        let now = Arc::new(Mutex::new(madrid(10, 15, 0)));
        let clock: Clock = {
            let now = Arc::clone(&now);
            Arc::new(move || *now.lock().unwrap())
        };
        let sent: Arc<Mutex<Vec<Outgoing>>> = Arc::default();
        let sink: ReplySink = {
            let sent = Arc::clone(&sent);
            Arc::new(move |out: Vec<Outgoing>| sent.lock().unwrap().extend(out))
        };
        let rules = ReminderRules {
            quiet: QuietHours { from: 22, to: 9 },
            fallback_hour: 19,
            game_tz: chrono_tz::Europe::Madrid,
        };
        let reminders = Reminders::new(pool.clone(), Some(sink), clock, rules).start();
        let sweep_at = |at: DateTime<Utc>| {
            *now.lock().unwrap() = at;
            let reminders = reminders.clone();
            let sent = Arc::clone(&sent);
            async move {
                let before = sent.lock().unwrap().len();
                let count = reminders.send(RemindNow { now: None }).await.unwrap().unwrap();
                let mut to: Vec<i64> = sent.lock().unwrap()[before..].iter().map(|o| o.chat_id).collect();
                to.sort_unstable();
                assert_eq!(count, to.len());
                to
            }
        };
        // Just after the game day begins: quiet in Madrid and Tokyo; in Mexico City it is 17:05
        // on the 9th, past Eli's hour but the day before hers.
        assert_eq!(sweep_at(madrid(10, 0, 5)).await, Vec::<i64>::new());
        // Noon in Madrid is 20:00 in Tokyo: Hana's hour.
        assert_eq!(sweep_at(madrid(10, 12, 0)).await, [6]);
        // 15:00 in Madrid: too early for Ana (20h) and Cris (19h, no habits yet); 08:00 in Mexico
        // City is quiet.
        assert_eq!(sweep_at(madrid(10, 15, 0)).await, Vec::<i64>::new());
        assert_eq!(sweep_at(madrid(10, 19, 0)).await, [3], "Cris at the usual hour");
        assert_eq!(sweep_at(madrid(10, 20, 5)).await, [1, 5], "Ana at 20h in Madrid, Eli at 13h in Mexico City");
        assert_eq!(sweep_at(madrid(10, 21, 0)).await, Vec::<i64>::new(), "one a day");
        // Bea opted out and Dani already claimed.
        let reminded: Vec<i64> = conn
            .query("SELECT user_id FROM user_profiles WHERE reminded_on = $1 ORDER BY user_id", &[&day])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(reminded, [1, 3, 5, 6]);
        let kinds: Vec<serde_json::Value> =
            sent.lock().unwrap().iter().map(|o| serde_json::to_value(&o.reply).unwrap()).collect();
        assert!(kinds.iter().all(|k| k["type"] == "streak_reminder" && k["streak"] == 5), "{kinds:?}");
        assert_eq!(kinds.iter().map(|k| k["hours_left"].as_u64().unwrap()).collect::<Vec<_>>(), [12, 5, 4, 4]);
        let queued: i64 = conn.query_one("SELECT count(*) FROM outbox", &[]).await.unwrap().get(0);
        assert_eq!(queued, 4, "through the outbox, under Telegram's limits");

        // The next day: those who claimed on the 10th (Dani, and now Ana and Cris) are at risk
        // and reminded again; the others' streaks are already gone. Dani has the usual hour.
        conn.execute("UPDATE user_gamification SET last_daily_claim = $1 WHERE user_id IN (1, 3)", &[&day])
            .await
            .unwrap();
        assert_eq!(sweep_at(madrid(11, 20, 5)).await, [1, 3, 4]);
        drop(conn);
        db.drop_now().await;
    }
}
