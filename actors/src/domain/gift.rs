//! The daily gift's draw: a pure function of (user, day, seed), so a retried or redelivered
//! claim yields the same gift, never a new roll. Longer streaks tilt the odds to rarer gifts.

use super::economy::{GiftReward, GiftTable};
use chrono::{Datelike, NaiveDate};

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Gift {
    pub rarity: String,
    pub reward: GiftReward,
}

/// splitmix64: a small, stable mixer. Stable matters: the std hasher may change between
/// releases, and a gift must never change after it was drawn.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A number in [0, 1) drawn from the inputs.
fn unit(a: u64, b: u64, c: u64) -> f64 {
    (mix(mix(mix(a) ^ b) ^ c) >> 11) as f64 / (1u64 << 53) as f64
}

fn pick<T>(items: &[T], weight: impl Fn(&T) -> f64, u: f64) -> Option<&T> {
    let total: f64 = items.iter().map(&weight).sum();
    if total <= 0.0 {
        return items.first();
    }
    let mut target = u * total;
    for item in items {
        target -= weight(item);
        if target < 0.0 {
            return Some(item);
        }
    }
    items.last()
}

/// Draw the gift for `user_id` on `day`, for a player whose streak (after this claim) is `streak`.
pub fn draw(table: &GiftTable, user_id: i64, day: NaiveDate, seed: u64, streak: i32) -> Gift {
    let streak_days = f64::from(streak.clamp(0, table.max_streak_days as i32));
    let day_key = day.num_days_from_ce() as u64;
    let rarity_roll = unit(user_id as u64, day_key, seed);
    let rarity = pick(&table.rarities, |r| r.weight + r.streak_bonus * streak_days, rarity_roll)
        .expect("validated: at least one rarity");
    let reward_roll = unit(user_id as u64 ^ 0x5EED, day_key, seed.rotate_left(17));
    let reward = pick(&rarity.rewards, |w| w.weight, reward_roll).expect("validated: rewards");
    Gift { rarity: rarity.id.clone(), reward: reward.reward.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::economy::Economy;
    use proptest::prelude::*;

    fn table() -> GiftTable {
        Economy::embedded().unwrap().gift
    }

    fn share(streak: i32, rarity: &str) -> f64 {
        let t = table();
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let n = 20_000;
        let hits = (0..n).filter(|i| draw(&t, *i as i64, start, 7, streak).rarity == rarity).count();
        hits as f64 / n as f64
    }

    #[test]
    fn odds_follow_the_weights_and_improve_with_the_streak() {
        let common = share(0, "common");
        assert!((0.67..0.73).contains(&common), "common share {common}");
        assert!(share(30, "legendary") > share(0, "legendary") * 2.0);
        assert!(share(30, "common") < common);
    }

    proptest! {
        #[test]
        fn the_same_claim_draws_the_same_gift(user in any::<i64>(), days in 0u64..5000, seed in any::<u64>(), streak in 0i32..100) {
            let day = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Days::new(days);
            let t = table();
            prop_assert_eq!(draw(&t, user, day, seed, streak), draw(&t, user, day, seed, streak));
        }
    }
}
