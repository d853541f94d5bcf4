//! What the user actor knows of a player right now, kept up to date on each update and each
//! answer rather than queried: the mood read lately (fading with time), the session, what they
//! did last, the time of day where they are, their habits, where they are in the story, their
//! streak and VIP, and what they have engaged with. Pure: the actor loads it once with the
//! player, feeds it updates and replies, and asks it questions.

use super::habits::Habits;
use super::reply::Reply;
use super::story_rules::RelationshipType;
use super::streak::{self, Streak};
use crate::mood::Behaviour;
use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use std::collections::{BTreeSet, VecDeque};

/// A gap this long starts a new session.
const SESSION_GAP: Duration = Duration::minutes(30);
/// A mood's confidence halves every this long…
const MOOD_HALF_LIFE_MINUTES: f64 = 120.0;
/// …and below this it is forgotten.
const MOOD_FORGOTTEN_BELOW: f64 = 0.3;
/// How many recent actions are remembered.
const RECENT: usize = 10;
/// Spending this recently, or losing a streak this recently, still colours the mood.
const JUST: Duration = Duration::hours(1);
/// A story choice this soon after its scene was shown skipped the scene unread.
const SKIPPED_WITHIN: Duration = Duration::seconds(4);

/// What is known of a player when their actor starts (loaded with the player).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Known {
    /// Their own time zone, and the game's calendar (for the streak).
    pub tz: Option<Tz>,
    pub game_tz: Option<Tz>,
    pub habits: Habits,
    pub personality: Option<[f64; 4]>,
    pub current_streak: i32,
    pub last_claim: Option<NaiveDate>,
    pub vip_until: Option<DateTime<Utc>>,
    pub chapter: Option<i32>,
    /// Items engaged with (`capitulo:N`, `tienda:<item>`, `logro:<id>`).
    pub engaged: BTreeSet<String>,
    pub reminders: bool,
    /// When the player was last seen (saved when their previous actor passivated), so a new
    /// actor knows whether this is the same session.
    pub last_seen: Option<DateTime<Utc>>,
}

/// The part of the day, where the player is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayPart {
    Night,
    Morning,
    Afternoon,
    Evening,
}

