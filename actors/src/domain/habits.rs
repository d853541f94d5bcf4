//! What a player's play says about them over weeks: the hours of the day they come (a
//! histogram of sessions in their own time zone, older sessions weighing less) and which kind
//! of play they reach for (counts toward each Bartle type). Learned from each session, kept in
//! `user_profiles.habits`, and read by the reminder timing and the archetype refinement.

use serde::{Deserialize, Serialize};

/// Each new session keeps this share of what the older ones weighed, so the histogram follows
/// a player whose routine changes (a half-life of about 35 sessions).
const FORGET: f64 = 0.98;
/// Sessions seen before an hour can be called a habit (three, as the decay leaves them).
pub const MIN_SESSIONS: f64 = 1.0 + FORGET + FORGET * FORGET;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Habits {
    /// Sessions begun in each local hour (0–23), decayed.
    pub hours: [f64; 24],
    /// Actions leaning toward each archetype, in `archetype::ARCHETYPES` order.
    pub signals: [f64; 4],
}

impl Default for Habits {
    fn default() -> Habits {
        Habits { hours: [0.0; 24], signals: [0.0; 4] }
    }
}

/// Hours when no reminder may go out, `from` (inclusive) to `to` (exclusive), in local time;
/// the span may wrap past midnight (22 → 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    pub from: u32,
    pub to: u32,
}

impl QuietHours {
    pub fn contains(&self, hour: u32) -> bool {
        if self.from <= self.to { (self.from..self.to).contains(&hour) } else { hour >= self.from || hour < self.to }
    }
}

impl Habits {
    /// A session began at `local_hour`.
    pub fn record_session(&mut self, local_hour: u32) {
        for h in &mut self.hours {
            *h *= FORGET;
        }
        if let Some(h) = self.hours.get_mut(local_hour as usize) {
            *h += 1.0;
        }
    }

    /// The player did something that leans toward archetype `index`.
    pub fn record_signal(&mut self, index: usize) {
        if let Some(s) = self.signals.get_mut(index) {
            *s += 1.0;
        }
    }

    /// The hour they are likeliest to be around, outside quiet hours; `None` until the
    /// histogram has seen a few sessions. Neighbouring hours count half, so one stray
    /// session does not beat a regular evening; ties go to the earlier hour.
    pub fn best_hour(&self, quiet: QuietHours) -> Option<u32> {
        if self.hours.iter().sum::<f64>() < MIN_SESSIONS {
            return None;
        }
        let smoothed = |h: usize| self.hours[h] + 0.5 * (self.hours[(h + 23) % 24] + self.hours[(h + 1) % 24]);
        (0..24u32)
            .filter(|h| !quiet.contains(*h))
            .map(|h| (h, smoothed(h as usize)))
            .fold(None, |best: Option<(u32, f64)>, (h, w)| match best {
                Some((_, bw)) if bw >= w => best,
                _ => Some((h, w)),
            })
            .filter(|(_, w)| *w > 0.0)
            .map(|(h, _)| h)
    }
}

/// In its last hours, a streak at risk is worth a reminder whatever the player's habits.
pub const LAST_CALL_HOURS: f64 = 3.0;

/// Where a player is when the reminder sweep finds their streak at risk.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReminderMoment {
    /// The hour on the player's own clock.
    pub local_hour: u32,
    /// Whether the player's own date is the game day at risk: a player west of the game's
    /// zone is still on the day before when the game day begins.
    pub same_day: bool,
    /// Hours until the game day ends and the streak breaks.
    pub hours_left: f64,
}

/// Whether a reminder may go out now: never in the player's quiet hours; otherwise from their
/// best hour (`fallback` until they have habits) on the game day, or as a last call in the
/// game day's final hours. The caller keeps it to one a day.
pub fn reminder_due(habits: &Habits, at: ReminderMoment, quiet: QuietHours, fallback: u32) -> bool {
    if quiet.contains(at.local_hour) {
        return false;
    }
    let best = habits.best_hour(quiet).unwrap_or(fallback);
    (at.same_day && at.local_hour >= best) || at.hours_left <= LAST_CALL_HOURS
}

#[cfg(test)]
mod tests {
    use super::*;

    const NIGHT: QuietHours = QuietHours { from: 22, to: 9 };

    #[test]
    fn quiet_hours_may_wrap_past_midnight() {
        assert!(NIGHT.contains(23) && NIGHT.contains(0) && NIGHT.contains(8));
        assert!(!NIGHT.contains(9) && !NIGHT.contains(21));
        let lunch = QuietHours { from: 14, to: 16 };
        assert!(lunch.contains(14) && lunch.contains(15) && !lunch.contains(16) && !lunch.contains(13));
    }

    #[test]
    fn the_best_hour_is_the_regular_one_and_never_quiet() {
        let mut h = Habits::default();
        h.record_session(20);
        h.record_session(20);
        assert_eq!(h.best_hour(NIGHT), None, "two sessions are not a habit");
        h.record_session(20);
        assert_eq!(h.best_hour(NIGHT), Some(20), "three are");
        h.record_session(21);
        h.record_session(13);
        assert_eq!(h.best_hour(NIGHT), Some(20));
        // A night owl: every session at 23, which is quiet, and nothing seen near it outside
        // quiet hours: no habit to go by (the fallback hour serves).
        let mut owl = Habits::default();
        for _ in 0..5 {
            owl.record_session(23);
        }
        assert_eq!(owl.best_hour(NIGHT), None, "nothing outside quiet hours was ever seen near");
        owl.record_session(21);
        assert_eq!(owl.best_hour(NIGHT), Some(21));
    }

    #[test]
    fn a_reminder_waits_for_the_best_hour_on_the_game_day_keeps_quiet_and_makes_a_last_call() {
        let mut evenings = Habits::default();
        for _ in 0..5 {
            evenings.record_session(20);
        }
        let at = |local_hour, same_day, hours_left| ReminderMoment { local_hour, same_day, hours_left };
        assert!(!reminder_due(&evenings, at(12, true, 12.0), NIGHT, 18), "too early for her");
        assert!(reminder_due(&evenings, at(20, true, 4.0), NIGHT, 18));
        assert!(reminder_due(&evenings, at(21, true, 3.5), NIGHT, 18), "a late sweep still sends");
        assert!(!reminder_due(&evenings, at(23, true, 1.0), NIGHT, 18), "quiet, even at the last call");
        // West of the game's zone, the game day starts in the player's afternoon of the day before.
        assert!(!reminder_due(&evenings, at(20, false, 20.0), NIGHT, 18), "her evening of the day before");
        assert!(reminder_due(&evenings, at(10, false, 2.0), NIGHT, 18), "the last call, where her day is young");
        let new = Habits::default();
        assert!(!reminder_due(&new, at(17, true, 7.0), NIGHT, 18) && reminder_due(&new, at(18, true, 6.0), NIGHT, 18));
    }

    #[test]
    fn a_changed_routine_takes_over() {
        let mut h = Habits::default();
        for _ in 0..20 {
            h.record_session(10);
        }
        for _ in 0..30 {
            h.record_session(18);
        }
        assert_eq!(h.best_hour(NIGHT), Some(18));
    }
}
