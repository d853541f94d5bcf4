//! What the user actor knows of a player right now, kept up to date on each update rather than
//! queried: the mood read lately (fading with time), the current session, and what they did
//! last. Pure: the actor feeds it updates and asks it questions.

use chrono::{DateTime, Duration, Utc};
use std::collections::VecDeque;

/// A gap this long starts a new session.
const SESSION_GAP: Duration = Duration::minutes(30);
/// A mood's confidence halves every this long…
const MOOD_HALF_LIFE_MINUTES: f64 = 120.0;
/// …and below this it is forgotten.
const MOOD_FORGOTTEN_BELOW: f64 = 0.3;
/// How many recent actions are remembered.
const RECENT: usize = 10;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlayerContext {
    mood: Option<(&'static str, f64, DateTime<Utc>)>,
    last_update_at: Option<DateTime<Utc>>,
    previous_update_at: Option<DateTime<Utc>>,
    session_updates: u32,
    recent: VecDeque<&'static str>,
}

impl PlayerContext {
    /// The player did something (`kind`: the action's stable name) at `now`.
    pub fn observe(&mut self, kind: &'static str, now: DateTime<Utc>) {
        let new_session = self.last_update_at.is_none_or(|last| now - last > SESSION_GAP);
        self.session_updates = if new_session { 1 } else { self.session_updates + 1 };
        self.previous_update_at = self.last_update_at;
        self.last_update_at = Some(now);
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(kind);
    }

    /// Minutes between this update and the one before it.
    pub fn minutes_since_previous(&self) -> Option<f64> {
        let (now, before) = (self.last_update_at?, self.previous_update_at?);
        Some((now - before).num_seconds().max(0) as f64 / 60.0)
    }

    pub fn session_updates(&self) -> u32 {
        self.session_updates
    }

    pub fn recent(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.recent.iter().copied()
    }

    /// The model read `mood` with `confidence` at `now` (`neutral` readings change nothing).
    pub fn read_mood(&mut self, mood: &'static str, confidence: f64, now: DateTime<Utc>) {
        if mood != crate::mood::NEUTRAL {
            self.mood = Some((mood, confidence, now));
        }
    }

    /// The mood as it stands at `now`: its confidence fades with time, and once faint it is gone.
    pub fn mood(&self, now: DateTime<Utc>) -> Option<(&'static str, f64)> {
        let (mood, confidence, at) = self.mood?;
        let minutes = (now - at).num_seconds().max(0) as f64 / 60.0;
        let faded = confidence * 0.5f64.powf(minutes / MOOD_HALF_LIFE_MINUTES);
        (faded >= MOOD_FORGOTTEN_BELOW).then_some((mood, faded))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::minutes(minutes)
    }

    #[test]
    fn sessions_and_gaps_follow_the_updates() {
        let mut c = PlayerContext::default();
        c.observe("chat", at(0));
        assert_eq!((c.session_updates(), c.minutes_since_previous()), (1, None));
        c.observe("menu", at(5));
        assert_eq!((c.session_updates(), c.minutes_since_previous()), (2, Some(5.0)));
        c.observe("chat", at(60));
        assert_eq!(c.session_updates(), 1, "half an hour away starts a new session");
        assert_eq!(c.recent().collect::<Vec<_>>(), ["chat", "menu", "chat"]);
        for i in 0..20 {
            c.observe("trivia", at(61 + i));
        }
        assert_eq!(c.recent().count(), RECENT);
    }

    #[test]
    fn a_mood_fades_and_is_then_forgotten() {
        let mut c = PlayerContext::default();
        c.read_mood("triste", 0.9, at(0));
        assert_eq!(c.mood(at(0)), Some(("triste", 0.9)));
        let (_, later) = c.mood(at(120)).unwrap();
        assert!((later - 0.45).abs() < 1e-9, "halved after two hours: {later}");
        assert_eq!(c.mood(at(600)), None, "gone by the evening");
        c.read_mood(crate::mood::NEUTRAL, 0.2, at(601));
        c.read_mood("feliz", 0.8, at(602));
        assert_eq!(c.mood(at(602)).map(|m| m.0), Some("feliz"));
    }
}
