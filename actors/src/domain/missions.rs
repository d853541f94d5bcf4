//! Missions (`assets/missions.toml`): daily ones picked per player per day, one-time ones, and
//! repeatable ones. Progress is a counter's growth since the mission began.

use serde::{Deserialize, Serialize};

pub const EMBEDDED: &str = include_str!("../../../assets/missions.toml");

/// At most this many daily missions are active at once.
pub const DAILY_ACTIVE: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Daily,
    Once,
    Repeatable,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Mission {
    pub id: String,
    pub kind: Kind,
    pub counter: String,
    pub target: i64,
    pub reward: i64,
    #[serde(default = "first_level")]
    pub min_level: u32,
    #[serde(flatten)]
    pub wording: super::wording::Wording,
}

fn first_level() -> u32 {
    1
}

#[derive(Debug, Clone, Deserialize)]
pub struct Missions {
    #[serde(rename = "mission")]
    pub all: Vec<Mission>,
}

#[derive(Debug, thiserror::Error)]
pub enum MissionsError {
    #[error("missions do not parse: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("mission {0}: {1}")]
    Invalid(String, String),
}

impl Missions {
    pub fn embedded() -> Result<Missions, MissionsError> {
        Missions::parse(EMBEDDED)
    }

    pub fn parse(text: &str) -> Result<Missions, MissionsError> {
        let parsed: Missions = toml::from_str(text)?;
        let mut ids = std::collections::HashSet::new();
        for m in &parsed.all {
            let bad = |why: &str| Err(MissionsError::Invalid(m.id.clone(), why.to_owned()));
            if !ids.insert(m.id.as_str()) {
                return bad("listed twice");
            }
            if !super::achievements::COUNTERS.contains(&m.counter.as_str()) {
                return bad("watches an unknown counter");
            }
            if m.target <= 0 || m.reward < 0 {
                return bad("needs a positive target and a reward");
            }
        }
        Ok(parsed)
    }

    pub fn get(&self, id: &str) -> Option<&Mission> {
        self.all.iter().find(|m| m.id == id)
    }
}

/// Today's daily missions for a player: up to three of those their level allows, chosen by
/// (user, day) so the choice is stable all day.
pub fn daily_pick(all: &Missions, level: u32, user_id: i64, day_number: i64) -> Vec<&Mission> {
    let mut eligible: Vec<&Mission> =
        all.all.iter().filter(|m| m.kind == Kind::Daily && m.min_level <= level).collect();
    let seed =
        (user_id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (day_number as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    eligible.sort_by_key(|m| m.id.bytes().fold(seed, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)));
    eligible.truncate(DAILY_ACTIVE);
    eligible
}

/// Progress of a mission, capped at its target.
pub fn progress(mission: &Mission, counter_now: i64, baseline: i64) -> i64 {
    (counter_now - baseline).clamp(0, mission.target)
}

/// The daily periods whose missions may still be paid on `today`: today's, and yesterday's
/// too, since a mission finished at 23:59 may be evaluated after midnight.
pub fn payable_periods(today: chrono::NaiveDate) -> [String; 2] {
    [today.to_string(), (today - chrono::Days::new(1)).to_string()]
}

/// Whether the mission is done (whatever it was paid).
pub fn is_complete(mission: &Mission, counter_now: i64, baseline: i64) -> bool {
    progress(mission, counter_now, baseline) >= mission.target
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_missions_are_enough() {
        let m = Missions::embedded().unwrap();
        assert!(m.all.len() >= 12);
        for kind in [Kind::Daily, Kind::Once, Kind::Repeatable] {
            assert!(m.all.iter().any(|x| x.kind == kind), "{kind:?}");
        }
    }

    #[test]
    fn at_most_three_daily_missions_stable_for_the_day_and_level_gated() {
        let m = Missions::embedded().unwrap();
        let today = daily_pick(&m, 1, 42, 20_000);
        assert_eq!(today.len(), DAILY_ACTIVE);
        assert!(today.iter().all(|x| x.kind == Kind::Daily && x.min_level <= 1));
        let again: Vec<&str> = daily_pick(&m, 1, 42, 20_000).iter().map(|x| x.id.as_str()).collect();
        assert_eq!(today.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(), again);
        let days: std::collections::HashSet<Vec<&str>> =
            (0..20).map(|d| daily_pick(&m, 5, 42, 20_000 + d).iter().map(|x| x.id.as_str()).collect()).collect();
        assert!(days.len() > 1, "the choice changes from day to day");
    }

    #[test]
    fn progress_counts_from_the_baseline_up_to_the_target() {
        let m = Missions::embedded().unwrap();
        let gift = m.get("d_regalo").unwrap();
        assert_eq!(progress(gift, 5, 5), 0);
        assert_eq!(progress(gift, 9, 5), 1);
    }
}
