//! The economy's numbers, from `assets/economy.toml` (embedded): caps, referral rewards,
//! streak rules, the daily gift table and the levels. No amount lives in code.

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

const EMBEDDED: &str = include_str!("../../../assets/economy.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Economy {
    /// Most besitos per calendar day for each action type; a missing type is uncapped.
    pub daily_caps: HashMap<String, i64>,
    pub referral: ReferralRewards,
    pub streak: StreakRules,
    pub gift: GiftTable,
    #[serde(rename = "level")]
    pub levels: Vec<Level>,
    pub leaderboard: LeaderboardRewards,
    pub trivia: super::trivia::TriviaRules,
}

/// Besitos paid by place when a period closes (first place first).
#[derive(Debug, Clone, Deserialize)]
pub struct LeaderboardRewards {
    pub week_rewards: Vec<i64>,
    pub month_rewards: Vec<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReferralRewards {
    pub referrer: i64,
    pub referred: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StreakRules {
    pub grace_hours: u32,
    /// Streak length → bonus besitos (TOML keys are strings).
    milestones: BTreeMap<String, i64>,
}

impl StreakRules {
    pub fn milestone_bonus(&self, streak: i32) -> Option<i64> {
        self.milestones.get(&streak.to_string()).copied()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct GiftTable {
    pub max_streak_days: u32,
    /// Fixed per deployment: the same (user, day) always draws the same gift.
    pub seed: u64,
    #[serde(rename = "rarity")]
    pub rarities: Vec<Rarity>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Rarity {
    pub id: String,
    pub weight: f64,
    pub streak_bonus: f64,
    pub rewards: Vec<WeightedReward>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WeightedReward {
    #[serde(flatten)]
    pub reward: GiftReward,
    pub weight: f64,
}

/// One thing the daily gift can give.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GiftReward {
    Besitos {
        amount: i64,
    },
    /// Earnings are multiplied by `factor` for `hours`.
    Boost {
        factor: f64,
        hours: u32,
    },
    Item {
        item: String,
    },
    Clue {
        item: String,
    },
}

#[derive(Debug, Clone, Deserialize)]
pub struct Level {
    pub min_points: i64,
    pub name_es: String,
    pub name_en: String,
}

#[derive(Debug, thiserror::Error)]
pub enum EconomyError {
    #[error("economy table does not parse: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("economy table is inconsistent: {0}")]
    Invalid(String),
}

impl Economy {
    /// The table shipped in `assets/economy.toml`.
    pub fn embedded() -> Result<Economy, EconomyError> {
        Economy::parse(EMBEDDED)
    }

    pub fn parse(text: &str) -> Result<Economy, EconomyError> {
        let economy: Economy = toml::from_str(text)?;
        economy.validate()?;
        Ok(economy)
    }

    fn validate(&self) -> Result<(), EconomyError> {
        let invalid = |m: String| Err(EconomyError::Invalid(m));
        if self.gift.rarities.is_empty() {
            return invalid("the gift needs at least one rarity".into());
        }
        for r in &self.gift.rarities {
            if r.weight < 0.0 || r.streak_bonus < 0.0 || r.rewards.is_empty() {
                return invalid(format!("rarity {} needs a weight ≥ 0 and rewards", r.id));
            }
            if r.rewards.iter().any(|w| w.weight <= 0.0) {
                return invalid(format!("rarity {} has a reward without a positive weight", r.id));
            }
            for w in &r.rewards {
                match &w.reward {
                    GiftReward::Besitos { amount } if *amount <= 0 => {
                        return invalid(format!("rarity {} pays a non-positive amount", r.id));
                    }
                    GiftReward::Boost { factor, hours } if *factor < 1.0 || *hours == 0 => {
                        return invalid(format!("rarity {} has a boost below ×1 or of 0 hours", r.id));
                    }
                    _ => {}
                }
            }
        }
        if self.levels.first().map(|l| l.min_points) != Some(0)
            || self.levels.windows(2).any(|w| w[0].min_points >= w[1].min_points)
        {
            return invalid("levels must start at 0 and increase".into());
        }
        if self.streak.milestones.keys().any(|k| k.parse::<i32>().map_or(true, |n| n < 1)) {
            return invalid("streak milestones are keyed by positive day counts".into());
        }
        Ok(())
    }

    /// The daily cap for an action type, if it has one.
    pub fn cap(&self, action_type: &str) -> Option<i64> {
        self.daily_caps.get(action_type).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_is_valid() {
        let e = Economy::embedded().unwrap();
        assert_eq!(e.streak.milestone_bonus(7), Some(50));
        assert_eq!(e.streak.milestone_bonus(8), None);
        assert_eq!(e.gift.rarities.len(), 4);
        assert!(e.levels.len() >= 5);
    }

    #[test]
    fn inconsistent_tables_are_refused() {
        let broken = EMBEDDED.replacen("min_points = 0", "min_points = 5", 1);
        assert!(matches!(Economy::parse(&broken), Err(EconomyError::Invalid(_))));
        let broken = EMBEDDED.replacen("amount = 10,", "amount = -10,", 1);
        assert!(matches!(Economy::parse(&broken), Err(EconomyError::Invalid(_))));
    }
}