impl DayPart {
    pub fn at_hour(hour: u32) -> DayPart {
        match hour {
            0..6 => DayPart::Night,
            6..13 => DayPart::Morning,
            13..21 => DayPart::Afternoon,
            _ => DayPart::Evening,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DayPart::Night => "night",
            DayPart::Morning => "morning",
            DayPart::Afternoon => "afternoon",
            DayPart::Evening => "evening",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlayerContext {
    mood: Option<(&'static str, f64, DateTime<Utc>)>,
    last_update_at: Option<DateTime<Utc>>,
    previous_update_at: Option<DateTime<Utc>>,
    session_updates: u32,
    recent: VecDeque<&'static str>,
    known: Known,
    /// Habits changed since they were last saved.
    habits_unsaved: bool,
    streak_lost_at: Option<DateTime<Utc>>,
    spent_at: Option<DateTime<Utc>>,
    scene_shown_at: Option<DateTime<Utc>>,
    /// This session's story choices that moved a relationship romantically / as a rival, and
    /// scenes skipped.
    romantic_choices: u32,
    hostile_choices: u32,
    skipped_scenes: u32,
}

impl PlayerContext {
    pub fn from_known(known: Known) -> PlayerContext {
        PlayerContext { last_update_at: known.last_seen, known, ..PlayerContext::default() }
    }

    /// The game's calendar, from the settings (the same for every player).
    pub fn set_game_tz(&mut self, tz: Tz) {
        self.known.game_tz = Some(tz);
    }

    fn tz(&self) -> Tz {
        self.known.tz.or(self.known.game_tz).unwrap_or(Tz::UTC)
    }

    /// The player did something (`kind`: the action's stable name) at `now`. A new session
    /// is counted at its local hour, and what the action says of their play type is noted.
    pub fn observe(&mut self, kind: &'static str, now: DateTime<Utc>) {
        let new_session = self.last_update_at.is_none_or(|last| now - last > SESSION_GAP);
        if new_session {
            self.session_updates = 1;
            self.romantic_choices = 0;
            self.hostile_choices = 0;
            self.skipped_scenes = 0;
            self.known.habits.record_session(self.local_hour(now));
            self.habits_unsaved = true;
        } else {
            self.session_updates += 1;
        }
        if let Some(signal) = super::archetype::signal_of(kind) {
            self.known.habits.record_signal(signal);
            self.habits_unsaved = true;
        }
        if kind == "story" && self.scene_shown_at.is_some_and(|shown| now - shown < SKIPPED_WITHIN) {
            self.skipped_scenes += 1;
        }
        self.previous_update_at = self.last_update_at;
        self.last_update_at = Some(now);
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(kind);
    }

    /// A new player's first update: their first session, whatever registration wrote as seen.
    pub fn first_session(&mut self, kind: &'static str, now: DateTime<Utc>) {
        self.last_update_at = None;
        self.observe(kind, now);
    }

    /// What the game answered: the streak, spending, the story and what was engaged with.
    pub fn observe_reply(&mut self, reply: &Reply, now: DateTime<Utc>) {
        let today = now.with_timezone(&self.known.game_tz.unwrap_or(Tz::UTC)).date_naive();
        match reply {
            Reply::DailyGift(gift) => {
                self.known.current_streak = gift.streak;
                // A late claim forgiven counts for yesterday: today's is still to come.
                self.known.last_claim = if gift.late_claim_forgiven { today.pred_opt() } else { Some(today) };
                if gift.streak_lost {
                    self.streak_lost_at = Some(now);
                }
            }
            Reply::DailyAlreadyClaimed { streak, .. } => {
                self.known.current_streak = *streak;
                self.known.last_claim = Some(today);
            }
            Reply::Purchased { item_id, .. } => {
                self.spent_at = Some(now);
                self.known.engaged.insert(format!("tienda:{item_id}"));
            }
            Reply::StoryScene { felt, chapter, .. } => {
                self.scene_shown_at = Some(now);
                self.romantic_choices += felt.iter().filter(|k| **k == RelationshipType::Romantic).count() as u32;
                self.hostile_choices += felt.iter().filter(|k| **k == RelationshipType::Rival).count() as u32;
                if let Some(chapter) = chapter {
                    self.known.chapter = Some(*chapter);
                    self.known.engaged.insert(format!("capitulo:{chapter}"));
                }
            }
            Reply::VipActivated { expires_at, .. } => self.known.vip_until = Some(*expires_at),
            Reply::VipInfo { vip, expires_at, .. } => self.known.vip_until = expires_at.filter(|_| *vip),
            Reply::AchievementUnlocked { achievement_id, .. } => {
                self.known.engaged.insert(format!("logro:{achievement_id}"));
            }
            _ => {}
        }
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

    /// What the mood model reads beside the words: all of it from this context.
    pub fn behaviour(&self, now: DateTime<Utc>) -> Behaviour {
        let just = |at: Option<DateTime<Utc>>| at.is_some_and(|at| now - at < JUST);
        Behaviour {
            minutes_since_last: self.minutes_since_previous(),
            session_messages: self.session_updates,
            streak_lost: just(self.streak_lost_at),
            spent_recently: just(self.spent_at),
            romantic_choices: self.romantic_choices,
            hostile_choices: self.hostile_choices,
            skipped_scenes: self.skipped_scenes,
        }
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

    pub fn local_hour(&self, now: DateTime<Utc>) -> u32 {
        now.with_timezone(&self.tz()).hour()
    }

    pub fn day_part(&self, now: DateTime<Utc>) -> DayPart {
        DayPart::at_hour(self.local_hour(now))
    }

    /// Whether the streak breaks unless the player claims today's gift.
    pub fn streak_at_risk(&self, now: DateTime<Utc>) -> bool {
        let state =
            Streak { current: self.known.current_streak, longest: 0, last_claim: self.known.last_claim, freezes: 0 };
        streak::at_risk(&state, now.with_timezone(&self.known.game_tz.unwrap_or(Tz::UTC)))
    }

    pub fn current_streak(&self) -> i32 {
        self.known.current_streak
    }

    pub fn is_vip(&self, now: DateTime<Utc>) -> bool {
        self.known.vip_until.is_some_and(|until| until > now)
    }

    pub fn chapter(&self) -> Option<i32> {
        self.known.chapter
    }

    pub fn engaged(&self) -> &BTreeSet<String> {
        &self.known.engaged
    }

    pub fn habits(&self) -> &Habits {
        &self.known.habits
    }

    pub fn personality(&self) -> Option<[f64; 4]> {
        self.known.personality
    }

    pub fn set_personality(&mut self, personality: [f64; 4]) {
        self.known.personality = Some(personality);
    }

    pub fn reminders(&self) -> bool {
        self.known.reminders
    }

    pub fn set_reminders(&mut self, on: bool) {
        self.known.reminders = on;
    }

    /// The habits, if they changed since the last call (to be saved).
    pub fn take_unsaved_habits(&mut self) -> Option<Habits> {
        std::mem::take(&mut self.habits_unsaved).then(|| self.known.habits.clone())
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

    fn madrid() -> PlayerContext {
        let tz = Some(chrono_tz::Europe::Madrid);
        PlayerContext::from_known(Known { tz, game_tz: tz, reminders: true, ..Known::default() })
    }

    #[test]
    fn sessions_teach_habits_and_actions_the_play_type() {
        let mut c = madrid();
        // 1_800_000_000 is 2027-01-15 08:00 UTC, 09:00 in Madrid.
        c.observe("story", at(0));
        c.observe("story", at(1));
        c.observe("ranking", at(2));
        assert_eq!(c.local_hour(at(0)), 9);
        assert_eq!(c.day_part(at(0)), DayPart::Morning);
        assert_eq!(c.habits().hours[9], 1.0, "one session, however many updates");
        assert_eq!(c.habits().signals, [2.0, 0.0, 0.0, 1.0]);
        assert!(c.take_unsaved_habits().is_some());
        assert_eq!(c.take_unsaved_habits(), None, "saved once");
        c.observe("menu", at(3));
        assert_eq!(c.take_unsaved_habits(), None, "the menu says nothing new");
        c.observe("menu", at(12 * 60));
        assert_eq!(c.habits().hours[21], 1.0, "a new session at nine in the evening");
    }

    #[test]
    fn a_new_actor_goes_on_with_the_session_its_predecessor_saw() {
        let tz = Some(chrono_tz::Europe::Madrid);
        let known = |minutes_ago: i64| Known { tz, game_tz: tz, last_seen: Some(at(-minutes_ago)), ..Known::default() };
        let mut back_soon = PlayerContext::from_known(known(12));
        back_soon.observe("menu", at(0));
        assert_eq!(back_soon.habits().hours.iter().sum::<f64>(), 0.0, "the same session: not counted again");
        assert_eq!(back_soon.minutes_since_previous(), Some(12.0));
        let mut back_later = PlayerContext::from_known(known(120));
        back_later.observe("menu", at(0));
        assert_eq!(back_later.habits().hours.iter().sum::<f64>(), 1.0, "a new session");
        let mut new_player = PlayerContext::from_known(known(0));
        new_player.first_session("start", at(0));
        assert_eq!(new_player.habits().hours.iter().sum::<f64>(), 1.0, "registering starts the first session");
    }

    #[test]
    fn answers_keep_the_streak_story_and_spending_in_view() {
        use crate::domain::reply::DailyGift;
        let mut c = madrid();
        let yesterday = at(0).with_timezone(&chrono_tz::Europe::Madrid).date_naive() - chrono::Days::new(1);
        c.known.current_streak = 4;
        c.known.last_claim = Some(yesterday);
        assert!(c.streak_at_risk(at(0)));
        let gift: DailyGift = serde_json::from_value(serde_json::json!({
            "gift": { "rarity": "common", "reward": { "kind": "besitos", "amount": 5 } }, "paid": 5, "capped": false,
            "streak": 5, "milestone": null, "freezes_used": 0, "late_claim_forgiven": false, "streak_lost": false
        }))
        .unwrap();
        let mut forgiven = gift.clone();
        forgiven.late_claim_forgiven = true;
        c.observe_reply(&Reply::DailyGift(forgiven), at(1));
        assert!(c.streak_at_risk(at(2)), "a late claim forgiven counts for yesterday");
        c.observe_reply(&Reply::DailyGift(gift), at(1));
        assert!(!c.streak_at_risk(at(2)), "claimed today");
        assert_eq!(c.current_streak(), 5);
        c.observe("buy", at(3));
        c.observe_reply(&Reply::Purchased { item_id: "rosa".into(), balance: 3, clues: vec![] }, at(3));
        assert!(c.behaviour(at(10)).spent_recently);
        assert!(!c.behaviour(at(90)).spent_recently, "an hour later it no longer colours the mood");
        assert!(c.engaged().contains("tienda:rosa"));
        let scene = |felt: Vec<RelationshipType>| Reply::StoryScene {
            lines: vec![],
            choices: vec![],
            turn: 1,
            ended: false,
            vip: false,
            found: vec![],
            note: None,
            felt,
            chapter: Some(2),
        };
        c.observe_reply(&scene(vec![RelationshipType::Romantic]), at(4));
        c.observe("story", at(4));
        c.observe_reply(&scene(vec![RelationshipType::Rival]), at(4));
        let b = c.behaviour(at(4));
        assert_eq!((b.romantic_choices, b.hostile_choices, b.skipped_scenes), (1, 1, 1));
        assert_eq!(c.chapter(), Some(2));
        assert!(!c.is_vip(at(5)));
        c.observe_reply(&Reply::VipActivated { plan: "vip".into(), expires_at: at(60) }, at(5));
        assert!(c.is_vip(at(5)) && !c.is_vip(at(61)), "VIP until it runs out");
        assert!(c.engaged().contains("capitulo:2"));
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
