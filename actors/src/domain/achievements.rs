//! Achievement definitions (`assets/achievements.toml`) and the rule that says which levels a
//! player has reached. Unlocking each level exactly once is the store's job (a primary key).

use serde::{Deserialize, Serialize};

pub const EMBEDDED: &str = include_str!("../../../assets/achievements.toml");

/// What players do that achievements watch.
pub const COUNTERS: &[&str] = &[
    "besitos_earned",
    "longest_streak",
    "daily_claims",
    "days_active",
    "purchases",
    "referrals",
    "podium_finishes",
    "trivia_correct",
    // Bumped by the story engine (the narrative feature).
    "story_decisions",
    "story_endings",
];

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Achievement {
    pub id: String,
    pub category: String,
    pub counter: String,
    /// Thresholds of the counter, one per level, increasing.
    pub tiers: Vec<i64>,
    /// Besitos for each level.
    pub rewards: Vec<i64>,
    #[serde(default)]
    pub secret: bool,
    #[serde(flatten)]
    pub wording: super::wording::Wording,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Achievements {
    #[serde(rename = "achievement")]
    pub all: Vec<Achievement>,
}

#[derive(Debug, thiserror::Error)]
pub enum AchievementsError {
    #[error("achievements do not parse: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("achievement {0}: {1}")]
    Invalid(String, String),
}

impl Achievements {
    pub fn embedded() -> Result<Achievements, AchievementsError> {
        Achievements::parse(EMBEDDED)
    }

    pub fn parse(text: &str) -> Result<Achievements, AchievementsError> {
        let parsed: Achievements = toml::from_str(text)?;
        let mut ids = std::collections::HashSet::new();
        for a in &parsed.all {
            let bad = |m: &str| Err(AchievementsError::Invalid(a.id.clone(), m.to_owned()));
            if !ids.insert(a.id.as_str()) {
                return bad("listed twice");
            }
            if a.id.is_empty() || a.id.len() > 24 || !a.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                return bad("ids are 1-24 characters of a-z and _");
            }
            // `story:<id>` counters are bumped by the story's `# logro:<id>` tags.
            let story_event = a.counter.strip_prefix("story:").is_some_and(|id| {
                !id.is_empty() && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            });
            if !COUNTERS.contains(&a.counter.as_str()) && !story_event {
                return bad("watches an unknown counter");
            }
            if a.tiers.is_empty() || a.tiers.len() > 3 || a.tiers.len() != a.rewards.len() {
                return bad("needs 1 to 3 tiers, each with a reward");
            }
            if a.tiers[0] <= 0 || a.tiers.windows(2).any(|w| w[0] >= w[1]) || a.rewards.iter().any(|r| *r < 0) {
                return bad("tiers must be positive and increasing, rewards not negative");
            }
        }
        Ok(parsed)
    }

    pub fn get(&self, id: &str) -> Option<&Achievement> {
        self.all.iter().find(|a| a.id == id)
    }
}

/// How many levels a counter value reaches (0 = none).
pub fn levels_reached(achievement: &Achievement, value: i64) -> u32 {
    achievement.tiers.iter().take_while(|t| value >= **t).count() as u32
}

/// The levels reached but not unlocked yet, lowest first (1-based).
pub fn newly_reached(achievement: &Achievement, value: i64, unlocked: &[u32]) -> Vec<u32> {
    (1..=levels_reached(achievement, value)).filter(|tier| !unlocked.contains(tier)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_achievements_are_enough_and_valid() {
        let a = Achievements::embedded().unwrap();
        assert!(a.all.len() >= 20);
        let categories: std::collections::HashSet<_> = a.all.iter().map(|x| x.category.as_str()).collect();
        assert!(categories.len() >= 5, "{categories:?}");
        assert!(a.all.iter().filter(|x| x.secret).count() >= 3);
    }

    #[test]
    fn levels_follow_thresholds_and_unlock_once() {
        let a = Achievements::embedded().unwrap();
        let constancy = a.get("constancia").unwrap();
        assert_eq!(levels_reached(constancy, 2), 0);
        assert_eq!(levels_reached(constancy, 7), 2);
        assert_eq!(newly_reached(constancy, 30, &[1]), vec![2, 3]);
        assert_eq!(newly_reached(constancy, 30, &[1, 2, 3]), Vec::<u32>::new());
    }

    #[test]
    fn bad_definitions_are_refused() {
        let unknown = EMBEDDED.replacen("counter = \"besitos_earned\"", "counter = \"vibes\"", 1);
        assert!(matches!(Achievements::parse(&unknown), Err(AchievementsError::Invalid(..))));
        let decreasing = EMBEDDED.replacen("tiers = [100, 500, 2000]", "tiers = [500, 100, 2000]", 1);
        assert!(matches!(Achievements::parse(&decreasing), Err(AchievementsError::Invalid(..))));
    }
}

/// `/logros`: every achievement with the player's progress, in catalogue order. Secret
/// achievements not unlocked yet keep their identity hidden.
pub fn progress_view(
    all: &Achievements,
    counters: &std::collections::HashMap<String, i64>,
    unlocked: &std::collections::HashMap<String, Vec<u32>>,
) -> Vec<super::AchievementProgress> {
    all.all
        .iter()
        .map(|a| {
            let value = counters.get(&a.counter).copied().unwrap_or(0);
            let got = unlocked.get(&a.id).map_or(0, |t| t.len() as u32);
            let hidden = a.secret && got == 0;
            super::AchievementProgress {
                achievement_id: (!hidden).then(|| a.id.clone()),
                unlocked_tiers: got,
                tiers: a.tiers.len() as u32,
                value: if hidden { 0 } else { value },
                next: if hidden { None } else { a.tiers.get(got as usize).copied() },
            }
        })
        .collect()
}

#[cfg(test)]
mod view_tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn secret_achievements_stay_hidden_until_unlocked() {
        let all = Achievements::embedded().unwrap();
        let counters = HashMap::from([("besitos_earned".to_owned(), 20_000)]);
        let none = HashMap::new();
        let view = progress_view(&all, &counters, &none);
        let secret_index = all.all.iter().position(|a| a.id == "millonaria").unwrap();
        assert_eq!(view[secret_index].achievement_id, None, "reached but not unlocked yet: still hidden");
        assert_eq!(view[secret_index].value, 0);
        let unlocked = HashMap::from([("millonaria".to_owned(), vec![1])]);
        let view = progress_view(&all, &counters, &unlocked);
        assert_eq!(view[secret_index].achievement_id.as_deref(), Some("millonaria"));
        let coll = all.all.iter().position(|a| a.id == "coleccionista").unwrap();
        assert_eq!((view[coll].unlocked_tiers, view[coll].next), (0, Some(100)));
    }
}
